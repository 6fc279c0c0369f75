package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.BlobInfo;
import dev.grid.api.StorageHealth;
import dev.grid.api.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code /api/storage} routes over the fake node: JSON in and out, errors that name values. */
class StorageHttpApiTest {
  private static final String TOKEN = HttpApiTest.TOKEN;
  private static final String SHA = "0f".repeat(32);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpApi api;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    for (String key : List.of("out/j1/1/stdout", "out/j1/1/stderr", "out/j2/1/stdout", "x/y")) {
      ops.addBlob(new BlobInfo(key, 10, SHA, List.of("n1", "n2"), 1));
    }
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private HttpResponse<String> send(String method, String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) {
    return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void when_blobs_are_listed_with_a_prefix_and_limit_then_the_first_come_and_truncation_is_said()
      throws Exception {
    HttpResponse<String> response = send("GET", "/api/storage/blobs?prefix=out%2F&limit=2", TOKEN);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.get("prefix").asText()).isEqualTo("out/");
    assertThat(body.get("truncated").asBoolean()).isTrue();
    assertThat(body.get("blobs")).hasSize(2);
    JsonNode first = body.get("blobs").get(0);
    assertThat(first.get("key").asText()).isEqualTo("out/j1/1/stderr");
    assertThat(first.get("size").asLong()).isEqualTo(10);
    assertThat(first.get("sha256").asText()).isEqualTo(SHA);
    assertThat(first.get("replicas").toString()).isEqualTo("[\"n1\",\"n2\"]");
    assertThat(first.get("version").asLong()).isEqualTo(1);
  }

  @Test
  void when_no_limit_is_given_then_the_default_applies_and_all_fit() throws Exception {
    JsonNode body = json(send("GET", "/api/storage/blobs", TOKEN));

    assertThat(body.get("limit").asInt()).isEqualTo(1000);
    assertThat(body.get("truncated").asBoolean()).isFalse();
    assertThat(body.get("blobs")).hasSize(4);
  }

  @Test
  void when_the_limit_is_not_a_number_from_1_to_10000_then_400_names_it() throws Exception {
    for (String limit : List.of("0", "-3", "ten", "10001")) {
      HttpResponse<String> response =
          send("GET", "/api/storage/blobs?prefix=out/&limit=" + limit, TOKEN);

      assertThat(response.statusCode()).as(limit).isEqualTo(400);
      assertThat(json(response).get("error").asText())
          .contains("limit '" + limit + "'", "1 to 10000");
    }
  }

  @Test
  void when_the_prefix_is_not_valid_then_400_names_it() throws Exception {
    HttpResponse<String> response = send("GET", "/api/storage/blobs?prefix=a%26b%20c", TOKEN);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asText()).contains("'a&b c'");
  }

  @Test
  void when_a_check_is_asked_then_the_report_comes_with_its_problems() throws Exception {
    ops.health(
        new StorageHealth(
            List.of("n1", "n2"),
            2,
            4,
            40,
            true,
            false,
            List.of(new StorageHealth.Problem("x/y", "n2", "CORRUPT", "chunk 0 has CRC32C 1"))));

    HttpResponse<String> response = send("GET", "/api/storage/check?verify=true", TOKEN);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.get("healthy").asBoolean()).isFalse();
    assertThat(body.get("verified").asBoolean()).isTrue();
    assertThat(body.get("replication").asInt()).isEqualTo(2);
    assertThat(body.get("problems").get(0).get("kind").asText()).isEqualTo("CORRUPT");
    assertThat(body.get("problems").get(0).get("node").asText()).isEqualTo("n2");
    assertThat(ops.checks()).containsExactly(true);
  }

  @Test
  void when_verify_is_absent_then_copies_are_not_reread() throws Exception {
    assertThat(send("GET", "/api/storage/check", TOKEN).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/api/storage/check?verify=false", TOKEN).statusCode()).isEqualTo(200);

    assertThat(ops.checks()).containsExactly(false, false);
  }

  @Test
  void when_verify_is_not_true_or_false_then_400_names_it_and_nothing_is_checked()
      throws Exception {
    HttpResponse<String> response = send("GET", "/api/storage/check?verify=yes", TOKEN);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asText())
        .contains("verify 'yes'", "verify=true or verify=false");
    assertThat(ops.checks()).isEmpty();
  }

  @Test
  void when_a_repair_is_posted_then_it_runs_once_and_answers_its_counts() throws Exception {
    HttpResponse<String> response = send("POST", "/api/storage/repair", TOKEN);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response);
    assertThat(body.get("copies").asInt()).isEqualTo(1);
    assertThat(body.get("records").asInt()).isEqualTo(2);
    assertThat(body.get("drops").asInt()).isEqualTo(3);
    assertThat(body.get("lost").asInt()).isZero();
    assertThat(ops.repairs()).isEqualTo(1);
  }

  @Test
  void when_a_method_is_wrong_then_405_with_allow_and_no_repair_runs() throws Exception {
    HttpResponse<String> get = send("GET", "/api/storage/repair", TOKEN);
    HttpResponse<String> post = send("POST", "/api/storage/check", TOKEN);

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    assertThat(ops.repairs()).isZero();
    assertThat(ops.checks()).isEmpty();
  }

  @Test
  void when_no_token_is_sent_then_401_on_every_storage_route_and_nothing_runs() throws Exception {
    assertThat(send("GET", "/api/storage/blobs", null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/api/storage/check?verify=true", null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/storage/repair", "wrong").statusCode()).isEqualTo(401);

    assertThat(ops.checks()).isEmpty();
    assertThat(ops.repairs()).isZero();
  }

  @Test
  void when_a_storage_path_is_unknown_then_404() throws Exception {
    assertThat(send("GET", "/api/storage/nope", TOKEN).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/storage", TOKEN).statusCode()).isEqualTo(404);
  }
}
