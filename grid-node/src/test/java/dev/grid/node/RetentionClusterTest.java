package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.scheduler.RetentionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a two-node grid in one JVM, with retention short enough to watch: ended jobs and
 * their output go (an array with its tasks), unended ones stay, a schedule keeps its newest runs.
 */
class RetentionClusterTest {
  private static final Duration FAILOVER = Duration.ofSeconds(10);
  private static final Duration JOB = Duration.ofSeconds(30);
  private static final Duration SWEEP = Duration.ofMillis(200);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private GridNode start(RetentionPolicy policy) {
    grid = new TestGrid(dir, 2, 1).retention(policy.withSweepEvery(SWEEP)).start();
    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    return grid.node(0);
  }

  private static Optional<JobState> state(GridNode via, JobId id) {
    return via.operations().job(id).map(JobInfo::state);
  }

  @Test
  void when_ended_jobs_pass_the_retention_then_they_and_their_output_go_and_unended_ones_stay() {
    GridNode node = start(RetentionPolicy.defaults().withMaxAge(Duration.ofSeconds(2)));
    // Two sleepers take both slots, so the third waits in the queue.
    JobId running1 = node.operations().submit(JobSpec.command("sleep", "60"));
    JobId running2 = node.operations().submit(JobSpec.command("sleep", "60"));
    await()
        .atMost(JOB)
        .until(
            () ->
                state(node, running1).equals(Optional.of(JobState.RUNNING))
                    && state(node, running2).equals(Optional.of(JobState.RUNNING)));
    JobId queued = node.operations().submit(JobSpec.command("echo", "waits"));
    JobId array =
        node.operations()
            .submit(JobSpec.shell("echo $GRID_ARRAY_INDEX").withArray(ArraySpec.parse("0-1")));
    JobId cancelled = node.operations().submit(JobSpec.command("echo", "never"));
    node.operations().cancel(cancelled);
    node.operations().cancel(running1);
    await().atMost(JOB).until(() -> state(node, running1).equals(Optional.of(JobState.CANCELLED)));
    // The slot it freed runs the queued job, which ends and leaves output.
    await().atMost(JOB).until(() -> state(node, queued).equals(Optional.of(JobState.SUCCEEDED)));
    String queuedOut = "out/" + queued.value() + "/";
    assertThat(node.blobs().list(queuedOut)).isNotEmpty();
    // The array's two tasks run after it, and the array expires with them.
    await().atMost(JOB).until(() -> state(node, array).equals(Optional.of(JobState.SUCCEEDED)));
    JobId task0 = JobId.of(array.value() + "_0");
    JobId task1 = JobId.of(array.value() + "_1");
    assertThat(node.blobs().list("out/" + task1.value() + "/")).isNotEmpty();

    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              assertThat(state(node, queued)).isEmpty();
              assertThat(state(node, running1)).isEmpty();
              assertThat(state(node, cancelled)).isEmpty();
              assertThat(state(node, array)).as("the array's own record").isEmpty();
              assertThat(state(node, task0)).isEmpty();
              assertThat(state(node, task1)).isEmpty();
            });
    for (GridNode n : grid.live()) {
      assertThat(n.blobs().list(queuedOut)).as("on %s", n.name()).isEmpty();
      assertThat(n.blobs().list("out/" + running1.value() + "/")).isEmpty();
      assertThat(n.blobs().list("out/" + task1.value() + "/")).isEmpty();
    }
    assertThat(state(node, running2)).contains(JobState.RUNNING);
  }

  @Test
  void when_a_schedule_keeps_two_runs_then_only_its_newest_two_jobs_output_and_records_stay() {
    GridNode node = start(RetentionPolicy.defaults().withMaxAge(Duration.ZERO).withKeepRuns(5));
    long added = System.currentTimeMillis();
    node.operations()
        .addSchedule(
            ScheduleSpec.of("tick", "* * * * * ?", JobSpec.command("echo", "tick"))
                .withKeepRuns(2));

    await()
        .atMost(JOB)
        .until(
            () ->
                node.operations().schedule("tick").orElseThrow().lastFireMillis() != null
                    && node.operations().schedule("tick").orElseThrow().lastFireMillis()
                        >= added + 5000);
    node.operations().setPaused("tick", true);

    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              long last = node.operations().schedule("tick").orElseThrow().lastFireMillis();
              List<ScheduleRun> runs = node.operations().runs("tick").orElseThrow();
              assertThat(runs)
                  .extracting(ScheduleRun::fireTimeMillis)
                  .containsExactly(last - 1000, last);
              List<String> jobs =
                  node.operations().jobs(Optional.empty()).stream()
                      .map(j -> j.id().value())
                      .filter(id -> id.startsWith("cron.tick."))
                      .toList();
              assertThat(jobs)
                  .containsExactlyInAnyOrder("cron.tick." + (last - 1000), "cron.tick." + last);
              assertThat(node.blobs().list("out/cron.tick."))
                  .allSatisfy(
                      key ->
                          assertThat(key)
                              .matches(
                                  "out/cron\\.tick\\.(" + (last - 1000) + "|" + last + ")/.*"));
            });
  }
}
