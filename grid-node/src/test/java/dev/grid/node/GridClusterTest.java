package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in one JVM: dispatch, failover, retries, output that outlives its node. (A grid of
 * one node: OneNodeGridTest.)
 */
class GridClusterTest {
  private static final Duration FAILOVER = Duration.ofSeconds(10);
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private TestGrid start(int nodes, int slots) {
    grid = new TestGrid(dir, nodes, slots).start();
    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    return grid;
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

  /** A live node that is not the primary and not the given one. */
  private GridNode anotherLiveNode(String notThis) {
    return grid.live().stream().filter(n -> !n.name().equals(notThis)).findFirst().orElseThrow();
  }

  @Test
  void when_a_job_runs_then_its_output_and_history_are_recorded() {
    start(3, 2);
    JobId id =
        grid.node(1)
            .operations()
            .submit(
                JobSpec.shell("echo \"hello $GRID_JOB_ID $GRID_ATTEMPT\"; echo oops >&2; exit 3"));

    JobInfo done = awaitState(grid.node(2), id, JobState.FAILED);
    assertThat(done.exitCode()).isEqualTo(3);
    assertThat(done.history())
        .extracting(JobEvent::state)
        .containsExactly(JobState.QUEUED, JobState.DISPATCHED, JobState.RUNNING, JobState.FAILED);
    assertThat(done.history().get(1).epoch()).isPositive();
    assertThat(stdout(grid.node(0), id)).isEqualTo("hello " + id + " 1\n");
  }

  @Test
  void when_the_primary_crashes_then_another_takes_over_with_a_higher_epoch_and_dispatches() {
    start(3, 2);
    GridNode old = grid.primaries().get(0);
    long oldEpoch = old.epoch();

    old.halt();

    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    GridNode next = grid.primaries().get(0);
    assertThat(next.name()).isNotEqualTo(old.name());
    assertThat(next.epoch()).isGreaterThan(oldEpoch);
    JobId id = next.operations().submit(JobSpec.command("echo", "after failover"));
    awaitState(next, id, JobState.SUCCEEDED);
    assertThat(stdout(next, id)).isEqualTo("after failover\n");
  }

  @Test
  void when_the_node_that_ran_a_job_crashes_then_its_output_is_still_readable() {
    start(3, 2);
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(grid.node(0).operations().submit(JobSpec.command("echo", "out-" + i)));
    }
    for (JobId id : ids) {
      awaitState(grid.node(0), id, JobState.SUCCEEDED);
    }
    GridNode victim = grid.byName(info(grid.node(0), ids.get(0)).node());
    GridNode reader = anotherLiveNode(victim.name());

    victim.halt();

    for (int i = 0; i < ids.size(); i++) {
      assertThat(stdout(reader, ids.get(i))).isEqualTo("out-" + i + "\n");
    }
  }

  @Test
  void when_a_job_runs_then_what_it_wrote_so_far_is_readable_on_every_node_and_goes_when_it_ends() {
    start(3, 2);
    Path gate = dir.resolve("gate");
    JobId id =
        grid.node(0)
            .operations()
            .submit(
                JobSpec.shell(
                    "echo first; echo oops >&2; while [ ! -e '"
                        + gate
                        + "' ]; do sleep 0.1; done;"
                        + " echo second"));
    JobInfo running = awaitState(grid.node(0), id, JobState.RUNNING);
    GridNode elsewhere = anotherLiveNode(running.node());

    await().atMost(JOB).until(() -> stdout(elsewhere, id).equals("first\n"));
    assertThat(info(elsewhere, id).state()).isEqualTo(JobState.RUNNING);
    // stderr has a reader of its own: it may be stored a look later than stdout
    await().atMost(JOB).until(() -> stderr(grid.node(0), id).equals("oops\n"));
    String live = OutputKeys.prefix(id, running.attempt()) + OutputKeys.STDOUT + OutputKeys.LIVE;
    assertThat(elsewhere.blobs().exists(live)).isTrue();

    touch(gate);
    awaitState(elsewhere, id, JobState.SUCCEEDED);
    assertThat(stdout(elsewhere, id)).isEqualTo("first\nsecond\n");
    // the live copies go once the job has ended; its output is where it always was
    await().atMost(JOB).until(() -> !elsewhere.blobs().exists(live));
    assertThat(stdout(elsewhere, id)).isEqualTo("first\nsecond\n");
  }

