package dev.grid.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.NodeInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeNetwork;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes, each in a network namespace of its own; one node is cut off from the
 * other two by a real partition (its node-to-node links down, see {@code NodeNetwork}) while it
 * runs a job. The majority must elect a primary if it lost it and run new jobs; the cut-off node
 * must refuse its API (421), start nothing, and stop its job before the majority runs that job
 * again; after the heal the grid is one again and every job ended once. Runs are counted from a
 * ledger on the local disk, beside the grid ({@link Ledger}).
 *
 * <p>Needs root and iproute2's {@code ip} (to make the namespaces), as CI has; skipped elsewhere,
 * with a line saying why.
 */
@Tag("slow")
class PartitionProcessIT {
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final Duration JOB_START = Duration.ofSeconds(30);

  /** A long job beats in the ledger this long: it is still running when the cut comes. */
  private static final double LONG_JOB_SECONDS = 15;

  private static final String TICK = "tick";

  /** Kept when a test fails: the nodes' logs and the ledger say what happened. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private LocalGrid grid;

  @BeforeAll
  static void needsRootAndIp() {
    NodeNetwork.whyUnavailable()
        .ifPresent(
            why -> {
              System.out.println("SKIPPED PartitionProcessIT: " + why);
              Assumptions.abort(why);
            });
  }

  @Test
  void when_the_primary_is_cut_off_alone_then_the_majority_takes_over_and_no_job_runs_twice()
      throws Exception {
    cutOffAlone(true);
  }

  @Test
  void when_a_worker_is_cut_off_alone_then_its_job_runs_on_the_majority_only_after_it_stopped()
      throws Exception {
    cutOffAlone(false);
  }

  private void cutOffAlone(boolean thePrimary) throws Exception {
    Path ledger = dir.resolve("ledger");
    try (LocalGrid grid =
        LocalGrid.inNamespaces(GridHome.find(), dir.resolve("grid"), 3, 2, List.of("-Xmx256m"))) {
      this.grid = grid;
      try (GridClient client = client(grid.urls())) {
        grid.start(READY);
        await().atMost(READY).until(() -> oneGrid(grid.urls(), 3) != null);
        String primary = oneGrid(grid.urls(), 3);
        int victim = thePrimary ? index(grid, primary) : (index(grid, primary) + 1) % 3;
        String victimName = grid.settings().get(victim).name();
        List<URI> majority =
            IntStream.range(0, 3)
                .filter(i -> i != victim)
                .mapToObj(i -> grid.urls().get(i))
                .toList();

        // Long jobs until one runs on the node to be cut off.
        List<JobId> accepted = new ArrayList<>();
        JobId onVictim = null;
        for (int seq = 0; seq < 6 && onVictim == null; seq++) {
          JobId id =
              client.submit(
                  JobSpec.shell(
                          Ledger.script(
                              ledger, "long", Integer.toString(seq), null, LONG_JOB_SECONDS))
                      .withMaxRetries(5));
          accepted.add(id);
          await().atMost(JOB_START).until(() -> !runsOf(ledger, id).isEmpty());
          if (runsOf(ledger, id).get(0).node().equals(victimName)) {
            onVictim = id;
          }
        }
        assertThat(onVictim).as("a long job running on %s", victimName).isNotNull();
        JobId cutJob = onVictim;
        long epochBefore = epoch(client, primary);
        // A schedule firing every second across the cut: every due second must become a run.
        client
            .schedules()
            .add(
                ScheduleSpec.of(
                        TICK,
                        "* * * * * ?",
                        JobSpec.shell(Ledger.script(ledger, "cron", "-", null, 0.1))
                            .withMaxRetries(5))
                    .withMisfire(MisfirePolicy.ALL)
                    .withKeepRuns(0));
        await().atMost(SETTLE).until(() -> client.schedules().runs(TICK).size() >= 2);
        long firstDue =
            client.schedules().runs(TICK).stream()
                .mapToLong(ScheduleRun::fireTimeMillis)
                .max()
                .orElseThrow();

        grid.partition(Set.of(victim));
        try (GridClient toMinority = client(List.of(grid.urls().get(victim)));
            GridClient toMajority = client(majority)) {
          // Until it sees it is cut off, the minority node may still accept a job: such a job
          // must run once too. A submit without an answer may or may not have been taken.
          List<JobId> onMinority = new ArrayList<>();
          for (int seq = 20; seq < 40 && !refuses(toMinority); seq++) {
            try {
              onMinority.add(
                  toMinority.submit(
                      JobSpec.shell(Ledger.script(ledger, "job", Integer.toString(seq), null, 0.2))
                          .withMaxRetries(5)));
            } catch (RuntimeException e) {
              // no answer in time: unknown whether it took the job, so it is not counted
            }
          }
          accepted.addAll(onMinority);
          await().atMost(SETTLE).until(() -> refuses(toMinority));
          long fencedAt = System.currentTimeMillis();
          await()
              .atMost(SETTLE)
              .until(
                  () -> {
                    String p = oneGrid(majority, 2);
                    return p != null && !p.equals(victimName);
                  });
          // The majority takes new jobs and runs them, while the cut lasts.
          List<JobId> during = new ArrayList<>();
          for (int seq = 10; seq < 14; seq++) {
            during.add(
                toMajority.submit(
                    JobSpec.shell(Ledger.script(ledger, "job", Integer.toString(seq), null, 0.2))
                        .withMaxRetries(5)));
          }
          accepted.addAll(during);
          await()
              .atMost(SETTLE)
              .untilAsserted(
                  () ->
                      assertThat(during)
                          .allSatisfy(
                              id ->
                                  assertThat(state(toMajority, id))
                                      .as("job %s", id)
                                      .isEqualTo("SUCCEEDED")));
          // The cut-off node's job runs again on the majority side.
          await()
              .atMost(SETTLE)
              .until(
                  () ->
                      runsOf(ledger, cutJob).stream().anyMatch(r -> !r.node().equals(victimName)));
          assertThat(refuses(toMinority)).as("%s still refuses while cut off", victimName).isTrue();
          if (thePrimary) {
            // The cut-off primary lost its lease seconds ago: it must have stopped firing and
            // dispatching by now, not wait for the members it cannot reach (it waited for them
            // until the merge when it removed its map listeners at the change of role).
            Path log = grid.settings().get(victim).logFile();
            await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(
                    () ->
                        assertThat(Files.readString(log))
                            .as("the log of the cut-off primary %s", victimName)
                            .contains("cron stopped, epoch " + epochBefore)
                            .contains("stopped dispatching, epoch " + epochBefore));
          }
          long healAt = System.currentTimeMillis();
          grid.heal();

          await().atMost(SETTLE).until(() -> oneGrid(grid.urls(), 3) != null);
          await()
              .atMost(SETTLE)
              .untilAsserted(
                  () ->
                      assertThat(accepted)
                          .allSatisfy(
                              id ->
                                  assertThat(state(client, id))
                                      .as("job %s", id)
                                      .isEqualTo("SUCCEEDED")));
          // Every second due from before the cut to after the heal has one run that started
          // its job (misfire all: those due during a failover are caught up).
          long lastDue = System.currentTimeMillis() / 1000 * 1000 - 3000;
          await()
              .atMost(SETTLE)
              .untilAsserted(
                  () -> {
                    Map<Long, List<ScheduleRun>> byDue =
                        client.schedules().runs(TICK).stream()
                            .collect(Collectors.groupingBy(ScheduleRun::fireTimeMillis));
                    for (long due = firstDue; due <= lastDue; due += 1000) {
                      assertThat(byDue.getOrDefault(due, List.of()))
                          .as("runs of the fire due %s", due)
                          .extracting(ScheduleRun::outcome)
                          .containsExactly(ScheduleRun.Outcome.STARTED);
                    }
                  });

          List<Ledger.Run> runs = Ledger.read(ledger).runs();
          assertThat(
                  runs.stream()
                      .filter(
                          r ->
                              r.node().equals(victimName)
                                  && r.startMillis() >= fencedAt
                                  && r.startMillis() <= healAt))
              .as("runs started on the cut-off %s after it refused", victimName)
              .isEmpty();
          Map<String, List<Ledger.Run>> byJob =
              runs.stream().collect(Collectors.groupingBy(Ledger.Run::jobId));
          for (JobId id : accepted) {
            List<Ledger.Run> of = byJob.getOrDefault(id.value(), List.of());
            assertThat(of.stream().filter(Ledger.Run::completed))
                .as("completed runs of %s", id)
                .hasSize(1);
            for (int i = 1; i < of.size(); i++) {
              assertThat(of.get(i - 1).lastSeenMillis())
                  .as("run %s of %s ended before run %s" + " started (%s)", i, id, i + 1, of)
                  .isLessThan(of.get(i).startMillis());
            }
          }
          if (thePrimary) {
            for (JobId id : accepted) {
              for (JobEvent e : client.status(id).history()) {
                if (e.state() == JobState.DISPATCHED && e.atMillis() >= fencedAt) {
                  assertThat(e.epoch())
                      .as("epoch of a dispatch after the cut, job %s", id)
                      .isGreaterThan(epochBefore);
                }
              }
            }
          }
        }
      }
    }
  }

  /** The job's state, or what the grid answered instead (a node may answer badly for now). */
  private static String state(GridClient client, JobId id) {
    try {
      return client.status(id).state().name();
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  private static List<Ledger.Run> runsOf(Path ledger, JobId id) {
    return Ledger.read(ledger).runs().stream().filter(r -> r.jobId().equals(id.value())).toList();
  }

  private static int index(LocalGrid grid, String name) {
    return IntStream.range(0, grid.size())
        .filter(i -> grid.settings().get(i).name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static long epoch(GridClient client, String primary) {
    return client.nodes().stream()
        .filter(n -> n.name().equals(primary))
        .mapToLong(NodeInfo::epoch)
        .findFirst()
        .orElseThrow();
  }

  /** Whether the node behind {@code client} answers 421: it is out of the grid's majority. */
  private boolean refuses(GridClient client) {
    try {
      client.nodes();
      return false;
    } catch (GridUnavailableException e) {
      return e.getMessage().contains("majority");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The primary's name if each node at {@code urls} sees {@code members} members and the same one
   * primary; null otherwise.
   */
  private String oneGrid(List<URI> urls, int members) {
    String primary = null;
    for (URI url : urls) {
      try (GridClient c = client(List.of(url))) {
        List<NodeInfo> nodes = c.nodes();
        List<String> primaries =
            nodes.stream().filter(NodeInfo::primary).map(NodeInfo::name).toList();
        if (nodes.size() != members
            || primaries.size() != 1
            || (primary != null && !primary.equals(primaries.get(0)))) {
          return null;
        }
        primary = primaries.get(0);
      } catch (RuntimeException e) {
        return null;
      }
    }
    return primary;
  }

  private GridClient client(List<URI> urls) {
    return grid.clientBuilder()
        .nodes(urls)
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(Duration.ofSeconds(3))
        .build();
  }
}
