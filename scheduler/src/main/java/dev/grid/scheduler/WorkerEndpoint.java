package dev.grid.scheduler;

import dev.grid.api.JobId;

/**
 * The worker side of a node, as the messages from the primary and from other nodes reach it. The
 * node puts its worker in the Hazelcast user context under {@link #CONTEXT_KEY}.
 */
public interface WorkerEndpoint {
  /** Where a node's worker is found in {@code HazelcastInstance.getUserContext()}. */
  String CONTEXT_KEY = "grid.worker";

  /** The primary of {@code epoch} hands over a dispatched job. Must return quickly. */
  void run(JobRecord dispatched, long epoch);

  /**
   * The primary of {@code slice.epoch()} hands over tasks of an array dispatched to this worker.
   * Must return quickly.
   */
  void runSlice(TaskSlice slice);

  /** Kill the given attempt of the job, if it runs here. Must return quickly. */
  void cancel(JobId id, int attempt);
}
