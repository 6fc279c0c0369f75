package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.HELD;
import static dev.grid.api.JobState.LOST;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.TIMED_OUT;
import static dev.grid.api.JobState.WAITING;

import dev.grid.api.JobEvent;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The one place a job record changes: a pure function from (record, command) to the new record or a
 * refusal. {@link JobUpdateProcessor} runs it inside Hazelcast, on the partition that owns the
 * record, so commands on one job are applied one at a time.
 *
 * <p>Fencing. Two primaries can overlap in belief (a paused one wakes up still thinking it leads),
 * and a worker can be slow to learn it was replaced. The rules below make such stale writers
 * harmless:
 *
 * <ul>
 *   <li>A record remembers the highest epoch that wrote it. A primary command ({@code Dispatch},
 *       {@code Reclaim}) with a lower epoch is refused: once a newer primary has touched a job, an
 *       older one can no longer move it.
 *   <li>Every dispatch raises the attempt. Worker commands ({@code Start}, {@code Finish}) name the
 *       node and attempt they were given and are refused if the record has moved on, so a worker
 *       that was written off cannot start, or finish, a later attempt.
 *   <li>A worker starts a process only after its {@code Start} was applied. With the attempt check
 *       this means at most one process runs per attempt, and an attempt is reclaimed only from a
 *       worker that is gone (or that never started it), so a job never runs twice at the same time
 *       while workers that are gone are really gone.
 * </ul>
 *
 * Workers also refuse a dispatch whose epoch is lower than the highest they have seen, so a stale
 * primary's hand-off is dropped at the worker too; the new primary reclaims such jobs after the
 * dispatch timeout.
 */
public final class JobUpdate {

  private JobUpdate() {}

  /** Applies the command to the record ({@code null} if the job does not exist). */
  public static UpdateResult apply(JobRecord r, JobCommand command) {
    if (r == null) {
      return UpdateResult.refused(null, "no such job");
    }
    if (command instanceof JobCommand.Dispatch d) {
      return dispatch(r, d);
    } else if (command instanceof JobCommand.Start s) {
      return start(r, s);
    } else if (command instanceof JobCommand.Finish f) {
      return finish(r, f);
    } else if (command instanceof JobCommand.Reclaim c) {
      return reclaim(r, c);
    } else if (command instanceof JobCommand.Cancel c) {
      return cancel(r, c);
    } else if (command instanceof JobCommand.Release c) {
      return release(r, c);
    } else if (command instanceof JobCommand.Resolve c) {
      return resolve(r, c);
    } else if (command instanceof JobCommand.Hold c) {
      return hold(r, c);
    } else if (command instanceof JobCommand.Unhold c) {
      return unhold(r, c);
    }
    throw new IllegalArgumentException("unknown job command " + command);
  }

  private static UpdateResult dispatch(JobRecord r, JobCommand.Dispatch d) {
    if (d.epoch() < r.epoch()) {
      return UpdateResult.refused(r, "stale epoch " + d.epoch() + " < " + r.epoch());
    }
    if (r.state() != QUEUED) {
      return UpdateResult.refused(r, "not queued but " + r.state());
    }
    if (r.retryAtMillis() != null && d.atMillis() < r.retryAtMillis()) {
      return UpdateResult.refused(r, "its backoff lasts until " + r.retryAtMillis());
    }
    return UpdateResult.applied(
        check(r, DISPATCHED)
            .moveTo(
                DISPATCHED,
                d.atMillis(),
                d.node(),
                d.workerId(),
                r.attempt() + 1,
                d.epoch(),
                null));
  }

  private static UpdateResult start(JobRecord r, JobCommand.Start s) {
    if (!sameAttempt(r, s.node(), s.attempt())) {
      return UpdateResult.refused(r, "attempt " + s.attempt() + " on " + s.node() + " is stale");
    }
    if (r.state() != DISPATCHED) {
      return UpdateResult.refused(r, "not dispatched but " + r.state());
    }
    JobRecord moved =
        check(r, RUNNING).moveTo(RUNNING, s.atMillis(), r.node(), r.attempt(), r.epoch(), null);
    return UpdateResult.applied(moved.withStart(s.atMillis()));
  }

  private static UpdateResult finish(JobRecord r, JobCommand.Finish f) {
    if (!sameAttempt(r, f.node(), f.attempt())) {
      return UpdateResult.refused(r, "attempt " + f.attempt() + " on " + f.node() + " is stale");
    }
    if (r.state() != RUNNING && r.state() != DISPATCHED) {
      return UpdateResult.refused(r, "not running but " + r.state());
    }
    if (!f.outcome().isTerminal() || f.outcome() == LOST) {
      throw new IllegalArgumentException("a worker cannot end a job " + f.outcome());
    }
    if (retriesAfter(r, f)) {
      return UpdateResult.applied(retryLater(r, f));
    }
    JobRecord moved =
        check(r, f.outcome())
            .moveTo(
                f.outcome(),
                f.atMillis(),
                r.node(),
                r.workerId(),
                r.attempt(),
                r.epoch(),
                f.message(),
                f.exitCode());
    return UpdateResult.applied(
        moved
            .withEnd(f.exitCode(), f.atMillis(), f.stdoutBytes(), f.stderrBytes(), f.truncated())
            .withUsageOf(f.usage()));
  }

