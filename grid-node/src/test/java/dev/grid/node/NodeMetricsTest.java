package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import dev.grid.node.http.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grid of one node, scraped at {@code /metrics} as Prometheus would be while it works: the
 * numbers move as jobs are submitted, dispatched, run and end, and the lease is held and renewed.
 */
class NodeMetricsTest {
  private static final Duration PRIMARY = Duration.ofSeconds(10);
  private static final Duration JOBS = Duration.ofSeconds(30);
  private static final int SLOTS = 2;
  private static final int JOB_COUNT = 3;

  @TempDir static Path dir;
  private static TestGrid grid;
  private static GridNode node;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    grid = new TestGrid(dir, 1, SLOTS).start();
    node = grid.node(0);
    await().atMost(PRIMARY).until(node::isDispatching);
  }

  @AfterAll
  static void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
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

  private PrometheusText scrape() throws IOException, InterruptedException {
    HttpResponse<String> response = send("GET", "/metrics", null, TestGrid.TOKEN);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    return PrometheusText.parse(response.body());
  }

  @Test
  void when_jobs_are_submitted_and_run_then_the_scraped_numbers_move() throws Exception {
    PrometheusText before = scrape();
    assertThat(before.value("grid_slots", "node", "n1")).isEqualTo(SLOTS);
    assertThat(before.value("grid_primary", "node", "n1")).isEqualTo(1);
    assertThat(before.value("grid_primary_epoch")).isEqualTo(node.epoch()).isPositive();
    assertThat(before.value("grid_primary_acquired_total")).isGreaterThanOrEqualTo(1);
    assertThat(before.type("grid_jobs_submitted_total")).hasValue("counter");
    assertThat(before.type("grid_job_start_latency_seconds_bucket")).hasValue("histogram");

    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < JOB_COUNT; i++) {
      HttpResponse<String> submitted =
          send("POST", "/api/jobs", "{\"argv\":[\"echo\",\"m" + i + "\"]}", TestGrid.TOKEN);
      assertThat(submitted.statusCode()).isEqualTo(201);
      ids.add(
          JobId.of(
              Json.readTree(submitted.body().getBytes(StandardCharsets.UTF_8)).get("id").asText()));
    }
    await()
        .atMost(JOBS)
        .until(
            () ->
                ids.stream()
                    .allMatch(
                        id ->
                            node.operations().job(id).orElseThrow().state() == JobState.SUCCEEDED));

    PrometheusText after = scrape();
    assertThat(delta(before, after, "grid_jobs_submitted_total")).isEqualTo(JOB_COUNT);
    assertThat(delta(before, after, "grid_jobs_ended_total", "state", "SUCCEEDED"))
        .isEqualTo(JOB_COUNT);
    assertThat(delta(before, after, "grid_jobs_dispatched_total"))
        .isGreaterThanOrEqualTo(JOB_COUNT);
    assertThat(delta(before, after, "grid_job_start_latency_seconds_count")).isEqualTo(JOB_COUNT);
    assertThat(delta(before, after, "grid_job_dispatch_latency_seconds_count"))
        .isEqualTo(JOB_COUNT);
    assertThat(after.value("grid_job_start_latency_seconds_bucket", "le", "+Inf"))
        .isEqualTo(after.value("grid_job_start_latency_seconds_count"));
    assertThat(
            delta(
                before,
                after,
                "grid_http_requests_seconds_count",
                "route",
                "/api/jobs",
                "method",
                "POST",
                "status",
                "201"))
        .isEqualTo(JOB_COUNT);
    // The previous scrape is counted by the time of this one, under its route, not its path.
    assertThat(
            after.value(
                "grid_http_requests_seconds_count",
                "route",
                "/metrics",
                "method",
                "GET",
                "status",
                "200"))
        .isGreaterThanOrEqualTo(1);
    assertThat(after.samples())
        .as("no raw job id in a route")
        .noneMatch(s -> ids.stream().anyMatch(id -> s.labels().values().contains(id.value())));
    assertThat(after.value("grid_jobs", "state", "RUNNING")).isZero();
    assertThat(after.value("grid_queue_depth")).isZero();
    assertThat(after.value("grid_slots_busy")).isZero();
    assertThat(after.has("jvm_memory_used_bytes")).isTrue();
    assertThat(after.has("jvm_threads_live_threads")).isTrue();
    assertThat(after.has("process_uptime_seconds")).isTrue();
    assertThat(after.has("grid_blob_disk_bytes")).isTrue();
    assertThat(after.has("grid_blob_under_replicated")).isTrue();
  }

  @Test
  void when_a_job_runs_then_its_slot_shows_busy_and_the_lease_renewals_grow() throws Exception {
    double renewals = scrape().value("grid_lease_renewals_total");
    JobId id = node.operations().submit(JobSpec.command("sleep", "30"));
    try {
      await()
          .atMost(JOBS)
          .untilAsserted(
              () -> {
                PrometheusText now = scrape();
                assertThat(now.value("grid_slots_busy")).isEqualTo(1);
                assertThat(now.value("grid_jobs", "state", "RUNNING")).isEqualTo(1);
                assertThat(now.value("grid_lease_renewals_total")).isGreaterThan(renewals);
              });
    } finally {
      node.operations().cancel(id);
      await()
          .atMost(JOBS)
          .until(() -> node.operations().job(id).orElseThrow().state().isTerminal());
    }
  }

  @Test
  void when_an_arrays_tasks_end_then_each_is_counted_by_its_end_state() throws Exception {
    PrometheusText before = scrape();
    JobId array =
        node.operations().submit(JobSpec.command("true").withArray(ArraySpec.parse("0-4")));
    await()
        .atMost(JOBS)
        .until(() -> node.operations().job(array).orElseThrow().state() == JobState.SUCCEEDED);

    PrometheusText after = scrape();
    assertThat(delta(before, after, "grid_jobs_ended_total", "state", "SUCCEEDED")).isEqualTo(5);
    assertThat(delta(before, after, "grid_jobs_submitted_total")).isEqualTo(1);
    assertThat(delta(before, after, "grid_jobs_dispatched_total")).isGreaterThanOrEqualTo(5);
    // each task's wait from the array's submit to its start
    assertThat(delta(before, after, "grid_task_start_latency_seconds_count")).isEqualTo(5);
    assertThat(delta(before, after, "grid_task_start_latency_seconds_sum")).isNotNegative();
  }

  @Test
  void when_a_schedule_fires_and_overlaps_then_its_fires_and_skips_are_counted() throws Exception {
    // Every second, a run of two: the fires in between find the last run going and skip.
    node.operations()
        .addSchedule(
            ScheduleSpec.of("metered", "* * * * * ?", JobSpec.command("sleep", "2"))
                .withOverlap(OverlapPolicy.FORBID));
    try {
      await()
          .atMost(JOBS)
          .untilAsserted(
              () -> {
                PrometheusText now = scrape();
                assertThat(now.value("grid_cron_fires_total", "schedule", "metered"))
                    .isGreaterThanOrEqualTo(1);
                assertThat(now.value("grid_cron_skipped_total", "schedule", "metered"))
                    .isGreaterThanOrEqualTo(1);
              });
    } finally {
      node.operations().deleteSchedule("metered");
      await().atMost(JOBS).until(() -> node.runningJobs() == 0);
    }
  }

  @Test
  void when_no_token_is_sent_then_metrics_are_refused() throws Exception {
    assertThat(send("GET", "/metrics", null, null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/metrics", null, "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(send("POST", "/metrics", "", TestGrid.TOKEN).statusCode()).isEqualTo(405);
  }

  private static double delta(
      PrometheusText before, PrometheusText after, String name, String... labels) {
    return after.value(name, labels) - before.value(name, labels);
  }
}
