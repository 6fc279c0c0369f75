package dev.grid.scheduler;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.List;

/**
 * A job as the grid stores it in the replicated {@code jobs} map: the spec, where it is, and its
 * whole history. Immutable; every change goes through {@link JobUpdate}, which checks the
 * transition table and the fencing rules.
 *
 * @param id the job's id
 * @param spec what it runs
 * @param state where it is now
 * @param node the worker it was last dispatched to, or null
 * @param workerId the Hazelcast member id of that worker's process; a restarted node is a new
 *     worker, so jobs of its previous life are reclaimed
 * @param attempt the dispatch attempt: 0 while never dispatched, +1 on each dispatch
 * @param epoch the highest primary epoch that has written this record (the fence)
 * @param retriesUsed retries consumed after a worker died under the job
 * @param cancelRequested a user asked to cancel while it ran; the worker ends it CANCELLED
 * @param exitCode the exit code once ended, or null
 * @param message why it ended as it did, or null
 * @param submittedAtMillis when it was accepted
 * @param startedAtMillis when its latest attempt started running, or null
 * @param endedAtMillis when it ended, or null
 * @param stdoutBytes bytes of stdout kept
 * @param stderrBytes bytes of stderr kept
 * @param truncated whether output passed the cap
 * @param version +1 on every change; lets a reader keep the newest of two copies
 * @param history every state change, oldest first
 */
public record JobRecord(
    JobId id,
    JobSpec spec,
    JobState state,
    String node,
    String workerId,
    int attempt,
    long epoch,
    int retriesUsed,
    boolean cancelRequested,
    Integer exitCode,
    String message,
    long submittedAtMillis,
    Long startedAtMillis,
    Long endedAtMillis,
    long stdoutBytes,
    long stderrBytes,
    boolean truncated,
    long version,
    List<JobEvent> history) {

  /** Copies the history into a plain list (Kryo cannot read unmodifiable wrappers). */
  public JobRecord {
    history = new ArrayList<>(history);
  }

  /** A newly accepted job. */
  public static JobRecord queued(JobId id, JobSpec spec, long nowMillis) {
    return new JobRecord(
        id, spec, JobState.QUEUED, null, null, 0, 0, 0, false, null, null, nowMillis, null, null, 0, 0,
        false, 0, List.of(new JobEvent(JobState.QUEUED, nowMillis, null, 0, 0, null)));
  }

  /** The job as clients see it. */
  public JobInfo toInfo() {
    return new JobInfo(
        id, state, node, attempt, exitCode, message, spec, submittedAtMillis, startedAtMillis,
        endedAtMillis, stdoutBytes, stderrBytes, truncated, history);
  }

  /** A copy moved to {@code to}, with a history entry; callers have checked the change is legal. */
  JobRecord moveTo(JobState to, long atMillis, String atNode, int newAttempt, long newEpoch,
      String why) {
    return moveTo(to, atMillis, atNode, workerId, newAttempt, newEpoch, why);
  }

  JobRecord moveTo(JobState to, long atMillis, String atNode, String atWorker, int newAttempt,
      long newEpoch, String why) {
    List<JobEvent> h = new ArrayList<>(history);
    h.add(new JobEvent(to, atMillis, atNode, newAttempt, newEpoch, why));
    return new JobRecord(id, spec, to, atNode, atWorker, newAttempt, newEpoch, retriesUsed, cancelRequested,
        exitCode, why, submittedAtMillis, startedAtMillis, endedAtMillis, stdoutBytes, stderrBytes,
        truncated, version + 1, h);
  }

  JobRecord withRetriesUsed(int n) {
    return new JobRecord(id, spec, state, node, workerId, attempt, epoch, n, cancelRequested, exitCode,
        message, submittedAtMillis, startedAtMillis, endedAtMillis, stdoutBytes, stderrBytes,
        truncated, version, history);
  }

  JobRecord withCancelRequested() {
    return new JobRecord(id, spec, state, node, workerId, attempt, epoch, retriesUsed, true, exitCode,
        message, submittedAtMillis, startedAtMillis, endedAtMillis, stdoutBytes, stderrBytes,
        truncated, version + 1, history);
  }

  JobRecord withStart(long atMillis) {
    return new JobRecord(id, spec, state, node, workerId, attempt, epoch, retriesUsed, cancelRequested,
        exitCode, message, submittedAtMillis, atMillis, null, stdoutBytes, stderrBytes, truncated,
        version, history);
  }

  JobRecord withEnd(Integer code, long atMillis, long out, long err, boolean cut) {
    return new JobRecord(id, spec, state, node, workerId, attempt, epoch, retriesUsed, cancelRequested, code,
        message, submittedAtMillis, startedAtMillis, atMillis, out, err, cut, version, history);
  }
}
