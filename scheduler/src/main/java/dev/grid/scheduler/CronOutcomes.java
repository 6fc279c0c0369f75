package dev.grid.scheduler;

/**
 * Hears what became of each due time the primary's cron handled, as it is recorded: the node counts
 * them for its metrics. Called on cron's threads; an implementation must be quick and must not
 * throw.
 */
public interface CronOutcomes {
  /** Hears nothing. */
  CronOutcomes NONE =
      new CronOutcomes() {
        @Override
        public void fired(String schedule) {}

        @Override
        public void missed(String schedule, long count) {}

        @Override
        public void skipped(String schedule) {}
      };

  /** A due time of the schedule became a job (made here, not by an earlier primary). */
  void fired(String schedule);

  /** Due times of the schedule passed while no primary ran and were recorded as missed. */
  void missed(String schedule, long count);

  /** A due time of the schedule was skipped: its previous run had not ended (overlap forbid). */
  void skipped(String schedule);
}
