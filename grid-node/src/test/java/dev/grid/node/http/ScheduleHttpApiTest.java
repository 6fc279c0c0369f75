package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The schedule routes as raw HTTP: statuses, headers and the JSON a script sees. */
class ScheduleHttpApiTest {
  private static final String TOKEN = HttpApiTest.TOKEN;
  private static final String MINIMAL =
      "{\"name\":\"tick\",\"cron\":\"*/5 * * * *\",\"job\":{\"argv\":[\"date\"]}}";

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpApi api;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) {
    return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
  }

  private static String error(HttpResponse<String> response) {
    return json(response).get("error").asText();
  }

  @Test
  void when_a_minimal_spec_is_posted_then_201_and_the_defaults_apply() throws Exception {
    HttpResponse<String> response = send("POST", "/api/schedules", MINIMAL, TOKEN);

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("Location")).hasValue("/api/schedules/tick");
    ScheduleSpec stored = ops.schedule("tick").orElseThrow().spec();
    assertThat(stored.zone()).isNull();
    assertThat(stored.misfire()).isEqualTo(MisfirePolicy.ONCE);
    assertThat(stored.overlap()).isEqualTo(OverlapPolicy.ALLOW);
    assertThat(stored.maxCatchUp()).isEqualTo(ScheduleSpec.DEFAULT_MAX_CATCH_UP);
    JsonNode spec = json(response).get("spec");
    assertThat(spec.get("misfire").asText()).isEqualTo("once");
    assertThat(spec.get("overlap").asText()).isEqualTo("allow");
    assertThat(json(response).get("nextFireMillis").isNumber()).isTrue();
  }

  @Test
  void when_policies_come_in_any_case_then_they_are_read() throws Exception {
    String body =
        "{\"name\":\"t\",\"cron\":\"@daily\",\"zone\":\"Asia/Tokyo\",\"misfire\":\"ALL\","
            + "\"overlap\":\"Replace\",\"maxCatchUp\":3,\"job\":{\"shell\":\"true\"}}";

    assertThat(send("POST", "/api/schedules", body, TOKEN).statusCode()).isEqualTo(201);

    ScheduleSpec stored = ops.schedule("t").orElseThrow().spec();
    assertThat(stored.misfire()).isEqualTo(MisfirePolicy.ALL);
    assertThat(stored.overlap()).isEqualTo(OverlapPolicy.REPLACE);
    assertThat(stored.maxCatchUp()).isEqualTo(3);
    assertThat(stored.zone()).isEqualTo("Asia/Tokyo");
  }

  @Test
  void when_a_spec_is_invalid_then_400_names_the_problem_and_nothing_is_stored() throws Exception {
    String[][] cases = {
      {"{\"name\":\"t\",\"cron\":\"bad\",\"job\":{\"argv\":[\"x\"]}}", "cron expression 'bad'"},
      {
        "{\"name\":\"t\",\"cron\":\"@daily\",\"misfire\":\"later\",\"job\":{\"argv\":[\"x\"]}}",
        "misfire policy 'later'"
      },
      {"{\"name\":\"t\",\"cron\":\"@daily\",\"overlap\":3,\"job\":{\"argv\":[\"x\"]}}", "overlap"},
      {"{\"name\":\"t\",\"cron\":\"@daily\",\"crn\":1,\"job\":{\"argv\":[\"x\"]}}", "'crn'"},
      {
        "{\"name\":\"t\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"],\"timout\":\"PT1S\"}}",
        "'timout' in the schedule's job"
      },
      {"{\"name\":\"t\",\"cron\":\"@daily\"}", "no job"},
      {"{\"name\":\"a b\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"]}}", "'a b'"},
      {"{\"name\":\"a..b\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"]}}", "hold '..'"},
      {"{\"name\":\".a\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"]}}", "'.a'"},
      {"{\"name\":\"a.\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"]}}", "'a.'"},
      {
        "{\"name\":\"t\",\"cron\":\"@daily\",\"maxCatchUp\":0,\"job\":{\"argv\":[\"x\"]}}",
        "maxCatchUp 0"
      },
      {"[1]", "must be a JSON object"},
    };
    for (String[] c : cases) {
      HttpResponse<String> response = send("POST", "/api/schedules", c[0], TOKEN);
      assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
      assertThat(error(response)).as(c[0]).contains(c[1]);
    }
    assertThat(ops.schedules()).isEmpty();
  }

  @Test
  void when_schedules_and_runs_are_listed_a_page_at_a_time_then_links_lead_through_all_of_them()
      throws Exception {
    for (String name : List.of("e", "b", "d", "a", "c")) {
      assertThat(send("POST", "/api/schedules", MINIMAL.replace("tick", name), TOKEN).statusCode())
          .isEqualTo(201);
    }
    for (long at = 1; at <= 5; at++) {
      ops.recordRun("a", new ScheduleRun(at * 1000, ScheduleRun.Outcome.MISSED, null, null, "x"));
    }

    assertThat(walk("/api/schedules?limit=2", item -> item.get("spec").get("name")))
        .containsExactly("a", "b", "c", "d", "e");
    assertThat(walk("/api/schedules/a/runs?limit=2", item -> item.get("fireTimeMillis")))
        .containsExactly("1000", "2000", "3000", "4000", "5000");

    HttpResponse<String> badName = send("GET", "/api/schedules?after=a%20b", null, TOKEN);
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(error(badName)).contains("cursor 'a b'");
    HttpResponse<String> badTime = send("GET", "/api/schedules/a/runs?after=soon", null, TOKEN);
    assertThat(badTime.statusCode()).isEqualTo(400);
    assertThat(error(badTime)).contains("cursor 'soon'");
    HttpResponse<String> badLimit = send("GET", "/api/schedules/a/runs?limit=0", null, TOKEN);
    assertThat(badLimit.statusCode()).isEqualTo(400);
    assertThat(error(badLimit)).contains("limit '0'", "1 to 10000");
  }

  /** The field of every item of every page, following the Link headers. */
  private List<String> walk(String path, UnaryOperator<JsonNode> field) throws Exception {
    List<String> out = new ArrayList<>();
    int pages = 0;
    while (path != null) {
      HttpResponse<String> page = send("GET", path, null, TOKEN);
      assertThat(page.statusCode()).isEqualTo(200);
      json(page).forEach(item -> out.add(field.apply(item).asText()));
      path =
          page.headers().firstValue("Link").map(l -> l.substring(1, l.indexOf('>'))).orElse(null);
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    return out;
  }

  @Test
  void when_the_name_is_taken_then_409_with_the_nodes_message() throws Exception {
    send("POST", "/api/schedules", MINIMAL, TOKEN);

    HttpResponse<String> again = send("POST", "/api/schedules", MINIMAL, TOKEN);

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(error(again)).isEqualTo("schedule 'tick' exists");
  }

  @Test
  void when_deleted_then_204_then_404() throws Exception {
    send("POST", "/api/schedules", MINIMAL, TOKEN);

    HttpResponse<String> deleted = send("DELETE", "/api/schedules/tick", null, TOKEN);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertThat(send("DELETE", "/api/schedules/tick", null, TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void when_a_name_is_unknown_then_404_on_each_schedule_route() throws Exception {
    String[][] routes = {
      {"GET", "/api/schedules/ghost"},
      {"DELETE", "/api/schedules/ghost"},
      {"POST", "/api/schedules/ghost/pause"},
      {"POST", "/api/schedules/ghost/resume"},
      {"GET", "/api/schedules/ghost/runs"},
    };
    for (String[] route : routes) {
      HttpResponse<String> response = send(route[0], route[1], null, TOKEN);
      assertThat(response.statusCode()).as(route[1]).isEqualTo(404);
      assertThat(error(response)).contains("'ghost'", "bin/schedule list");
    }
  }

  @Test
  void when_a_method_is_wrong_then_405_with_allow() throws Exception {
    send("POST", "/api/schedules", MINIMAL, TOKEN);

    HttpResponse<String> put = send("PUT", "/api/schedules", "{}", TOKEN);
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");
    HttpResponse<String> post = send("POST", "/api/schedules/tick", null, TOKEN);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, DELETE");
    assertThat(send("GET", "/api/schedules/tick/pause", null, TOKEN).statusCode()).isEqualTo(405);
    assertThat(send("POST", "/api/schedules/tick/runs", null, TOKEN).statusCode()).isEqualTo(405);
    assertThat(send("GET", "/api/schedules/tick/bogus", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(ops.schedule("tick").orElseThrow().paused()).isFalse();
  }

  @Test
  void when_no_token_is_sent_then_401_on_schedule_routes_and_nothing_changes() throws Exception {
    send("POST", "/api/schedules", MINIMAL, TOKEN);

    assertThat(
            send("POST", "/api/schedules", MINIMAL.replace("tick", "intruder"), null).statusCode())
        .isEqualTo(401);
    assertThat(send("GET", "/api/schedules", null, null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/schedules/tick/pause", null, "wrong").statusCode())
        .isEqualTo(401);
    assertThat(send("DELETE", "/api/schedules/tick", null, null).statusCode()).isEqualTo(401);
    assertThat(ops.schedules()).hasSize(1);
    assertThat(ops.schedule("tick").orElseThrow().paused()).isFalse();
  }
}
