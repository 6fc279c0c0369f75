package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.scheduler.JobRecord;

/** What the worker tells its node's metrics about the jobs it runs. */
interface WorkerMetrics {
  /** Tells nothing. */
  WorkerMetrics NONE =
      new WorkerMetrics() {
        @Override
        public void started(JobRecord dispatched, long startedAtMillis) {}

        @Override
        public void ended(JobState state) {}

        @Override
        public void tasksStarted(long arraySubmittedAtMillis, long startedAtMillis, int count) {}
      };

  /** The start of a single job's dispatched attempt was recorded here at that time. */
  void started(JobRecord dispatched, long startedAtMillis);

  /**
   * {@code count} tasks of one array started here at that time (their start written in one block
   * write); the array was submitted at {@code arraySubmittedAtMillis}.
   */
  void tasksStarted(long arraySubmittedAtMillis, long startedAtMillis, int count);

  /** A job or an array's task this node ran reached an end state (a retried run has not). */
  void ended(JobState state);
}
