package dev.grid.chaos;

import dev.grid.api.GridClient;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobNotFoundException;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One chaos run: a three-node grid of real processes, the {@link Workload} and a schedule firing
 * every second while the {@link Nemesis} injects faults; then every fault healed, the grid settled,
 * the history gathered and checked by {@link HistoryCheck}.
 */
final class ChaosRun {
  static final String SCHEDULE = "chaos-tick";
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration HEAL = Duration.ofSeconds(120);
  private static final Duration SETTLE = Duration.ofSeconds(240);

  private final ChaosOptions options;
  private final Consumer<String> log;

  ChaosRun(ChaosOptions options, Consumer<String> log) {
    this.options = options;
    this.log = log;
  }

  /** Runs it; the grid is stopped before this returns, pass or fail. */
  ChaosReport run(Path dir) throws InterruptedException {
    Random random = new Random(options.seed());
    log.accept(
        "seed "
            + options.seed()
            + ", "
            + options.duration().toSeconds()
            + " s of faults every "
            + options.faultMin().toSeconds()
            + "-"
            + options.faultMax().toSeconds()
            + " s, "
            + options.jobsPerSecond()
            + " jobs/s, "
            + options.longJobs()
            + " long jobs, faults "
            + options.faults().stream().sorted().map(k -> k.label).toList()
            + "; under "
            + dir
            + "; "
            + loadAverage());
    Path ledger = dir.resolve("ledger");
    try (LocalGrid grid = newGrid(dir);
        GridClient control = client(grid, Duration.ofSeconds(5));
        GridClient submitter = client(grid, Duration.ofSeconds(5))) {
      grid.start(READY);
      OneGrid.await(grid, HEAL);
      long startedAt = System.currentTimeMillis();
      ScheduleSpec tick =
          ScheduleSpec.of(
                  SCHEDULE,
                  "* * * * * ?",
                  JobSpec.shell(Ledger.script(ledger, "cron", "-", null, 0.2))
                      .withMaxRetries(Workload.MAX_RETRIES))
              .withMisfire(MisfirePolicy.ALL)
              .withKeepRuns(0);
      // An add that timed out may have been done: look before adding again.
      retrying(
          "add the schedule",
          () ->
              control.schedules().list().stream().anyMatch(s -> s.spec().name().equals(SCHEDULE))
                  ? null
                  : control.schedules().add(tick));
      // Due times before the schedule was created are not its fires (an add slowed by a loaded
      // machine can land after the second the window would otherwise start with).
      long created =
          retrying("read the schedule", () -> control.schedules().get(SCHEDULE)).createdAtMillis();
      long firstDue = Math.max((startedAt / 1000 + 2) * 1000, (created / 1000 + 1) * 1000);
      Nemesis nemesis = new Nemesis(grid, control, random, options.faults(), log, startedAt);
      List<History.Fault> faults;
      List<Workload.Submitted> accepted;
      int unsure;
      try (Workload workload = new Workload(submitter, ledger, options, random.nextLong())) {
        workload.start();
        faults =
            nemesis.run(
                startedAt + options.duration().toMillis(), options.faultMin(), options.faultMax());
        workload.stop();
        accepted = workload.accepted();
        unsure = workload.unsure();
        log.accept(
            "faults over: "
                + faults.size()
                + " injected; "
                + accepted.size()
                + " jobs accepted, "
                + unsure
                + " submits unsure, "
                + workload.refused()
                + " refused; "
                + loadAverage());
      }
      long durationMillis = System.currentTimeMillis() - startedAt;
      List<String> problems = new ArrayList<>(nemesis.problems());
      if (!OneGrid.await(grid, HEAL)) {
        problems.add(
            "the grid was not one grid of 3 nodes with one primary "
                + HEAL
                + " after the last fault");
      }
      // The window ends now; before the schedule is paused, the primary gets up to a minute to
      // start (or catch up) every fire due in it, so a pause does not cut a catch-up short.
      long windowEnd = System.currentTimeMillis() - 1000;
      List<Long> due = new ArrayList<>();
      for (long t = firstDue; t <= windowEnd; t += 1000) {
        due.add(t);
      }
      awaitFires(control, due);
      retrying("pause the schedule", () -> control.schedules().pause(SCHEDULE));
      List<ScheduleRun> runs =
          retrying("read the schedule's runs", () -> control.schedules().runs(SCHEDULE));
      List<JobId> cronJobs =
          runs.stream()
              .filter(r -> r.outcome() == ScheduleRun.Outcome.STARTED && r.jobId() != null)
              .map(ScheduleRun::jobId)
              .toList();
      List<JobId> all = new ArrayList<>(accepted.stream().map(Workload.Submitted::id).toList());
      all.addAll(cronJobs);
      Map<JobId, JobInfo> infos = awaitEnded(control, all);

      List<History.Accepted> jobs = new ArrayList<>();
      for (Workload.Submitted s : accepted) {
        JobInfo info = infos.get(s.id());
        byte[] out = null;
        String error = null;
        if (info != null && info.state() == JobState.SUCCEEDED) {
          for (int i = 0; i < 3 && out == null; i++) {
            try {
              out = control.stdout(s.id());
            } catch (RuntimeException e) {
              error = e.toString();
            }
          }
        }
        jobs.add(new History.Accepted(s.seq(), s.marker(), s.id(), info, out, error));
      }
      Map<Long, JobInfo> cronByFire = new HashMap<>();
      for (ScheduleRun r : runs) {
        if (r.outcome() == ScheduleRun.Outcome.STARTED && r.jobId() != null) {
          cronByFire.putIfAbsent(r.fireTimeMillis(), infos.get(r.jobId()));
        }
      }
      List<History.Dispatch> dispatches = new ArrayList<>();
      for (JobInfo info : infos.values()) {
        if (info == null) {
          continue;
        }
        for (JobEvent e : info.history()) {
          if (e.state() == JobState.DISPATCHED) {
            dispatches.add(new History.Dispatch(e.atMillis(), e.epoch(), info.id().value()));
          }
        }
      }
      Ledger.Parsed parsed = Ledger.read(ledger);
      History history =
          new History(
              jobs,
              parsed.runs(),
              parsed.badLines(),
              new History.Cron(due, runs, cronByFire),
              faults,
              dispatches);
      ChaosReport checked = HistoryCheck.check(history, options.seed(), durationMillis);
      List<String> violations = new ArrayList<>(problems);
      violations.addAll(checked.violations());
      ChaosReport report =
          new ChaosReport(
              checked.seed(),
              checked.durationMillis(),
              checked.faults(),
              checked.accepted(),
              checked.finished(),
              checked.lost(),
              checked.runTwice(),
              checked.overlapping(),
              checked.cronDue(),
              checked.cronOnce(),
              checked.cronTwice(),
              checked.cronMissed(),
              checked.cronInterrupted(),
              checked.unreadable(),
              checked.rerunAfterFault(),
              checked.ledgerBad(),
              checked.failoverP50Millis(),
              checked.failoverMaxMillis(),
              checked.primaryKills(),
              checked.primaryChanges(),
              violations);
      writeReport(dir, report, faults);
      return report;
    }
  }

