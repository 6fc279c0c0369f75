package dev.grid.scheduler;

import dev.grid.api.Backoff;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import dev.grid.api.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * A change asked of some tasks of one {@link TaskBlock}: the task commands of {@link JobCommand},
 * each for many slots at once. Each carries the time it was decided, so applying it is
 * deterministic (Hazelcast applies it again on the backup copy). Slots and attempts are parallel
 * arrays: the attempt a worker was given for each slot it names.
 */
public sealed interface BlockCommand {

  /** When the command was decided, by its writer's clock. */
  long atMillis();

  /** The primary hands queued slots to one worker under its epoch: a slice. */
  record Dispatch(long epoch, String node, String workerId, int[] slots, long atMillis)
      implements BlockCommand {}

  /** A worker starts the attempts it was given. */
  record Start(String node, int[] slots, int[] attempts, long atMillis) implements BlockCommand {}

  /** A worker reports how attempts ended, a batch at a time. */
  record Finish(String node, List<Ended> ended, long atMillis, RetryRule retry)
      implements BlockCommand {
    /** Ends that are never retried (a cancel before the run, a test). */
    public Finish(String node, List<Ended> ended, long atMillis) {
      this(node, ended, atMillis, null);
    }
  }

  /**
   * When a task that failed or timed out runs again: its array's {@code --retries}, {@code
   * --retry-on} and {@code --backoff}, as the worker read them from the array's spec.
   */
  record RetryRule(int maxRetries, List<RetryOn> retryOn, Backoff backoff) {
    /** The rule of an array's spec. */
    public static RetryRule of(JobSpec spec) {
      return new RetryRule(
          spec.maxRetries(),
          spec.retryOn() == null ? null : new ArrayList<>(spec.retryOn()),
          spec.backoffOrDefault());
    }

    /** Whether a run that ended for this cause is run again, after {@code used} retries. */
    boolean retries(RetryOn cause, int used) {
      return used < maxRetries && retryOn != null && retryOn.contains(cause);
    }
  }

  /**
   * How one attempt ended.
   *
   * @param slot the task's slot
   * @param attempt the attempt the worker was given
   * @param outcome a terminal state other than LOST
   * @param exitCode the exit code, or null
   * @param message why, or null
   * @param startedAtMillis when its code started (the slice's start marked it running earlier)
   * @param endedAtMillis when it ended
   * @param stdoutBytes bytes of stdout kept
   * @param stderrBytes bytes of stderr kept
   * @param truncated whether output passed the cap
   * @param usage what the attempt cost, where the worker measures it; else null
   */
  record Ended(
      int slot,
      int attempt,
      JobState outcome,
      Integer exitCode,
      String message,
      long startedAtMillis,
      long endedAtMillis,
      long stdoutBytes,
      long stderrBytes,
      boolean truncated,
      Usage usage) {
    /** An end whose cost was not measured. */
    public Ended(
        int slot,
        int attempt,
        JobState outcome,
        Integer exitCode,
        String message,
        long startedAtMillis,
        long endedAtMillis,
        long stdoutBytes,
        long stderrBytes,
        boolean truncated) {
      this(
          slot,
          attempt,
          outcome,
          exitCode,
          message,
          startedAtMillis,
          endedAtMillis,
          stdoutBytes,
          stderrBytes,
          truncated,
          null);
    }
  }

  /**
   * The primary takes slots back from a worker that is gone or never started them: queued again
   * (free if unstarted, else with a retry), or LOST with no retries left.
   *
   * @param workerId the worker whose slots these are; a slot dispatched to another since is left
   * @param slots the slots, or null for every active slot of that worker
   * @param attempts for each slot, the attempt the primary saw (null with slots null)
   * @param onlyIfUnstarted take back only slots still DISPATCHED (the dispatch timeout)
   * @param maxRetries the array's retries per task
   */
  record Reclaim(
      long epoch,
      String workerId,
      int[] slots,
      int[] attempts,
      boolean onlyIfUnstarted,
      int maxRetries,
      String reason,
      long atMillis)
      implements BlockCommand {}

  /** A worker hands attempts back without using a retry (it stopped, or was cut off). */
  record Release(String node, int[] slots, int[] attempts, String reason, long atMillis)
      implements BlockCommand {}

  /** The primary decides the array's dependencies for every waiting slot. */
  record Resolve(long epoch, JobState to, String reason, long atMillis) implements BlockCommand {}

  /** A user cancels tasks: the given slots, or every slot if null. */
  record Cancel(int[] slots, long atMillis) implements BlockCommand {}
}