  /**
   * Whether an attempt that ended so is run again: it failed or timed out, its spec retries on
   * that, retries remain, and it is neither a cron fire (run at most once) nor cancelled.
   */
  private static boolean retriesAfter(JobRecord r, JobCommand.Finish f) {
    RetryOn cause =
        switch (f.outcome()) {
          case FAILED -> RetryOn.FAILED;
          case TIMED_OUT -> RetryOn.TIMEOUT;
          default -> null;
        };
    return cause != null
        && r.spec().retriesOn(cause)
        && r.retriesUsed() < r.spec().maxRetries()
        && !r.cancelRequested()
        && !isCronFire(r);
  }

  /**
   * Queues the job again after a failed or timed-out attempt, to be dispatched once its backoff is
   * over. The attempt's exit code and message stay in its history entry; its output stays under its
   * attempt number.
   */
  private static JobRecord retryLater(JobRecord r, JobCommand.Finish f) {
    int retry = r.retriesUsed() + 1;
    long delay = r.spec().backoffOrDefault().delayMillis(retry, r.id().value());
    String ended =
        f.message() != null
            ? f.message()
            : f.outcome() == TIMED_OUT ? "timed out" : "exit code " + f.exitCode();
    String why =
        ended
            + "; retry "
            + retry
            + " of "
            + r.spec().maxRetries()
            + (delay == 0 ? " at once" : String.format(Locale.ROOT, " in %.1f s", delay / 1000.0));
    return check(r, QUEUED)
        .moveTo(
            QUEUED, f.atMillis(), r.node(), r.workerId(), r.attempt(), r.epoch(), why, f.exitCode())
        .withRetriesUsed(retry)
        .withRetryAt(f.atMillis() + delay)
        .withUsageOf(f.usage());
  }

  private static UpdateResult reclaim(JobRecord r, JobCommand.Reclaim c) {
    if (c.epoch() < r.epoch()) {
      return UpdateResult.refused(r, "stale epoch " + c.epoch() + " < " + r.epoch());
    }
    if (!r.state().isActive() || r.attempt() != c.attempt()) {
      return UpdateResult.refused(r, "attempt " + c.attempt() + " is no longer active");
    }
    if (c.onlyIfUnstarted() && r.state() != DISPATCHED) {
      return UpdateResult.refused(r, "attempt " + c.attempt() + " has started");
    }
    if (r.cancelRequested()) {
      return UpdateResult.applied(
          check(r, CANCELLED)
              .moveTo(
                  CANCELLED,
                  c.atMillis(),
                  r.node(),
                  r.attempt(),
                  c.epoch(),
                  "cancelled; " + c.reason())
              .withEnd(null, c.atMillis(), 0, 0, false));
    }
    // A job that never started has not used a retry: hand it out again for free.
    boolean ran = r.state() == RUNNING;
    if (ran && isCronFire(r)) {
      return UpdateResult.applied(endAtMostOnce(r, c.reason(), c.atMillis(), c.epoch()));
    }
    if (ran && r.retriesUsed() >= r.spec().maxRetries()) {
      String why = c.reason() + "; no retries left (maxRetries " + r.spec().maxRetries() + ")";
      return UpdateResult.applied(
          check(r, LOST)
              .moveTo(LOST, c.atMillis(), r.node(), r.attempt(), c.epoch(), why)
              .withEnd(null, c.atMillis(), 0, 0, false));
    }
    String why =
        ran
            ? c.reason() + "; retry " + (r.retriesUsed() + 1) + " of " + r.spec().maxRetries()
            : c.reason() + "; dispatching again";
    JobRecord moved =
        check(r, QUEUED).moveTo(QUEUED, c.atMillis(), r.node(), r.attempt(), c.epoch(), why);
    return UpdateResult.applied(ran ? moved.withRetriesUsed(r.retriesUsed() + 1) : moved);
  }

  private static UpdateResult release(JobRecord r, JobCommand.Release c) {
    if (!sameAttempt(r, c.node(), c.attempt()) || !r.state().isActive()) {
      return UpdateResult.refused(r, "attempt " + c.attempt() + " on " + c.node() + " is stale");
    }
    if (r.cancelRequested()) {
      return UpdateResult.applied(
          check(r, CANCELLED)
              .moveTo(
                  CANCELLED,
                  c.atMillis(),
                  r.node(),
                  r.attempt(),
                  r.epoch(),
                  "cancelled; " + c.reason())
              .withEnd(null, c.atMillis(), 0, 0, false));
    }
    if (r.state() == RUNNING && isCronFire(r)) {
      return UpdateResult.applied(endAtMostOnce(r, c.reason(), c.atMillis(), r.epoch()));
    }
    return UpdateResult.applied(
        check(r, QUEUED)
            .moveTo(
                QUEUED,
                c.atMillis(),
                r.node(),
                r.attempt(),
                r.epoch(),
                c.reason() + "; dispatching again"));
  }

