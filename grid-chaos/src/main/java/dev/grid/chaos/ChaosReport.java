package dev.grid.chaos;

import java.util.List;

/**
 * What {@link HistoryCheck} found: the counts of the summary line and, for every violation, a line
 * that names the job or fire and what the history shows.
 */
record ChaosReport(
    long seed,
    long durationMillis,
    int faults,
    int accepted,
    int finished,
    int lost,
    int runTwice,
    int overlapping,
    int cronDue,
    int cronOnce,
    int cronTwice,
    int cronMissed,
    int cronInterrupted,
    int unreadable,
    int rerunAfterFault,
    int ledgerBad,
    Long failoverP50Millis,
    Long failoverMaxMillis,
    int primaryKills,
    int primaryChanges,
    List<String> violations) {

  ChaosReport {
    violations = List.copyOf(violations);
  }

  boolean passed() {
    return violations.isEmpty();
  }

  /** The one summary line. */
  String summaryLine() {
    return "chaos: seed="
        + seed
        + " duration="
        + Math.round(durationMillis / 1000.0)
        + "s"
        + " faults="
        + faults
        + " accepted="
        + accepted
        + " finished="
        + finished
        + " lost="
        + lost
        + " run-twice="
        + runTwice
        + " overlapping="
        + overlapping
        + " cron-due="
        + cronDue
        + " cron-once="
        + cronOnce
        + " cron-twice="
        + cronTwice
        + " cron-missed="
        + cronMissed
        + " cron-interrupted="
        + cronInterrupted
        + " unreadable="
        + unreadable
        + " failover-p50="
        + millis(failoverP50Millis)
        + " failover-max="
        + millis(failoverMaxMillis)
        + " (primary-kills="
        + primaryKills
        + " primary-changes="
        + primaryChanges
        + " rerun-after-fault="
        + rerunAfterFault
        + (ledgerBad > 0 ? " ledger-bad-lines=" + ledgerBad : "")
        + ") "
        + (passed() ? "PASS" : "FAIL: " + violations.size() + " violation(s)");
  }

  private static String millis(Long value) {
    return value == null ? "n/a" : value + "ms";
  }
}
