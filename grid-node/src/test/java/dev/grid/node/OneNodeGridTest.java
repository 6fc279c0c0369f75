package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grid of one node, in this JVM: it is its own primary, runs, cancels and times out jobs, cleans
 * their scratch dirs, and bad jobs fail without harm to it. The tests share the node: none stops
 * it, and each waits for its own jobs (they took a grid start and a lease each, about 2.5 s, when
 * they were part of GridClusterTest).
 */
class OneNodeGridTest {
  private static final Duration PRIMARY = Duration.ofSeconds(10);
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static TestGrid grid;
  private static GridNode node;

  @BeforeAll
  static void start() {
    grid = new TestGrid(dir, 1, 2).start();
    node = grid.node(0);
    await().atMost(PRIMARY).until(node::isPrimary);
  }

  @AfterAll
  static void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private static JobInfo info(GridNode via, JobId id) {
    return via.operations().job(id).orElseThrow();
  }

  private static JobInfo awaitState(GridNode via, JobId id, JobState state) {
    await().atMost(JOB).until(() -> info(via, id).state() == state);
    return info(via, id);
  }

  private static String stdout(GridNode via, JobId id) {
    try (InputStream in =
        via.operations().output(id, GridOperations.Stream.STDOUT).orElseThrow().content()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void when_jobs_end_then_their_scratch_dirs_are_removed_with_what_they_left() {
    JobId empty = node.operations().submit(JobSpec.command("true"));
    JobId messy =
        node.operations().submit(JobSpec.shell("mkdir -p a/b && echo x > a/b/f && echo y > top"));

    awaitState(node, empty, JobState.SUCCEEDED);
    awaitState(node, messy, JobState.SUCCEEDED);
    Path scratch = dir.resolve("n1").resolve("scratch");
    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              try (var left = Files.list(scratch)) {
                assertThat(left).isEmpty();
              }
            });
  }

  @Test
  void when_kept_output_is_missing_from_the_store_then_reading_it_is_an_error_not_empty() {
    JobId id = node.operations().submit(JobSpec.command("echo", "kept"));
    assertThat(awaitState(node, id, JobState.SUCCEEDED).stdoutBytes()).isEqualTo(5);
    assertThat(stdout(node, id)).isEqualTo("kept\n");
    String prefix = OutputKeys.ROOT + id.value() + "/";
    node.blobs().list(prefix).forEach(node.blobs()::delete);

    assertThatThrownBy(() -> stdout(node, id))
        .isInstanceOf(GridUnavailableException.class)
        .hasMessageContaining("5 bytes of stdout of job " + id)
        .hasMessageContaining("try again");
  }

  @Test
  void when_a_running_job_is_cancelled_then_it_ends_cancelled() {
    JobId id = node.operations().submit(JobSpec.command("sleep", "30"));
    awaitState(node, id, JobState.RUNNING);

    node.operations().cancel(id);

    JobInfo done = awaitState(node, id, JobState.CANCELLED);
    assertThat(done.message()).contains("killed");
    assertThat(done.exitCode()).as("ended by a signal, not by running to the end").isNotZero();
  }

  @Test
  void when_a_lone_node_starts_then_it_is_its_own_primary_and_runs_jobs() {
    assertThat(node.isPrimary()).isTrue();
    JobId id = node.operations().submit(JobSpec.command("echo", "a b", "'c'", "$HOME;*"));
    awaitState(node, id, JobState.SUCCEEDED);
    assertThat(node.operations().nodes())
        .singleElement()
        .satisfies(n -> assertThat(n.primary()).isTrue());
  }

  @Test
  void when_jobs_are_bad_then_they_fail_with_the_cause_and_the_node_keeps_working() {
    JobId missing = node.operations().submit(JobSpec.command("no-such-command-xyz"));
    JobId badDir =
        node.operations()
            .submit(JobSpec.command("true").withWorkDir(dir.resolve("nowhere").toString()));
    JobId slow =
        node.operations()
            .submit(JobSpec.command("sleep", "30").withTimeout(Duration.ofMillis(300)));

    assertThat(awaitState(node, missing, JobState.FAILED).message())
        .contains("no-such-command-xyz")
        .contains("not found");
    assertThat(awaitState(node, badDir, JobState.FAILED).message()).contains("nowhere");
    assertThat(awaitState(node, slow, JobState.TIMED_OUT).message()).containsIgnoringCase("time");
    JobId fine = node.operations().submit(JobSpec.command("echo", "still here"));
    awaitState(node, fine, JobState.SUCCEEDED);
    assertThat(stdout(node, fine)).isEqualTo("still here\n");
  }
}
