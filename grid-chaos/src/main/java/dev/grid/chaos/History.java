package dev.grid.chaos;

import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.ScheduleRun;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run saw, gathered after the faults healed: the input of {@link HistoryCheck}.
 *
 * @param jobs every one-off job whose submit returned an id
 * @param ledger the ledger's runs (every kind)
 * @param ledgerBadLines ledger lines that could not be read or did not fit a run
 * @param cron the every-second schedule: its due fires, its run records and their jobs
 * @param faults every fault injected, in order
 * @param dispatches every DISPATCHED event of every job the grid knows, for failover times
 */
record History(
    List<Accepted> jobs,
    List<Ledger.Run> ledger,
    int ledgerBadLines,
    Cron cron,
    List<Fault> faults,
    List<Dispatch> dispatches) {

  History {
    jobs = List.copyOf(jobs);
    ledger = List.copyOf(ledger);
    faults = List.copyOf(faults);
    dispatches = List.copyOf(dispatches);
  }

  /**
   * One accepted job and what the grid says of it at the end.
   *
   * @param seq the harness's number for it
   * @param marker the line it prints
   * @param id the id submit returned
   * @param info the grid's record at the end, null if the grid no longer knows the job
   * @param stdout its output read back through the API, null if that failed
   * @param readError why reading the output failed, null if it did not
   */
  record Accepted(
      String seq, String marker, JobId id, JobInfo info, byte[] stdout, String readError) {}

  /**
   * The schedule firing every second.
   *
   * @param dueFires the fire times (epoch ms) that fell due while the harness watched
   * @param runs its run records
   * @param jobs the grid's record of each run's job, by fire time (null if missing)
   */
  record Cron(List<Long> dueFires, List<ScheduleRun> runs, Map<Long, JobInfo> jobs) {}

  /**
   * One fault.
   *
   * @param atMillis when it was injected (epoch ms)
   * @param kind what it was
   * @param node the node it hit
   * @param epoch the primary's epoch just before, for a kill of the primary; else 0
   * @param endMillis when it was over: healed (SIGCONT, the restart, the network back) and the grid
   *     whole again (the node back in it); {@code atMillis} until then
   */
  record Fault(long atMillis, Kind kind, String node, long epoch, long endMillis) {
    enum Kind {
      KILL_PRIMARY("kill-primary", 35),
      KILL_WORKER("kill-worker", 25),
      PAUSE_PRIMARY("pause-primary", 25),
      PAUSE_WORKER("pause-worker", 15),
      /** A minority cut off by a real network partition (needs root); not in the default set. */
      PARTITION("partition", 25);

      final String label;

      /** How often it is picked, relative to the others. */
      final int weight;

      Kind(String label, int weight) {
        this.label = label;
        this.weight = weight;
      }

      static Kind parse(String label) {
        for (Kind k : values()) {
          if (k.label.equals(label.trim())) {
            return k;
          }
        }
        throw new IllegalArgumentException(
            "fault '"
                + label
                + "' is not known: use "
                + Arrays.stream(values()).map(k -> k.label).toList());
      }

      boolean kill() {
        return this == KILL_PRIMARY || this == KILL_WORKER;
      }
    }
  }

  /** A dispatch of a job by a primary of the given epoch. */
  record Dispatch(long atMillis, long epoch, String jobId) {}
}
