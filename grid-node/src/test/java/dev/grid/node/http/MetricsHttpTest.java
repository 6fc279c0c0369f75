package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} on the HTTP API: which tokens may read it, that it answers while the node is out
 * of the grid, and that requests are counted by route template, never by raw path.
 */
class MetricsHttpTest {
  private static final String ADMIN = "ops-token-0123456789";
  private static final String READ = "view-token-0123456789";

  @TempDir Path dir;
  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final HttpClient http = HttpClient.newHttpClient();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private volatile String outOfGrid;
  private HttpApi api;

  @BeforeEach
  void start() throws IOException {
    Path file = dir.resolve("tokens");
    Files.writeString(
        file, "ops admin " + ADMIN + "\nviewer read " + READ + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    api =
        new HttpApi(
                ops,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TokenFile.read(file),
                () -> outOfGrid,
                null)
            .withMetrics(registry)
            .start();
  }

  @AfterEach
  void stop() {
    api.close();
    registry.close();
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

  private PrometheusText scrape() throws IOException, InterruptedException {
    HttpResponse<String> response = send("GET", "/metrics", READ);
    assertThat(response.statusCode()).isEqualTo(200);
    return PrometheusText.parse(response.body());
  }

  @Test
  void when_a_read_token_asks_then_it_gets_the_metrics_and_without_a_token_a_401()
      throws Exception {
    HttpResponse<String> none = send("GET", "/metrics", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"grid\"");
    assertThat(send("GET", "/metrics", "not-a-token-0123456789").statusCode()).isEqualTo(401);

    HttpResponse<String> read = send("GET", "/metrics", READ);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(send("GET", "/metrics/", ADMIN).statusCode()).isEqualTo(200);

    assertThat(send("POST", "/metrics", READ).statusCode())
        .as("a change needs admin")
        .isEqualTo(403);
    assertThat(send("DELETE", "/metrics", ADMIN).statusCode()).isEqualTo(405);
    assertThat(send("GET", "/metricsx", ADMIN).statusCode()).isEqualTo(404);
  }

  @Test
  void when_the_node_is_out_of_the_grid_then_metrics_still_answer_and_the_api_does_not()
      throws Exception {
    outOfGrid = "node n1 is cut off from the grid";

    assertThat(send("GET", "/api/health", READ).statusCode()).isEqualTo(421);
    assertThat(send("GET", "/metrics", READ).statusCode()).isEqualTo(200);
  }

  @Test
  void when_requests_come_then_they_are_counted_by_route_template_and_status() throws Exception {
    JobId id = ops.submit(JobSpec.command("true"));
    send("GET", "/api/jobs/" + id, READ);
    send("GET", "/api/jobs/" + id, READ);
    send("GET", "/api/jobs/no-such-job", READ);
    send("GET", "/api/jobs/" + id + "/stdout", READ);
    send("GET", "/nowhere/" + id, READ);
    send("GET", "/api/jobs", null);

    PrometheusText metrics = scrape();

    String count = "grid_http_requests_seconds_count";
    assertThat(metrics.value(count, "route", "/api/jobs/{id}", "method", "GET", "status", "200"))
        .isEqualTo(2);
    assertThat(metrics.value(count, "route", "/api/jobs/{id}", "status", "404")).isEqualTo(1);
    assertThat(metrics.value(count, "route", "/api/jobs/{id}/stdout")).isEqualTo(1);
    assertThat(metrics.value(count, "route", "other", "status", "404")).isEqualTo(1);
    assertThat(metrics.value(count, "route", "/api/jobs", "status", "401")).isEqualTo(1);
    assertThat(metrics.samples())
        .noneMatch(s -> s.labels().values().stream().anyMatch(v -> v.contains(id.value())));
  }

  @Test
  void route_templates_replace_ids_and_names_and_unknown_paths_are_other() {
    assertThat(RouteTemplate.of("/api/jobs")).isEqualTo("/api/jobs");
    assertThat(RouteTemplate.of("/api/jobs/01JF9XYZ")).isEqualTo("/api/jobs/{id}");
    assertThat(RouteTemplate.of("/api/jobs/01JF9XYZ/cancel")).isEqualTo("/api/jobs/{id}/cancel");
    assertThat(RouteTemplate.of("/api/jobs/01JF9XYZ/secret")).isEqualTo("other");
    assertThat(RouteTemplate.of("/api/jars/" + "ab".repeat(32))).isEqualTo("/api/jars/{sha256}");
    assertThat(RouteTemplate.of("/api/schedules/nightly/runs"))
        .isEqualTo("/api/schedules/{name}/runs");
    assertThat(RouteTemplate.of("/api/storage/check")).isEqualTo("/api/storage/check");
    assertThat(RouteTemplate.of("/api/storage/elsewhere")).isEqualTo("other");
    assertThat(RouteTemplate.of("/api/health")).isEqualTo("/api/health");
    assertThat(RouteTemplate.of("/api/health/x")).isEqualTo("other");
    assertThat(RouteTemplate.of("/metrics")).isEqualTo("/metrics");
    assertThat(RouteTemplate.of("/")).isEqualTo("other");
    assertThat(RouteTemplate.method("BREW")).isEqualTo("other");
  }

  @Test
  void a_scrape_that_is_not_the_text_format_fails_to_parse() {
    assertThatThrownBy(() -> PrometheusText.parse("# TYPE x gauge\nx{a=\"1\" 2\n"))
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> PrometheusText.parse("y 2\n")).hasMessageContaining("TYPE");
    assertThat(
            PrometheusText.parse("# TYPE x_total counter\nx_total{a=\"q\\\"\"} 3.0\n")
                .value("x_total", "a", "q\""))
        .isEqualTo(3);
  }
}
