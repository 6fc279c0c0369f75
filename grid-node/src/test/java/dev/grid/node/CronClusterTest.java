package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.scheduler.CronService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cron across failovers, three nodes in one JVM: missed fires follow each misfire policy; overlap
 * replace cancels the running fire. (Every due second as one job across two primary kills, and
 * forbid never overlapping, is {@code CronProcessIT}'s, with real SIGKILLs.)
 */
class CronClusterTest {
  private static final Duration FAILOVER = Duration.ofSeconds(10);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private GridNode primary() {
    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    return grid.primaries().get(0);
  }

  @Test
  void when_no_primary_runs_for_a_while_then_missed_fires_follow_each_policy() {
    grid = new TestGrid(dir, 3, 4).start();
    GridNode any = primary();
    any.operations()
        .addSchedule(
            ScheduleSpec.of("skip", "* * * * * ?", JobSpec.command("true"))
                .withMisfire(MisfirePolicy.SKIP));
    any.operations()
        .addSchedule(
            ScheduleSpec.of("once", "* * * * * ?", JobSpec.command("true"))
                .withMisfire(MisfirePolicy.ONCE));
    await().atMost(FAILOVER).until(() -> runsOf(any, "once").size() >= 2);

    // Lose the majority of voters, one node at a time so the maps keep a copy on the survivor.
    GridNode survivor = grid.primaries().get(0);
    List<GridNode> others = grid.live().stream().filter(n -> n != survivor).toList();
    others.get(0).halt();
    await()
        .atMost(FAILOVER)
        .ignoreExceptions()
        .until(
            () ->
                survivor.hazelcast().getCluster().getMembers().size() == 2
                    && survivor.hazelcast().getPartitionService().isClusterSafe());
    int index = grid.indexOf(others.get(1));
    others.get(1).halt();
    await().atMost(FAILOVER).until(() -> !survivor.isPrimary());
    long outageStart = System.currentTimeMillis();
    await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(7)).until(() -> true);
    grid.restart(index);
    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    long recovered = System.currentTimeMillis();
    await()
        .atMost(FAILOVER)
        .until(
            () ->
                runsOf(survivor, "skip").stream()
                    .anyMatch(
                        r ->
                            r.fireTimeMillis() > recovered
                                && r.outcome() == ScheduleRun.Outcome.STARTED));

    List<ScheduleRun> skip = outage(runsOf(survivor, "skip"), outageStart, recovered);
    assertThat(skip).hasSizeGreaterThanOrEqualTo(5);
    long skipMissed = skip.stream().filter(r -> r.outcome() == ScheduleRun.Outcome.MISSED).count();
    assertThat(skipMissed).isGreaterThanOrEqualTo(skip.size() - 3L);
    assertThat(skip)
        .filteredOn(r -> r.outcome() == ScheduleRun.Outcome.MISSED)
        .allSatisfy(r -> assertThat(r.reason()).contains("misfire policy skip"));

    List<ScheduleRun> once = outage(runsOf(survivor, "once"), outageStart, recovered);
    long onceStarted =
        once.stream().filter(r -> r.outcome() == ScheduleRun.Outcome.STARTED).count();
    assertThat(once.size() - onceStarted).as("missed").isGreaterThanOrEqualTo(4);
    // Started in the window: the newest late fire (the one 'once' runs) and the fires up to 2 s
    // late at the catch-up, which just run: two or three of them, by where in its second the
    // catch-up falls. At most 4; 'all' would start every one, and missed would be 0.
    assertThat(onceStarted).as("late fires run under 'once'").isLessThanOrEqualTo(4);
    assertThat(once.get(once.size() - 1).outcome()).isEqualTo(ScheduleRun.Outcome.STARTED);
  }

  @Test
  void when_overlap_is_replace_then_a_new_fire_cancels_the_running_one() {
    grid = new TestGrid(dir, 1, 4).start();
    GridNode node = primary();
    node.operations()
        .addSchedule(
            ScheduleSpec.of("swap", "@every 2s", JobSpec.command("sleep", "30"))
                .withOverlap(OverlapPolicy.REPLACE));

    await().atMost(FAILOVER).until(() -> runsOf(node, "swap").size() >= 3);
    node.operations().setPaused("swap", true);

    List<ScheduleRun> runs = runsOf(node, "swap");
    await()
        .atMost(FAILOVER)
        .untilAsserted(
            () ->
                assertThat(node.operations().job(runs.get(0).jobId()).orElseThrow().state())
                    .isEqualTo(JobState.CANCELLED));
    assertThat(node.operations().job(runs.get(1).jobId()).orElseThrow().state())
        .isIn(JobState.CANCELLED, JobState.RUNNING);
  }

  @Test
  void when_a_fire_is_made_before_its_due_time_then_its_job_starts_at_that_time_not_before() {
    grid = new TestGrid(dir, 3, 4).start();
    GridNode node = primary();
    node.operations().addSchedule(ScheduleSpec.of("tick", "* * * * * ?", JobSpec.command("true")));

    List<ScheduleRun> runs =
        await().atMost(FAILOVER).until(() -> startedRuns(node, "tick"), r -> r.size() >= 5);

    int madeEarly = 0;
    for (ScheduleRun run : runs) {
      JobInfo job =
          await()
              .atMost(FAILOVER)
              .until(
                  () -> node.operations().job(run.jobId()).orElseThrow(),
                  j -> j.state().isTerminal());
      assertThat(job.state()).as("%s", job.id()).isEqualTo(JobState.SUCCEEDED);
      assertThat(job.startedAtMillis())
          .as("start of %s", job.id())
          .isGreaterThanOrEqualTo(run.fireTimeMillis());
      if (job.submittedAtMillis() < run.fireTimeMillis()) {
        assertThat(job.submittedAtMillis())
            .isGreaterThanOrEqualTo(run.fireTimeMillis() - CronService.EARLY.toMillis());
        madeEarly++;
      }
    }
    assertThat(madeEarly).as("fires made before their due time").isPositive();
  }

  @Test
  void when_a_schedule_is_paused_after_its_fire_was_made_early_then_that_job_never_runs() {
    assertEarlyFireCancelledBy((ops, name) -> ops.setPaused(name, true));
  }

  @Test
  void when_a_schedule_is_deleted_after_its_fire_was_made_early_then_that_job_never_runs() {
    assertEarlyFireCancelledBy(GridOperations::deleteSchedule);
  }

  private void assertEarlyFireCancelledBy(BiConsumer<GridOperations, String> stop) {
    grid = new TestGrid(dir, 1, 4).start();
    GridNode node = primary();
    node.operations().addSchedule(ScheduleSpec.of("late", "* * * * * ?", JobSpec.command("true")));

    // A fire made early whose due time is still some way off: stop the schedule then.
    ScheduleRun early =
        await()
            .atMost(FAILOVER)
            .pollInterval(Duration.ofMillis(5))
            .until(
                () ->
                    startedRuns(node, "late").stream()
                        .filter(r -> r.fireTimeMillis() > System.currentTimeMillis() + 250)
                        .findFirst(),
                Optional::isPresent)
            .orElseThrow();
    stop.accept(node.operations(), "late");

    await()
        .atMost(FAILOVER)
        .untilAsserted(
            () ->
                assertThat(node.operations().job(early.jobId()).orElseThrow().state())
                    .isEqualTo(JobState.CANCELLED));
    assertThat(node.operations().job(early.jobId()).orElseThrow().startedAtMillis()).isNull();
  }

  private static List<ScheduleRun> startedRuns(GridNode via, String name) {
    return runsOf(via, name).stream()
        .filter(r -> r.outcome() == ScheduleRun.Outcome.STARTED)
        .toList();
  }

  private static List<ScheduleRun> runsOf(GridNode via, String name) {
    return via.operations().runs(name).orElse(List.of());
  }

  /** Runs due from the outage's start to the recovery. */
  private static List<ScheduleRun> outage(List<ScheduleRun> runs, long from, long to) {
    return runs.stream()
        .filter(r -> r.fireTimeMillis() > from && r.fireTimeMillis() <= to)
        .toList();
  }
}
