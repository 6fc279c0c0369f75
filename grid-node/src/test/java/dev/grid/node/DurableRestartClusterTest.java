package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.DurableMaps;
import dev.grid.scheduler.JobRecord;
import dev.grid.storage.LocalDiskStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in one JVM, each with its own disk in the replicated blob store, every node stopped
 * at once and started again over the same data dirs: no accepted job, schedule or handled due time
 * is lost or done twice, and jobs that were running are run again or end LOST, per their retry
 * policy.
 */
class DurableRestartClusterTest {
  private static final Duration PRIMARY = Duration.ofSeconds(15);
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  /** The primary, once it has loaded the grid's state and dispatches. */
  private GridNode primary() {
    await()
        .atMost(PRIMARY)
        .until(() -> grid.primaries().size() == 1 && grid.primaries().get(0).isDispatching());
    return grid.primaries().get(0);
  }

  private static Map<JobId, JobRecord> records(GridNode via) {
    IMap<JobId, JobRecord> jobs = via.hazelcast().getMap(ClusterSettings.JOBS_MAP);
    return new HashMap<>(jobs);
  }

  private static JobState state(GridNode via, JobId id) {
    return via.operations().job(id).orElseThrow().state();
  }

  private static long runningEvents(JobRecord r) {
    return r.history().stream().filter(e -> e.state() == JobState.RUNNING).count();
  }

