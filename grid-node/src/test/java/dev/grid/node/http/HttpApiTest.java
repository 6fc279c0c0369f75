package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpApiTest {
  static final String TOKEN = "s3cret-token";
  private static final String SPEC = "{\"argv\":[\"echo\",\"hi\"],\"timeout\":\"PT30S\"}";

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

  private String error(HttpResponse<String> response) {
    return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("error").asText();
  }

  @Test
  void when_a_spec_is_posted_then_201_with_the_id_and_the_job_is_queued() throws Exception {
    HttpResponse<String> response = send("POST", "/api/jobs", SPEC, TOKEN);

    assertThat(response.statusCode()).isEqualTo(201);
    String id = Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("id").asText();
    assertThat(response.headers().firstValue("Location")).hasValue("/api/jobs/" + id);
    assertThat(ops.submitted()).hasSize(1);
    assertThat(ops.submitted().get(0).argv()).containsExactly("echo", "hi");
    assertThat(ops.job(JobId.of(id))).get().extracting(j -> j.state()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void when_no_token_is_sent_then_401_and_nothing_is_submitted() throws Exception {
    HttpResponse<String> response = send("POST", "/api/jobs", SPEC, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(error(response)).contains("bearer token");
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_wrong_token_is_sent_then_401_on_every_route_and_nothing_is_done() throws Exception {
    JobId id = ops.submit(JobSpec.shell("sleep 100"));

    assertThat(send("POST", "/api/jobs", SPEC, "wrong").statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/jobs", SPEC, TOKEN + "x").statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/jobs/" + id + "/cancel", null, "wrong").statusCode())
        .isEqualTo(401);
    assertThat(send("GET", "/api/jobs", null, "").statusCode()).isEqualTo(401);
    assertThat(send("GET", "/api/health", null, "wrong").statusCode()).isEqualTo(401);
    assertThat(ops.submitted()).hasSize(1);
    assertThat(ops.job(id)).get().extracting(j -> j.state()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void when_a_spec_is_invalid_then_400_names_the_bad_value() throws Exception {
    HttpResponse<String> negative =
        send("POST", "/api/jobs", "{\"argv\":[\"true\"],\"maxRetries\":-4}", TOKEN);
    HttpResponse<String> badDuration =
        send("POST", "/api/jobs", "{\"shell\":\"true\",\"timeout\":\"30s\"}", TOKEN);
    HttpResponse<String> notJson = send("POST", "/api/jobs", "{argv", TOKEN);
    HttpResponse<String> tooManyRetries =
        send("POST", "/api/jobs", "{\"argv\":[\"true\"],\"maxRetries\":101}", TOKEN);
    HttpResponse<String> tooLong =
        send("POST", "/api/jobs", "{\"argv\":[\"true\"],\"timeout\":\"P366D\"}", TOKEN);
    assertThat(tooManyRetries.statusCode()).isEqualTo(400);
    assertThat(error(tooManyRetries)).contains("maxRetries 101", "0 to 100");
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(error(tooLong)).contains("365 days");

    assertThat(negative.statusCode()).isEqualTo(400);
    assertThat(error(negative)).contains("maxRetries -4");
    assertThat(badDuration.statusCode()).isEqualTo(400);
    assertThat(error(badDuration)).contains("timeout", "30s");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(error(notJson)).contains("not valid JSON");
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_job_id_is_unknown_then_404_on_each_job_route() throws Exception {
    for (String path :
        new String[] {"/api/jobs/nope", "/api/jobs/nope/stdout", "/api/jobs/nope/stderr"}) {
      HttpResponse<String> response = send("GET", path, null, TOKEN);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(error(response)).contains("'nope'");
    }
    assertThat(send("POST", "/api/jobs/nope/cancel", null, TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void when_a_route_or_method_is_wrong_then_404_or_405() throws Exception {
    assertThat(send("GET", "/api/bogus", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/jobs/j1/bogus", null, TOKEN).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/elsewhere", null, TOKEN).statusCode()).isEqualTo(404);
    HttpResponse<String> delete = send("DELETE", "/api/jobs", null, TOKEN);
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET, POST");
    assertThat(send("GET", "/api/jobs/j1/cancel", null, TOKEN).statusCode()).isEqualTo(405);
  }

  @Test
  void when_jobs_are_listed_a_page_at_a_time_then_a_link_leads_to_the_next_until_the_last()
      throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(ops.submit(JobSpec.command("true")).value());
    }
    ops.cancel(JobId.of(ids.get(1)));

    List<String> seen = new ArrayList<>();
    String path = "/api/jobs?limit=2";
    List<String> links = new ArrayList<>();
    while (path != null) {
      HttpResponse<String> page = send("GET", path, null, TOKEN);
      assertThat(page.statusCode()).isEqualTo(200);
      Json.readTree(page.body().getBytes(StandardCharsets.UTF_8))
          .forEach(job -> seen.add(job.get("id").asText()));
      Optional<String> link = page.headers().firstValue("Link");
      link.ifPresent(links::add);
      path = link.map(l -> l.substring(1, l.indexOf('>'))).orElse(null);
    }
    assertThat(seen).containsExactlyElementsOf(ids);
    assertThat(links)
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).matches("</api/jobs\\?limit=2&after=[^>]+>; rel=\"next\""));

    HttpResponse<String> queued = send("GET", "/api/jobs?state=QUEUED&limit=3", null, TOKEN);
    assertThat(queued.headers().firstValue("Link").orElseThrow())
        .startsWith("</api/jobs?state=QUEUED&limit=3&after=");
    String next = queued.headers().firstValue("Link").orElseThrow();
    HttpResponse<String> rest = send("GET", next.substring(1, next.indexOf('>')), null, TOKEN);
    assertThat(rest.body()).contains(ids.get(4)).doesNotContain(ids.get(1));
    assertThat(rest.headers().firstValue("Link")).isEmpty();
    assertThat(send("GET", "/api/jobs", null, TOKEN).headers().firstValue("Link"))
        .as("all on the default page")
        .isEmpty();
  }

  @Test
  void when_a_limit_or_cursor_is_malformed_then_400_names_it_and_the_range() throws Exception {
    for (String limit : List.of("0", "10001", "-1", "ten", "1e3")) {
      HttpResponse<String> response = send("GET", "/api/jobs?limit=" + limit, null, TOKEN);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(error(response)).contains("limit '" + limit + "'", "1 to 10000", "default 1000");
    }
    for (String after : List.of("nonsense", "1.0.a%20b", "zz.-4.j1")) {
      HttpResponse<String> response = send("GET", "/api/jobs?after=" + after, null, TOKEN);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(error(response))
          .contains("cursor '" + URLDecoder.decode(after, StandardCharsets.UTF_8) + "'");
    }
  }

  @Test
  void when_an_id_or_state_is_malformed_then_400_names_it() throws Exception {
    HttpResponse<String> badState = send("GET", "/api/jobs?state=SLEEPING", null, TOKEN);
    assertThat(badState.statusCode()).isEqualTo(400);
    assertThat(error(badState)).contains("SLEEPING");
    HttpResponse<String> badId = send("GET", "/api/jobs/a%20b", null, TOKEN);
    assertThat(badId.statusCode()).isEqualTo(400);
    assertThat(error(badId)).contains("a b");
  }

  @Test
  void when_health_is_asked_then_ok_with_the_node_name() throws Exception {
    HttpResponse<String> response = send("GET", "/api/health", null, TOKEN);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"status\":\"ok\"", "\"node\":\"n1\"");
  }

  @Test
  void when_output_is_fetched_then_the_raw_bytes_come_back() throws Exception {
    JobId id = ops.submit(JobSpec.shell("head -c 4 /dev/urandom"));
    byte[] binary = {0, (byte) 0xff, (byte) 0xc3, '\n'};
    ops.finish(id, JobState.SUCCEEDED, 0, null, binary, new byte[0]);

    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + api.port() + "/api/jobs/" + id + "/stdout"))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(response.body()).containsExactly(binary);
  }

  @Test
  void when_output_breaks_off_while_it_is_sent_then_the_answer_breaks_off_too() {
    JobId id = ops.submit(JobSpec.shell("seq 1 50000"));
    byte[] big = new byte[300_000];
    Arrays.fill(big, (byte) 'x');
    ops.finish(id, JobState.SUCCEEDED, 0, null, big, new byte[0]);
    ops.breakOutputsAfter(200_000);

    HttpRequest get =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/api/jobs/" + id + "/stdout"))
            .header("Authorization", "Bearer " + TOKEN)
            .build();
    // Never a complete-looking answer with part of the bytes.
    assertThatThrownBy(() -> http.send(get, HttpResponse.BodyHandlers.ofByteArray()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void when_output_is_asked_from_an_offset_then_only_the_rest_comes_and_a_bad_offset_is_a_400()
      throws Exception {
    JobId id = ops.submit(JobSpec.shell("seq 1 3"));
    ops.finish(
        id, JobState.SUCCEEDED, 0, null, "1\n2\n3\n".getBytes(StandardCharsets.UTF_8), new byte[0]);

    assertThat(send("GET", "/api/jobs/" + id + "/stdout?offset=0", null, TOKEN).body())
        .isEqualTo("1\n2\n3\n");
    assertThat(send("GET", "/api/jobs/" + id + "/stdout?offset=4", null, TOKEN).body())
        .isEqualTo("3\n");
    HttpResponse<String> past = send("GET", "/api/jobs/" + id + "/stdout?offset=99", null, TOKEN);
    assertThat(past.statusCode()).isEqualTo(200);
    assertThat(past.body()).isEmpty();
    for (String bad : List.of("-1", "x", "1.5")) {
      HttpResponse<String> refused =
          send("GET", "/api/jobs/" + id + "/stderr?offset=" + bad, null, TOKEN);
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(error(refused)).startsWith("offset '" + bad + "' is not valid");
    }
    assertThat(send("GET", "/api/jobs/" + id + "/stdout?attempt=1&offset=2", null, TOKEN).body())
        .isEqualTo("2\n3\n");
    for (String bad : List.of("0", "-2", "x", "")) {
      HttpResponse<String> refused =
          send("GET", "/api/jobs/" + id + "/stdout?attempt=" + bad, null, TOKEN);
      assertThat(refused.statusCode()).as("attempt=%s", bad).isEqualTo(400);
      assertThat(error(refused)).startsWith("attempt '" + bad + "' is not valid");
    }
  }

  @Test
  void when_output_cannot_be_read_at_all_then_the_answer_is_an_error_not_empty() throws Exception {
    JobId id = ops.submit(JobSpec.shell("seq 1 5"));
    ops.finish(
        id, JobState.SUCCEEDED, 0, null, "1\n2\n".getBytes(StandardCharsets.UTF_8), new byte[0]);
    ops.breakOutputsAfter(0);

    HttpResponse<String> response = send("GET", "/api/jobs/" + id + "/stdout", null, TOKEN);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("every copy of the output broke off at byte 0");
  }

  @Test
  void when_listening_beyond_loopback_without_a_token_then_it_refuses_to_start() {
    assertThatThrownBy(() -> new HttpApi(ops, new InetSocketAddress("0.0.0.0", 0), " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a token");
    assertThatThrownBy(() -> new HttpApi(ops, new InetSocketAddress("0.0.0.0", 0), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void when_listening_beyond_loopback_in_plain_http_then_it_refuses_to_start() {
    assertThatThrownBy(
            () -> new HttpApi(ops, new InetSocketAddress("0.0.0.0", 0), TOKEN, () -> null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("in plain HTTP")
        .hasMessageContaining("--tls-cert and --tls-key");
  }

  @Test
  void when_no_token_is_configured_on_loopback_then_requests_pass() throws Exception {
    try (HttpApi open =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "").start()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + open.port() + "/api/health"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void when_the_port_is_taken_then_start_fails_naming_the_address() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        HttpApi second =
            new HttpApi(
                ops,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()),
                TOKEN)) {
      assertThatThrownBy(second::start)
          .isInstanceOf(GridException.class)
          .hasMessageContaining(String.valueOf(taken.getLocalPort()))
          .hasMessageContaining("pick another --http-port");
    }
  }

  @Test
  void when_closed_twice_then_no_serving_thread_is_left() {
    api.close();
    api.close();
    // close() waits for the pool to terminate; a worker may take a moment more to leave run()
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(t -> t.getName().startsWith("grid-http-") && t.isAlive()));
  }

  @Test
  void when_many_connections_send_half_a_request_then_a_whole_one_is_still_answered()
      throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) { // headers never finished
        Socket s = new Socket(InetAddress.getLoopbackAddress(), api.port());
        s.getOutputStream()
            .write(
                ("GET /api/health HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN)
                    .getBytes(StandardCharsets.US_ASCII));
        slow.add(s);
      }
      for (int i = 0; i < 20; i++) { // a body announced and never sent
        Socket s = new Socket(InetAddress.getLoopbackAddress(), api.port());
        s.getOutputStream()
            .write(
                ("POST /api/jobs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                        + TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
        slow.add(s);
      }
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/api/health"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }
}