  @Test
  void when_the_worker_dies_under_a_running_job_then_what_it_wrote_before_stays_readable() {
    start(3, 2);
    GridNode primary = grid.primaries().get(0);
    JobId id =
        primary
            .operations()
            .submit(JobSpec.shell("echo before the loss; sleep 600").withMaxRetries(0));
    JobInfo running = awaitState(primary, id, JobState.RUNNING);
    GridNode worker = grid.byName(running.node());
    GridNode observer = anotherLiveNode(worker.name());
    await().atMost(JOB).until(() -> stdout(observer, id).equals("before the loss\n"));

    worker.halt();

    await().atMost(JOB).until(() -> info(observer, id).state().isTerminal());
    assertThat(stdout(observer, id)).isEqualTo("before the loss\n");
  }

  private static String stderr(GridNode via, JobId id) {
    try (InputStream in =
        via.operations().output(id, GridOperations.Stream.STDERR).orElseThrow().content()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void touch(Path file) {
    try {
      java.nio.file.Files.createFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void when_a_worker_dies_under_a_running_job_then_it_is_retried_on_another_worker() {
    start(3, 2);
    GridNode primary = grid.primaries().get(0);
    JobId id = primary.operations().submit(JobSpec.command("sleep", "2").withMaxRetries(1));
    JobInfo running = awaitState(primary, id, JobState.RUNNING);
    GridNode worker = grid.byName(running.node());
    GridNode observer = anotherLiveNode(worker.name());

    worker.halt();

    JobInfo done = awaitState(observer, id, JobState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.node()).isNotEqualTo(worker.name());
    assertThat(done.history())
        .extracting(JobEvent::state)
        .containsExactly(
            JobState.QUEUED,
            JobState.DISPATCHED,
            JobState.RUNNING,
            JobState.QUEUED,
            JobState.DISPATCHED,
            JobState.RUNNING,
            JobState.SUCCEEDED);
  }

  @Test
  void when_a_node_stops_cleanly_then_its_running_jobs_run_again_without_using_a_retry() {
    start(3, 2);
    GridNode primary = grid.primaries().get(0);
    JobId id = primary.operations().submit(JobSpec.command("sleep", "2").withMaxRetries(0));
    JobInfo running = awaitState(primary, id, JobState.RUNNING);
    GridNode worker = grid.byName(running.node());
    GridNode observer = anotherLiveNode(worker.name());

    worker.close();

    JobInfo done = awaitState(observer, id, JobState.SUCCEEDED);
    assertThat(done.node()).isNotEqualTo(worker.name());
    assertThat(done.history())
        .anySatisfy(
            e ->
                assertThat(e.message()).isNotNull().contains("node " + worker.name() + " stopped"));
  }

  @Test
  void when_the_primary_crashes_then_jobs_running_on_live_workers_are_adopted_not_rerun() {
    start(3, 1);
    GridNode primary = grid.primaries().get(0);
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(primary.operations().submit(JobSpec.command("sleep", "3")));
    }
    await()
        .atMost(JOB)
        .until(() -> ids.stream().allMatch(id -> info(primary, id).state() == JobState.RUNNING));
    List<JobId> elsewhere =
        ids.stream().filter(id -> !info(primary, id).node().equals(primary.name())).toList();
    assertThat(elsewhere).hasSize(2);
    GridNode observer = anotherLiveNode(primary.name());

    primary.halt();

    for (JobId id : elsewhere) {
      JobInfo done = awaitState(observer, id, JobState.SUCCEEDED);
      assertThat(done.attempt()).as("adopted, not run again").isEqualTo(1);
    }
  }
}