  /** Whether the job is a schedule's fire (its id says so: see {@link CronFire}). */
  private static boolean isCronFire(JobRecord r) {
    return CronFire.of(r.id()).isPresent();
  }

  /**
   * Ends a cron fire whose run was interrupted (its worker died, was cut off or stopped): a fire
   * runs at most once, and the run may have done part or all of its work, so it is not run again,
   * whatever its retries. It ends LOST, which the schedule's runs show.
   */
  private static JobRecord endAtMostOnce(JobRecord r, String reason, long atMillis, long epoch) {
    return check(r, LOST)
        .moveTo(
            LOST,
            atMillis,
            r.node(),
            r.attempt(),
            epoch,
            reason + "; " + JobInfo.CRON_AT_MOST_ONCE + ", so it is not run again")
        .withEnd(null, atMillis, 0, 0, false);
  }

  private static UpdateResult resolve(JobRecord r, JobCommand.Resolve c) {
    if (c.epoch() < r.epoch()) {
      return UpdateResult.refused(r, "stale epoch " + c.epoch() + " < " + r.epoch());
    }
    if (r.state() != WAITING) {
      return UpdateResult.refused(r, "not waiting but " + r.state());
    }
    if (c.to() != QUEUED && c.to() != CANCELLED) {
      throw new IllegalArgumentException("dependencies cannot end a job " + c.to());
    }
    JobRecord moved =
        check(r, c.to()).moveTo(c.to(), c.atMillis(), null, r.attempt(), c.epoch(), c.reason());
    return UpdateResult.applied(
        c.to() == CANCELLED ? moved.withEnd(null, c.atMillis(), 0, 0, false) : moved);
  }

  private static UpdateResult hold(JobRecord r, JobCommand.Hold c) {
    if (r.state() == HELD) {
      return UpdateResult.refused(r, "already held");
    }
    if (r.state() != QUEUED && r.state() != WAITING) {
      return UpdateResult.refused(
          r, "it is " + r.state() + ": only a job not yet dispatched can be held");
    }
    return UpdateResult.applied(
        check(r, HELD)
            .moveTo(
                HELD,
                c.atMillis(),
                null,
                r.attempt(),
                r.epoch(),
                "held by a user (bin/release " + r.id() + ")"));
  }

  private static UpdateResult unhold(JobRecord r, JobCommand.Unhold c) {
    if (r.state() != HELD) {
      return UpdateResult.refused(r, "it is " + r.state() + ", not held");
    }
    JobState to = heldFrom(r);
    return UpdateResult.applied(
        check(r, to)
            .moveTo(
                to,
                c.atMillis(),
                null,
                r.attempt(),
                r.epoch(),
                to == WAITING ? "released; still waiting for its dependencies" : "released"));
  }

  /**
   * The state a held job goes back to: the one it was held from (a job whose dependencies were met
   * stays met, even if its parents have expired since), or for a job submitted held, WAITING if it
   * has dependencies, else QUEUED.
   */
  private static JobState heldFrom(JobRecord r) {
    List<JobEvent> h = r.history();
    for (int i = h.size() - 1; i > 0; i--) {
      if (h.get(i).state() == HELD) {
        JobState before = h.get(i - 1).state();
        return before == WAITING ? WAITING : QUEUED;
      }
    }
    return r.spec().after() == null ? QUEUED : WAITING;
  }

  private static UpdateResult cancel(JobRecord r, JobCommand.Cancel c) {
    if (r.state().isTerminal()) {
      return UpdateResult.refused(r, "already " + r.state());
    }
    if (r.state() == RUNNING && c.unstartedOnly()) {
      return UpdateResult.refused(r, "started already");
    }
    if (r.state() == RUNNING) {
      return r.cancelRequested()
          ? UpdateResult.refused(r, "cancel already requested")
          : UpdateResult.applied(r.withCancelRequested());
    }
    return UpdateResult.applied(
        check(r, CANCELLED)
            .moveTo(CANCELLED, c.atMillis(), r.node(), r.attempt(), r.epoch(), "cancelled by user")
            .withEnd(null, c.atMillis(), 0, 0, false));
  }

  private static boolean sameAttempt(JobRecord r, String node, int attempt) {
    return r.attempt() == attempt && Objects.equals(r.node(), node);
  }

  private static JobRecord check(JobRecord r, JobState to) {
    if (!r.state().canMoveTo(to)) {
      throw new IllegalStateException(
          "job " + r.id() + " cannot move from " + r.state() + " to " + to);
    }
    return r;
  }
}