  @Test
  void when_every_node_stops_at_once_and_starts_again_then_nothing_is_lost_or_run_twice() {
    grid = new TestGrid(dir, 3, 1).start();
    GridNode any = primary();
    any.operations()
        .addSchedule(
            ScheduleSpec.of("tick", "* * * * * ?", JobSpec.command("true"))
                .withMisfire(MisfirePolicy.SKIP));
    List<JobId> quick = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      quick.add(grid.node(i % 3).operations().submit(JobSpec.command("echo", "out-" + i)));
    }
    await()
        .atMost(JOB)
        .until(
            () ->
                quick.stream().allMatch(id -> state(any, id) == JobState.SUCCEEDED)
                    && any.operations().runs("tick").orElseThrow().size() >= 2);
    any.operations().setPaused("tick", true);
    List<JobId> sleeps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sleeps.add(any.operations().submit(JobSpec.command("sleep", "600").withMaxRetries(1)));
    }
    await()
        .atMost(JOB)
        .until(() -> sleeps.stream().allMatch(id -> state(any, id) == JobState.RUNNING));
    JobId waiting = any.operations().submit(JobSpec.command("echo", "waited"));
    await()
        .during(Duration.ofMillis(500))
        .atMost(JOB)
        .until(() -> state(any, waiting) == JobState.QUEUED);
    await()
        .atMost(JOB)
        .until(
            () ->
                any.operations().jobs(Optional.empty()).stream()
                    .filter(j -> j.id().value().startsWith("cron.tick."))
                    // the pause cancelled a fire made early whose due time had not come
                    .allMatch(
                        j ->
                            j.state() == JobState.SUCCEEDED
                                || (j.state() == JobState.CANCELLED
                                    && j.startedAtMillis() == null)));
    Map<JobId, JobRecord> before = records(any);
    ScheduleInfo tickBefore = any.operations().schedule("tick").orElseThrow();
    List<ScheduleRun> runsBefore = any.operations().runs("tick").orElseThrow();

    grid.closeAllAtOnce();
    grid.startAgain();
    GridNode now = primary();

    Map<JobId, JobRecord> after = records(now);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (JobId id : before.keySet()) {
      if (sleeps.contains(id)) {
        continue;
      }
      assertThat(after.get(id)).as("job %s after the restart", id).isEqualTo(before.get(id));
    }
    assertThat(now.operations().schedule("tick")).contains(tickBefore);
    assertThat(now.operations().runs("tick")).contains(runsBefore);
    assertThat(stdout(now, quick.get(3))).isEqualTo("out-3\n");
    // The sleeps were handed back as their nodes stopped, so they run again, mostly without a
    // retry. When the node holding a sleep's record had already made its last write to the
    // store, the hand-back is not on disk: the sleep comes back RUNNING and is retried, as the
    // guarantee for running jobs says (retried or LOST per its retries), using its one retry.
    await()
        .atMost(JOB)
        .untilAsserted(
            () ->
                assertThat(sleeps)
                    .allSatisfy(
                        id -> {
                          JobRecord r = records(now).get(id);
                          assertThat(r.state()).isEqualTo(JobState.RUNNING);
                          assertThat(r.retriesUsed())
                              .as("retries used by %s", r)
                              .isLessThanOrEqualTo(1);
                          assertThat(r.history())
                              .extracting(JobEvent::state)
                              .containsSubsequence(
                                  JobState.RUNNING,
                                  JobState.QUEUED,
                                  JobState.DISPATCHED,
                                  JobState.RUNNING);
                        }));
    assertThat(state(now, waiting)).as("slots are full again").isEqualTo(JobState.QUEUED);

    now.operations().setPaused("tick", false);
    await()
        .atMost(JOB)
        .until(
            () ->
                now.operations().runs("tick").orElseThrow().stream()
                    .anyMatch(
                        r ->
                            r.outcome() == ScheduleRun.Outcome.STARTED
                                && r.fireTimeMillis() > tickBefore.lastFireMillis()));
    Map<JobId, JobRecord> cronJobs = new HashMap<>(records(now));
    cronJobs.keySet().removeIf(id -> !id.value().startsWith("cron.tick."));
    assertThat(cronJobs.values())
        .allSatisfy(
            r -> assertThat(runningEvents(r)).as("runs of %s", r.id()).isLessThanOrEqualTo(1));
    for (ScheduleRun r : now.operations().runs("tick").orElseThrow()) {
      if (r.fireTimeMillis() <= tickBefore.lastFireMillis()) {
        assertThat(runsBefore).as("a due time handled before the stop").contains(r);
      }
    }
  }

  @Test
  void when_every_node_dies_under_running_jobs_then_after_the_restart_they_are_retried_or_lost() {
    grid = new TestGrid(dir, 3, 1).start();
    GridNode any = primary();
    JobId retried = any.operations().submit(JobSpec.command("sleep", "600").withMaxRetries(1));
    JobId lost = any.operations().submit(JobSpec.command("sleep", "600").withMaxRetries(0));
    await()
        .atMost(JOB)
        .until(
            () -> state(any, retried) == JobState.RUNNING && state(any, lost) == JobState.RUNNING);
    // Write-behind has written the RUNNING records within about a second.
    await()
        .atMost(JOB)
        .until(
            () ->
                storedState(any, retried) == JobState.RUNNING
                    && storedState(any, lost) == JobState.RUNNING);
    Map<JobId, JobRecord> before = records(any);

    for (int i = 0; i < 3; i++) {
      grid.node(i).halt();
    }
    grid.startAgain();
    GridNode now = primary();

    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              JobRecord r = records(now).get(retried);
              assertThat(r.state()).isEqualTo(JobState.RUNNING);
              assertThat(r.attempt()).isEqualTo(before.get(retried).attempt() + 1);
              assertThat(r.retriesUsed()).isEqualTo(1);
              assertThat(r.epoch()).isGreaterThan(before.get(retried).epoch());
              assertThat(r.history())
                  .anySatisfy(e -> assertThat(e.message()).contains("left the grid"));
            });
    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              JobRecord r = records(now).get(lost);
              assertThat(r.state()).isEqualTo(JobState.LOST);
              assertThat(r.message()).contains("left the grid");
            });
  }

  @Test
  void when_a_node_stops_right_after_accepting_work_then_it_is_on_disk_before_the_node_is_gone() {
    grid = new TestGrid(dir, 1, 0).start();
    GridNode node = primary();
    List<JobId> accepted = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      accepted.add(node.operations().submit(JobSpec.command("echo", Integer.toString(i))));
    }
    node.operations().addSchedule(ScheduleSpec.of("late", "@daily", JobSpec.command("true")));

    node.close();

    try (LocalDiskStore disk = new LocalDiskStore(dir.resolve("n1"))) {
      Map<JobId, JobRecord> stored = DurableMaps.jobsStore().over(disk).loadAll(accepted);
      assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(accepted);
      assertThat(stored.values()).allSatisfy(r -> assertThat(r.state()).isEqualTo(JobState.QUEUED));
      assertThat(disk.list(DurableMaps.SCHEDULES_PREFIX))
          .containsExactly(DurableMaps.SCHEDULES_PREFIX + "late");
    }
  }

  /** The job's record as the blob store holds it, read through a running node. */
  private static JobState storedState(GridNode via, JobId id) {
    JobRecord r = DurableMaps.jobsStore().over(via.blobs()).loadAll(List.of(id)).get(id);
    return r == null ? null : r.state();
  }

  private static String stdout(GridNode via, JobId id) {
    try (InputStream in =
        via.operations().output(id, GridOperations.Stream.STDOUT).orElseThrow().content()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
