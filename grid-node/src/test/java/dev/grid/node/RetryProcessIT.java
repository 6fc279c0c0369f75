package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.Backoff;
import dev.grid.api.GridClient;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.api.RetryOn;
import dev.grid.launch.LocalGrid;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries on failure with real node processes: a failing job waits out its backoff, doubling, and
 * runs again until it succeeds or its retries run out; each attempt keeps its own output and exit
 * code; a timeout is retried only when asked; a job waiting out its backoff when the primary is
 * SIGKILLed is not dispatched early by the next one, and runs.
 */
@Tag("slow")
class RetryProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** Fails until its third run: counts its runs in a file beside the test's grid. */
  private JobSpec thirdTimeLucky(String name, Duration backoff) {
    String tries = dir.resolve(name + ".tries").toString();
    return JobSpec.shell(
            "echo run >> '"
                + tries
                + "'; n=$(wc -l < '"
                + tries
                + "'); echo \"attempt $n\";"
                + " echo \"err $n\" >&2; exit $((n >= 3 ? 0 : 10 + n))")
        .withMaxRetries(3)
        .withRetryOn(List.of(RetryOn.FAILED))
        .withBackoff(new Backoff(backoff, Duration.ofSeconds(30)));
  }

  @Test
  void failed_and_timed_out_jobs_are_run_again_after_their_backoff_until_retries_run_out()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 3, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId flaky = client.submit(thirdTimeLucky("flaky", Duration.ofSeconds(1)));
      JobId hopeless =
          client.submit(
              JobSpec.shell("exit 7")
                  .withMaxRetries(1)
                  .withRetryOn(List.of(RetryOn.FAILED))
                  .withBackoff(new Backoff(Duration.ZERO, Duration.ZERO)));
      JobId slow =
          client.submit(
              JobSpec.command("sleep", "30")
                  .withTimeout(Duration.ofMillis(300))
                  .withMaxRetries(1)
                  .withRetryOn(List.of(RetryOn.TIMEOUT))
                  .withBackoff(new Backoff(Duration.ZERO, Duration.ZERO)));
      JobId notOnTimeout =
          client.submit(
              JobSpec.command("sleep", "30")
                  .withTimeout(Duration.ofMillis(300))
                  .withMaxRetries(2)
                  .withRetryOn(List.of(RetryOn.FAILED)));

      JobInfo done = client.completion(flaky).get(JOBS.toSeconds(), TimeUnit.SECONDS);
      assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(done.attempt()).isEqualTo(3);
      assertThat(done.retriesUsed()).isEqualTo(2);
      assertThat(done.history())
          .filteredOn(e -> e.exitCode() != null)
          .extracting(JobEvent::attempt, JobEvent::exitCode, JobEvent::state)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(1, 11, JobState.QUEUED),
              org.assertj.core.groups.Tuple.tuple(2, 12, JobState.QUEUED),
              org.assertj.core.groups.Tuple.tuple(3, 0, JobState.SUCCEEDED));
      assertThat(waitBefore(done, 2)).as("first backoff").isGreaterThanOrEqualTo(1000);
      assertThat(waitBefore(done, 3)).as("doubled").isGreaterThanOrEqualTo(2000);
      for (int attempt = 1; attempt <= 3; attempt++) {
        assertThat(text(client.output(flaky, attempt, false)))
            .isEqualTo("attempt " + attempt + "\n");
        assertThat(text(client.output(flaky, attempt, true))).isEqualTo("err " + attempt + "\n");
      }
      assertThat(text(client.stdout(flaky))).isEqualTo("attempt 3\n");
      assertThatThrownBy(() -> client.output(flaky, 4, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attempt 4 is not one of job " + flaky + "'s: give 1 to 3");

      JobInfo failed = client.completion(hopeless).get(JOBS.toSeconds(), TimeUnit.SECONDS);
      assertThat(failed.state()).isEqualTo(JobState.FAILED);
      assertThat(failed.attempt()).as("the first run and one retry").isEqualTo(2);
      assertThat(failed.exitCode()).isEqualTo(7);

      JobInfo timedOut = client.completion(slow).get(JOBS.toSeconds(), TimeUnit.SECONDS);
      assertThat(timedOut.state()).isEqualTo(JobState.TIMED_OUT);
      assertThat(timedOut.attempt()).isEqualTo(2);

      JobInfo once = client.completion(notOnTimeout).get(JOBS.toSeconds(), TimeUnit.SECONDS);
      assertThat(once.state()).isEqualTo(JobState.TIMED_OUT);
      assertThat(once.attempt()).as("a timeout is retried only when asked").isEqualTo(1);
    }
  }

  @Test
  void a_job_waiting_out_its_backoff_keeps_it_when_the_primary_is_sigkilled() throws Exception {
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 3, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);
      JobId id = client.submit(thirdTimeLucky("failover", Duration.ofSeconds(8)));
      await().atMost(JOBS).until(() -> client.status(id).retryAtMillis() != null);
      long retryAt = client.status(id).retryAtMillis();
      assertThat(client.status(id).state()).isEqualTo(JobState.QUEUED);
      assertThat(text(client.stdout(id)))
          .as("while it waits, what the failed attempt wrote")
          .isEqualTo("attempt 1\n");

      String primary = primary(client).name();
      grid.nodes().stream().filter(n -> n.name().equals(primary)).findFirst().orElseThrow().kill();

      await().atMost(JOBS).until(() -> dispatchOf(client.status(id), 2) > 0);
      long startedSecond = dispatchOf(client.status(id), 2);
      assertThat(startedSecond)
          .as("dispatched by the new primary no earlier than the backoff said")
          .isGreaterThanOrEqualTo(retryAt);
    }
  }

  /** When the given attempt was dispatched, or 0 if it has not been. */
  private static long dispatchOf(JobInfo job, int attempt) {
    return job.history().stream()
        .filter(e -> e.attempt() == attempt && e.state() == JobState.DISPATCHED)
        .mapToLong(JobEvent::atMillis)
        .findFirst()
        .orElse(0);
  }

  /** How long the given attempt waited after the one before ended (its retry's backoff). */
  private static long waitBefore(JobInfo job, int attempt) {
    long ended =
        job.history().stream()
            .filter(e -> e.attempt() == attempt - 1 && e.state() == JobState.QUEUED)
            .mapToLong(JobEvent::atMillis)
            .max()
            .orElseThrow();
    long dispatched =
        job.history().stream()
            .filter(e -> e.attempt() == attempt && e.state() == JobState.DISPATCHED)
            .mapToLong(JobEvent::atMillis)
            .findFirst()
            .orElseThrow();
    return dispatched - ended;
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static NodeInfo primary(GridClient client) {
    List<NodeInfo> primaries = client.nodes().stream().filter(NodeInfo::primary).toList();
    return primaries.size() == 1 ? primaries.get(0) : null;
  }

  @Test
  void an_arrays_failed_tasks_are_run_again_after_their_backoff_each_with_its_own_output()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 1, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      // Each task fails its first run (it leaves a mark) and succeeds on the next.
      String marks = dir.toString();
      JobId array =
          client.submit(
              JobSpec.shell(
                      "m='"
                          + marks
                          + "'/mark-$GRID_ARRAY_INDEX; if [ -f \"$m\" ]; then echo second; exit 0;"
                          + " fi; touch \"$m\"; echo first; exit 7")
                  .withArray(dev.grid.api.ArraySpec.parse("0-3"))
                  .withMaxRetries(1)
                  .withRetryOn(List.of(RetryOn.FAILED))
                  .withBackoff(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5))));

      JobInfo done = client.completion(array).get(JOBS.toSeconds(), TimeUnit.SECONDS);

      assertThat(done.state()).as(done.message()).isEqualTo(JobState.SUCCEEDED);
      List<JobInfo> tasks =
          client.jobs(java.util.Optional.empty(), true).stream()
              .filter(j -> array.equals(j.arrayId()))
              .toList();
      assertThat(tasks).hasSize(4);
      for (JobInfo task : tasks) {
        assertThat(task.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(task.retriesUsed()).as(task.id() + " ran twice").isEqualTo(1);
        assertThat(task.attempt()).isEqualTo(2);
        assertThat(text(client.output(task.id(), 1, false))).isEqualTo("first\n");
        assertThat(text(client.output(task.id(), 2, false))).isEqualTo("second\n");
      }
    }
  }
}
