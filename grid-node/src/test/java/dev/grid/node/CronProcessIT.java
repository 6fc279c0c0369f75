package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobEvent;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.NodeInfo;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cron with real node processes: two schedules fire every second for over 30 seconds while the
 * primary is SIGKILLed twice (and restarted, keeping a majority of voters). Every due second of the
 * {@code misfire all} schedule has exactly one job; the {@code overlap forbid} schedule, whose job
 * runs longer than its period, never has two runs at once.
 */
@Tag("slow")
class CronProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration FAILOVER = Duration.ofSeconds(15);

  @TempDir Path dir;

  @Test
  void when_the_primary_is_sigkilled_twice_then_each_due_second_runs_once_and_runs_never_overlap() {
    try (LocalGrid grid = new LocalGrid(dir, 3, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);
      client
          .schedules()
          .add(
              ScheduleSpec.of("tick", "* * * * * ?", JobSpec.command("true"))
                  .withMisfire(MisfirePolicy.ALL));
      client
          .schedules()
          .add(
              ScheduleSpec.of(
                      "slow", "@every 1s", JobSpec.command("sleep", "2.5").withMaxRetries(0))
                  .withOverlap(OverlapPolicy.FORBID));
      await().atMost(FAILOVER).until(() -> started(client, "tick").size() >= 5);

      for (int kill = 0; kill < 2; kill++) {
        String victim = primary(client).name();
        int index = Integer.parseInt(victim.substring(1)) - 1;
        grid.node(index).kill();
        await()
            .atMost(FAILOVER)
            .until(
                () -> {
                  NodeInfo p = primary(client);
                  return p != null && !p.name().equals(victim);
                });
        grid.restart(index, READY);
        // Fires go on with the restarted node back in the grid (past its lease's start quiet and
        // the partitions' migration) before the next kill; the 32 fires below keep the whole
        // run over 30 seconds.
        int before = started(client, "tick").size();
        await().atMost(FAILOVER).until(() -> started(client, "tick").size() >= before + 5);
      }
      await().atMost(READY).until(() -> started(client, "tick").size() >= 32);
      client.schedules().pause("tick");
      client.schedules().pause("slow");

      List<ScheduleRun> ticks = client.schedules().runs("tick");
      assertThat(ticks)
          .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(ScheduleRun.Outcome.STARTED));
      long first = ticks.get(0).fireTimeMillis();
      List<Long> expected = new ArrayList<>();
      for (long t = first; t <= ticks.get(ticks.size() - 1).fireTimeMillis(); t += 1000) {
        expected.add(t);
      }
      assertThat(ticks).extracting(ScheduleRun::fireTimeMillis).containsExactlyElementsOf(expected);
      assertThat(client.jobs().stream().filter(j -> j.id().value().startsWith("cron.tick.")))
          .extracting(j -> Long.parseLong(j.id().value().substring("cron.tick.".length())))
          .containsExactlyInAnyOrderElementsOf(expected);

      await()
          .atMost(READY)
          .until(
              () ->
                  started(client, "slow").stream()
                      .allMatch(r -> client.status(r.jobId()).state().isTerminal()));
      assertThat(client.schedules().runs("slow"))
          .anySatisfy(r -> assertThat(r.outcome()).isEqualTo(ScheduleRun.Outcome.SKIPPED));
      assertNoOverlap(client, started(client, "slow"));
    }
  }

  private static void assertNoOverlap(GridClient client, List<ScheduleRun> runs) {
    List<long[]> intervals = new ArrayList<>();
    for (ScheduleRun r : runs) {
      JobInfo job = client.status(r.jobId());
      for (int i = 0; i < job.history().size(); i++) {
        JobEvent e = job.history().get(i);
        if (e.state() == JobState.RUNNING) {
          intervals.add(new long[] {e.atMillis(), job.history().get(i + 1).atMillis()});
        }
      }
    }
    intervals.sort(Comparator.comparingLong(a -> a[0]));
    assertThat(intervals).hasSizeGreaterThan(3);
    for (int i = 1; i < intervals.size(); i++) {
      assertThat(intervals.get(i)[0])
          .as("run %d starts after run %d ended", i, i - 1)
          .isGreaterThanOrEqualTo(intervals.get(i - 1)[1]);
    }
  }

  private static List<ScheduleRun> started(GridClient client, String name) {
    return client.schedules().runs(name).stream()
        .filter(r -> r.outcome() == ScheduleRun.Outcome.STARTED)
        .toList();
  }

  private static NodeInfo primary(GridClient client) {
    try {
      List<NodeInfo> primaries = client.nodes().stream().filter(NodeInfo::primary).toList();
      return primaries.size() == 1 ? primaries.get(0) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
