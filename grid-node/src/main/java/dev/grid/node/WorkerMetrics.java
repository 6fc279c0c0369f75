package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.scheduler.JobRecord;

/** What the worker tells its node's metrics about the single jobs it runs (not arrays' tasks). */
interface WorkerMetrics {
  /** Tells nothing. */
  WorkerMetrics NONE =
      new WorkerMetrics() {
        @Override
        public void started(JobRecord dispatched, long startedAtMillis) {}

        @Override
        public void ended(JobState state) {}
      };

  /** The start of the dispatched attempt was recorded here at that time. */
  void started(JobRecord dispatched, long startedAtMillis);

  /** A job this node ran reached an end state (a run that is retried has not). */
  void ended(JobState state);
}
