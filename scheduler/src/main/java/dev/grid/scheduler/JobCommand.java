package dev.grid.scheduler;

import dev.grid.api.JobState;
import dev.grid.api.Usage;

/**
 * A change asked of a job record. Each carries the time it was decided, so applying it is
 * deterministic (Hazelcast applies it again on the backup copy).
 */
public sealed interface JobCommand {

  /** When the command was decided, by its writer's clock. */
  long atMillis();

  /** The primary hands a queued job to a worker under its epoch. */
  record Dispatch(long epoch, String node, String workerId, long atMillis) implements JobCommand {}

  /** A worker starts the attempt it was given. */
  record Start(String node, int attempt, long atMillis) implements JobCommand {}

  /** A worker reports how the attempt ended. */
  record Finish(
      String node,
      int attempt,
      JobState outcome,
      Integer exitCode,
      String message,
      long stdoutBytes,
      long stderrBytes,
      boolean truncated,
      long atMillis,
      Usage usage)
      implements JobCommand {
    /** An end whose cost was not measured. */
    public Finish(
        String node,
        int attempt,
        JobState outcome,
        Integer exitCode,
        String message,
        long stdoutBytes,
        long stderrBytes,
        boolean truncated,
        long atMillis) {
      this(
          node,
          attempt,
          outcome,
          exitCode,
          message,
          stdoutBytes,
          stderrBytes,
          truncated,
          atMillis,
          null);
    }
  }

  /**
   * The primary takes a job back from a worker that died or never started it: queued again if
   * retries remain, else LOST. With {@code onlyIfUnstarted}, it is refused once the worker has
   * started the attempt (the start and the dispatch timeout can race).
   */
  record Reclaim(long epoch, int attempt, boolean onlyIfUnstarted, String reason, long atMillis)
      implements JobCommand {}

  /**
   * A worker that is stopping cleanly hands back the attempt it killed: the job is queued again
   * without using a retry (it did not fail; its node was taken down).
   */
  record Release(String node, int attempt, String reason, long atMillis) implements JobCommand {}

  /**
   * The primary decides a waiting job's dependencies: they are met ({@code QUEUED}) or can no
   * longer be ({@code CANCELLED}, the reason naming the parent and its state).
   */
  record Resolve(long epoch, JobState to, String reason, long atMillis) implements JobCommand {}

  /** A user holds a job not yet dispatched: it is not dispatched until released. */
  record Hold(long atMillis) implements JobCommand {}

  /**
   * A user releases a held job: queued again, or waiting if it has dependencies (decided again).
   */
  record Unhold(long atMillis) implements JobCommand {}

  /**
   * A user cancels the job; with {@code unstartedOnly}, only if it has not started (a paused
   * schedule's fire made early: once running, it runs).
   */
  record Cancel(long atMillis, boolean unstartedOnly) implements JobCommand {
    /** A user's cancel, whatever the job's state. */
    public Cancel(long atMillis) {
      this(atMillis, false);
    }
  }
}