  /** Three nodes; each in a network namespace of its own if partitions are among the faults. */
  private LocalGrid newGrid(Path dir) {
    List<String> jvm = List.of("-Xmx256m");
    return options.faults().contains(History.Fault.Kind.PARTITION)
        ? LocalGrid.inNamespaces(GridHome.find(), dir.resolve("grid"), 3, options.slots(), jvm)
        : new LocalGrid(GridHome.find(), dir.resolve("grid"), 3, options.slots(), jvm);
  }

  /**
   * A call of the harness's own (not the workload's), tried up to 10 times a second apart: on a
   * loaded machine a node may answer late, and the run should not end for that.
   */
  private <T> T retrying(String what, Supplier<T> call) throws InterruptedException {
    RuntimeException last = null;
    for (int i = 0; i < 10; i++) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        last = e;
        log.accept("could not " + what + " (" + e.getMessage() + "); trying again");
        Thread.sleep(1000);
      }
    }
    throw new IllegalStateException("could not " + what + " in 10 tries", last);
  }

  private void awaitFires(GridClient client, List<Long> due) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        Set<Long> seen = new HashSet<>();
        client.schedules().runs(SCHEDULE).forEach(r -> seen.add(r.fireTimeMillis()));
        if (seen.containsAll(due)) {
          return;
        }
      } catch (RuntimeException e) {
        // a node answering late: ask again
      }
      Thread.sleep(1000);
    }
    log.accept("not every due fire had a run record a minute after the faults");
  }

  /** Polls until every job has ended or {@link #SETTLE} passed; the last record of each. */
  private Map<JobId, JobInfo> awaitEnded(GridClient client, List<JobId> ids)
      throws InterruptedException {
    Map<JobId, JobInfo> last = new LinkedHashMap<>();
    ids.forEach(id -> last.put(id, null));
    long deadline = System.currentTimeMillis() + SETTLE.toMillis();
    while (true) {
      int open = 0;
      for (JobId id : ids) {
        JobInfo known = last.get(id);
        if (known != null && known.state().isTerminal()) {
          continue;
        }
        try {
          last.put(id, client.status(id));
        } catch (JobNotFoundException e) {
          last.put(id, null);
        } catch (RuntimeException e) {
          // a node answering badly now: ask again next round
        }
        JobInfo now = last.get(id);
        if (now == null || !now.state().isTerminal()) {
          open++;
        }
      }
      if (open == 0 || System.currentTimeMillis() > deadline) {
        if (open > 0) {
          log.accept(open + " job(s) still not ended " + SETTLE + " after the faults");
        }
        return last;
      }
      Thread.sleep(1000);
    }
  }

  private void writeReport(Path dir, ChaosReport report, List<History.Fault> faults) {
    StringBuilder text = new StringBuilder(report.summaryLine()).append('\n');
    text.append("\nfaults:\n");
    faults.forEach(f -> text.append("  ").append(f).append('\n'));
    text.append("\nviolations:\n");
    report.violations().forEach(v -> text.append("  ").append(v).append('\n'));
    try {
      Files.writeString(dir.resolve("report.txt"), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the chaos report in " + dir, e);
    }
  }

  /**
   * This machine's load averages: on a shared machine other work starves the nodes, and a node
   * starved past the failure detection is a fault of its own.
   */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return "load average "
          + f[0]
          + " "
          + f[1]
          + " "
          + f[2]
          + " on "
          + Runtime.getRuntime().availableProcessors()
          + " cores";
    } catch (IOException | RuntimeException e) {
      return "load average unknown";
    }
  }

  private static GridClient client(LocalGrid grid, Duration timeout) {
    return grid.clientBuilder()
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(timeout)
        .build();
  }
}
