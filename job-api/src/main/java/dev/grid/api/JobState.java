package dev.grid.api;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Where a job is in its life. The one table of allowed changes is {@link #next()}:
 *
 * <pre>
 * [WAITING ->] QUEUED -> DISPATCHED -> RUNNING -> SUCCEEDED | FAILED | TIMED_OUT | CANCELLED | LOST
 * </pre>
 *
 * plus hold and release: a job not yet dispatched ({@code WAITING} or {@code QUEUED}) can be put
 * {@code HELD} by a user, or submitted so ({@code --hold}); a release puts it back ({@code WAITING}
 * if it has dependencies, which are then decided again, else {@code QUEUED}). {@code HELD} comes
 * last among the constants only so that stored states keep their numbers.
 *
 * <p>plus the ways back and out: a job whose worker died goes back to {@code QUEUED} (retry) or
 * ends {@code LOST}; any job not yet ended can be {@code CANCELLED}. Only a job submitted with
 * dependencies starts {@code WAITING}; it becomes {@code QUEUED} once they are met, or ends {@code
 * CANCELLED} (with the parent and its state in the message) once they cannot be.
 */
public enum JobState {
  /** Accepted, waiting for the jobs it depends on ({@code --after}); not dispatched before. */
  WAITING,
  /** Accepted and waiting for a worker with a free slot. */
  QUEUED,
  /** Handed to a worker by the primary; the worker has not started it yet. */
  DISPATCHED,
  /** Its process (or Java job) is running on a worker. */
  RUNNING,
  /** Ended with exit code 0. */
  SUCCEEDED,
  /** Ended with a non-zero exit code, or could not be started (the record says why). */
  FAILED,
  /** Killed, with its whole process tree, because it ran past its timeout. */
  TIMED_OUT,
  /** Cancelled by a user; a running job's process tree was killed. */
  CANCELLED,
  /** Its worker died and it had no retries left. */
  LOST,
  /** Held by a user (or submitted held): not dispatched until released ({@code bin/release}). */
  HELD;

  /** The states this one may change to; empty for a terminal state. */
  public Set<JobState> next() {
    return switch (this) {
      case WAITING -> EnumSet.of(QUEUED, CANCELLED, HELD);
      case QUEUED -> EnumSet.of(DISPATCHED, CANCELLED, HELD);
      case HELD -> EnumSet.of(QUEUED, WAITING, CANCELLED);
      case DISPATCHED -> EnumSet.of(RUNNING, QUEUED, FAILED, CANCELLED, LOST);
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, QUEUED, LOST);
      case SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST -> EnumSet.noneOf(JobState.class);
    };
  }

  /** The states of a job that has not ended, in declaration order. */
  public static List<JobState> unfinished() {
    return Arrays.stream(values()).filter(s -> !s.isTerminal()).toList();
  }

  /** Whether a change from this state to {@code to} is allowed. */
  public boolean canMoveTo(JobState to) {
    return next().contains(to);
  }

  /** Whether the job has ended; a terminal state never changes again. */
  public boolean isTerminal() {
    return next().isEmpty();
  }

  /** Whether the job holds a slot on a worker (dispatched or running). */
  public boolean isActive() {
    return this == DISPATCHED || this == RUNNING;
  }

  /** Parses a state name given by a user, in any case; a bad one is named in the error. */
  public static JobState parse(String name) {
    for (JobState s : values()) {
      if (s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "job state '" + name + "' is not known: use one of " + Arrays.toString(values()));
  }
}
