package dev.grid.chaos;

import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun;
import dev.grid.chaos.History.Fault;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks a chaos run's history against the grid's guarantees. Pure: a {@link History} in, a {@link
 * ChaosReport} out.
 *
 * <h2>What counts as what</h2>
 *
 * <ul>
 *   <li><b>finished</b>: an accepted job whose record ends SUCCEEDED and whose ledger shows a
 *       completed run. <b>lost</b>: any other accepted job: gone from the grid, never ended, ended
 *       otherwise (FAILED, LOST, ...; the workload's jobs can only fail if the grid fails them), or
 *       SUCCEEDED with no completed run in the ledger.
 *   <li>A <b>run</b> is one process, told apart in the ledger by its run token. It <b>completed</b>
 *       if it wrote its end line. A job retried after its node died runs again legally only if no
 *       earlier run completed: two completed runs of one job are <b>run twice</b>, with one
 *       exception, counted apart as <b>rerun after fault</b>: the earlier run completed, and its
 *       node was SIGKILLed within {@link #REPORT_WINDOW_MILLIS} after (or up to {@link
 *       #KILL_SLACK_MILLIS} before: its processes outlive it briefly), or the run ended while its
 *       node was paused or cut off, until it was back in the grid (its processes run on until the
 *       node's fence stops them, and the end cannot be reported), or up to {@link
 *       #KILL_SLACK_MILLIS} before that fault. The grid never heard of the end, and no grid can
 *       tell that from a run that died just before its end: jobs run at least once, as promised. A
 *       rerun with no such fault on the node is a violation.
 *   <li>A run that never completed lasted from its start to its last ledger line, or to the SIGKILL
 *       of its node if that came later (its processes die with the node), but no longer than {@link
 *       #BEAT_SILENCE_MILLIS} past the last beat of a long job; a start line up to {@link
 *       #KILL_SLACK_MILLIS} after the SIGKILL still counts as before it. Two runs of one job whose
 *       spans intersect are <b>overlapping</b>, whether or not either completed.
 *   <li>Cron: a fire is <b>due</b> every second of the watched window. It ran <b>once</b> if
 *       exactly one run record STARTED it, its job SUCCEEDED and the ledger shows exactly one
 *       completed run; <b>twice</b> if it has two STARTED records or two completed runs;
 *       <b>interrupted</b> if one record STARTED it and the grid ended its job LOST to keep the
 *       fire at most once (its run was cut short by a fault, or ended unreported): accounted for,
 *       not a violation; <b>missed</b> otherwise (no STARTED record, or its job never succeeded).
 *       The schedule's misfire policy is {@code all}, so a fire missed while no primary ran must
 *       still be caught up: every missed fire is a violation.
 *   <li><b>unreadable</b>: a finished job whose stdout, read back through the API, is not its
 *       marker line.
 *   <li><b>failover</b>: for each SIGKILL of the primary, the time from the kill to the first
 *       DISPATCHED event of a higher epoch. A kill after which no higher epoch dispatched is a
 *       violation. <b>primary changes</b>: distinct epochs among the dispatches, less one; in a run
 *       without faults any change is a <b>false failover</b>, a violation.
 * </ul>
 */
final class HistoryCheck {
  /** How long after a run's end line its node may die with the run counted as unreported. */
  static final long REPORT_WINDOW_MILLIS = 2000;

  /**
   * How long after the harness sent SIGKILL a run's start line may come and still belong to the
   * killed node's life: the shell was forked before, and wrote its line late on a busy machine.
   */
  static final long KILL_SLACK_MILLIS = 1000;

  /** A long job's run silent this long after its last beat (one every 500 ms) had stopped. */
  static final long BEAT_SILENCE_MILLIS = 1500;

  private HistoryCheck() {}

  static ChaosReport check(History h, long seed, long durationMillis) {
    List<String> violations = new ArrayList<>();
    Map<String, List<Ledger.Run>> runsByJob =
        h.ledger().stream()
            .collect(
                Collectors.groupingBy(Ledger.Run::jobId, LinkedHashMap::new, Collectors.toList()));

    int finished = 0;
    int lost = 0;
    int unreadable = 0;
    for (History.Accepted job : h.jobs()) {
      List<Ledger.Run> runs = runsByJob.getOrDefault(job.id().value(), List.of());
      String why = lostBecause(job, runs);
      if (why != null) {
        lost++;
        violations.add("lost: job " + job.id() + " (seq " + job.seq() + ") " + why);
        continue;
      }
      finished++;
      String expected = job.marker() + "\n";
      if (job.stdout() == null
          || !expected.equals(new String(job.stdout(), StandardCharsets.UTF_8))) {
        unreadable++;
        violations.add(
            "unreadable: job "
                + job.id()
                + " output "
                + (job.stdout() == null
                    ? "could not be read: " + job.readError()
                    : "is '"
                        + new String(job.stdout(), StandardCharsets.UTF_8).strip()
                        + "', not its marker '"
                        + job.marker()
                        + "'"));
      }
    }

    int runTwice = 0;
    int rerunAfterFault = 0;
    int overlapping = 0;
    for (Map.Entry<String, List<Ledger.Run>> e : runsByJob.entrySet()) {
      List<Ledger.Run> runs = e.getValue();
      List<Ledger.Run> completed = counted(runs, h.faults());
      long unheard = runs.stream().filter(Ledger.Run::completed).count() - completed.size();
      rerunAfterFault += (int) unheard;
      boolean cron = runs.get(0).kind().equals("cron");
      if (completed.size() > 1 && !cron) {
        runTwice++;
        violations.add(
            "run-twice: job "
                + e.getKey()
                + " completed "
                + completed.size()
                + " times: "
                + describe(completed));
      }
      List<Ledger.Run[]> pairs = overlaps(runs, h.faults());
      if (!pairs.isEmpty()) {
        overlapping++;
        Ledger.Run[] p = pairs.get(0);
        violations.add(
            "overlapping: job "
                + e.getKey()
                + " ran twice at once: "
                + describe(List.of(p[0], p[1])));
      }
    }

    CronCounts cron = checkCron(h.cron(), runsByJob, h.faults(), violations);

    if (h.ledgerBadLines() > 0) {
      violations.add(
          "ledger: "
              + h.ledgerBadLines()
              + " line(s) repeat a start or an end of one run, or cannot be read");
    }

    List<Long> failovers = new ArrayList<>();
    int primaryKills = 0;
    for (Fault f : h.faults()) {
      if (f.kind() != Fault.Kind.KILL_PRIMARY) {
        continue;
      }
      primaryKills++;
      Long first =
          h.dispatches().stream()
              .filter(d -> d.epoch() > f.epoch() && d.atMillis() >= f.atMillis())
              .map(History.Dispatch::atMillis)
              .min(Comparator.naturalOrder())
              .orElse(null);
      if (first == null) {
        violations.add(
            "failover: after the SIGKILL of primary "
                + f.node()
                + " (epoch "
                + f.epoch()
                + ") at "
                + f.atMillis()
                + " no higher epoch ever dispatched");
      } else {
        failovers.add(first - f.atMillis());
      }
    }
    failovers.sort(Comparator.naturalOrder());
    int primaryChanges =
        (int) h.dispatches().stream().mapToLong(History.Dispatch::epoch).distinct().count() - 1;
    primaryChanges = Math.max(0, primaryChanges);
    if (h.faults().isEmpty() && primaryChanges > 0) {
      violations.add(
          "false failover: the primary changed "
              + primaryChanges
              + " time(s) in a"
              + " run without faults (dispatches came with "
              + (primaryChanges + 1)
              + " epochs)");
    }
    Long p50 = failovers.isEmpty() ? null : failovers.get((failovers.size() - 1) / 2);
    Long max = failovers.isEmpty() ? null : failovers.get(failovers.size() - 1);

    return new ChaosReport(
        seed,
        durationMillis,
        h.faults().size(),
        h.jobs().size(),
        finished,
        lost,
        runTwice,
        overlapping,
        cron.due,
        cron.once,
        cron.twice,
        cron.missed,
        cron.interrupted,
        unreadable,
        rerunAfterFault,
        h.ledgerBadLines(),
        p50,
        max,
        primaryKills,
        primaryChanges,
        violations);
  }

  private static String lostBecause(History.Accepted job, List<Ledger.Run> runs) {
    JobInfo info = job.info();
    if (info == null) {
      return "is not known to the grid any more";
    }
    if (info.state() != JobState.SUCCEEDED) {
      return "ended "
          + info.state()
          + (info.state().isTerminal() ? "" : " (never ended)")
          + (info.message() == null ? "" : ": " + info.message())
          + "; history "
          + info.history();
    }
    if (runs.stream().noneMatch(Ledger.Run::completed)) {
      return "is SUCCEEDED but no run of it completed in the ledger ("
          + runs.size()
          + " run(s) started)";
    }
    return null;
  }

  private record CronCounts(int due, int once, int twice, int missed, int interrupted) {}

  private static CronCounts checkCron(
      History.Cron cron,
      Map<String, List<Ledger.Run>> runsByJob,
      List<Fault> faults,
      List<String> violations) {
    if (cron == null) {
      return new CronCounts(0, 0, 0, 0, 0);
    }
    Map<Long, List<ScheduleRun>> records =
        cron.runs().stream().collect(Collectors.groupingBy(ScheduleRun::fireTimeMillis));
    int once = 0;
    int twice = 0;
    int missed = 0;
    int interrupted = 0;
    for (long fire : cron.dueFires()) {
      List<ScheduleRun> started =
          records.getOrDefault(fire, List.of()).stream()
              .filter(r -> r.outcome() == ScheduleRun.Outcome.STARTED)
              .toList();
      JobInfo job = cron.jobs().get(fire);
      List<Ledger.Run> completed =
          job == null
              ? List.of()
              : counted(runsByJob.getOrDefault(job.id().value(), List.of()), faults);
      if (started.size() > 1 || completed.size() > 1) {
        twice++;
        violations.add(
            "cron-twice: fire "
                + fire
                + " has "
                + started.size()
                + " STARTED record(s) and "
                + completed.size()
                + " completed run(s): "
                + describe(completed));
      } else if (started.size() == 1
          && job != null
          && job.state() == JobState.LOST
          && job.message() != null
          && job.message().contains(JobInfo.CRON_AT_MOST_ONCE)) {
        // Its run was cut short by a fault (or finished unreported) and the grid, keeping the
        // fire at most once, ended it instead of running it again: accounted for, not missed.
        interrupted++;
      } else if (started.isEmpty()
          || job == null
          || job.state() != JobState.SUCCEEDED
          || completed.isEmpty()) {
        missed++;
        violations.add(
            "cron-missed: fire "
                + fire
                + ": records "
                + records.getOrDefault(fire, List.of())
                + ", job "
                + (job == null ? "none" : job.id() + " " + job.state())
                + ", "
                + completed.size()
                + " completed run(s) in the ledger");
      } else {
        once++;
      }
    }
    return new CronCounts(cron.dueFires().size(), once, twice, missed, interrupted);
  }

  /**
   * The completed runs that count: all but those followed by a later run of the job whose end the
   * grid could not hear of: their node was SIGKILLed within {@link #REPORT_WINDOW_MILLIS} after, or
   * they ended while it was paused or cut off.
   */
  static List<Ledger.Run> counted(List<Ledger.Run> runs, List<Fault> faults) {
    List<Ledger.Run> out = new ArrayList<>();
    for (Ledger.Run r : runs) {
      if (!r.completed()) {
        continue;
      }
      boolean rerun = runs.stream().anyMatch(o -> o.startMillis() > r.endMillis());
      // The end line may also come just after the SIGKILL: the job's processes outlive their
      // node until its watcher kills them, and a short job can finish meanwhile.
      boolean faulted =
          faults.stream()
              .anyMatch(
                  f ->
                      f.node().equals(r.node())
                          && (f.kind().kill()
                              ? f.atMillis() >= r.endMillis() - KILL_SLACK_MILLIS
                                  && f.atMillis() - r.endMillis() <= REPORT_WINDOW_MILLIS
                              : r.endMillis() >= f.atMillis() - KILL_SLACK_MILLIS
                                  && r.endMillis() <= f.endMillis()));
      if (!(rerun && faulted)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Pairs of runs of one job whose spans intersect; see the class comment for a run's span. */
  static List<Ledger.Run[]> overlaps(List<Ledger.Run> runs, List<Fault> faults) {
    List<Ledger.Run[]> found = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      for (int j = i + 1; j < runs.size(); j++) {
        Ledger.Run a = runs.get(i);
        Ledger.Run b = runs.get(j);
        if (a.startMillis() < spanEnd(b, faults) && b.startMillis() < spanEnd(a, faults)) {
          found.add(new Ledger.Run[] {a, b});
        }
      }
    }
    return found;
  }

  static long spanEnd(Ledger.Run run, List<Fault> faults) {
    if (run.completed()) {
      return run.endMillis();
    }
    long end = run.lastSeenMillis();
    for (Fault f : faults) {
      // A start line written just after the SIGKILL comes from a process forked before it.
      if (f.kind().kill()
          && f.node().equals(run.node())
          && f.atMillis() >= run.startMillis() - KILL_SLACK_MILLIS) {
        long died = f.atMillis();
        if (run.kind().equals("long")) {
          // A long job beats twice a second: silent for longer, it had stopped before the
          // SIGKILL (its node's fence stopped it, e.g. in a partition).
          died = Math.min(died, run.lastSeenMillis() + BEAT_SILENCE_MILLIS);
        }
        end = Math.max(end, died);
        break;
      }
    }
    return end;
  }

  private static String describe(List<Ledger.Run> runs) {
    return runs.stream()
        .map(
            r ->
                "[attempt "
                    + r.attempt()
                    + " on "
                    + r.node()
                    + " run "
                    + r.run()
                    + " "
                    + r.startMillis()
                    + ".."
                    + (r.completed()
                        ? r.endMillis()
                        : "(no end, last seen " + r.lastSeenMillis() + ")")
                    + "]")
        .collect(Collectors.joining(" "));
  }
}
