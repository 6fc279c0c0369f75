package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.node.exec.Outcome;
import dev.grid.node.exec.RunResult;
import dev.grid.scheduler.JobRecord;
import java.util.function.Predicate;

/**
 * What the end of a run comes to, for a single job and a task of an array alike: a pure function of
 * how the run ended and what happened to the node meanwhile.
 *
 * <p>A run is never lost and never counted twice against its retries: a run stopped because its
 * node stopped, or because its node was frozen or cut off (so its primary may already be running it
 * elsewhere), did not fail. It is handed back, to be dispatched again without using a retry. Only a
 * cancel the user asked for wins over a stopping node (the end is recorded CANCELLED). Whether the
 * end then uses a retry is for the record's state machine ({@code JobState.next}), not the worker.
 */
final class EndDecision {
  private EndDecision() {}

  /** Which path the run came through. */
  enum Kind {
    /** A job of its own: a failure of the worker itself can still be a hand-back. */
    JOB,
    /** A task of an array: a failure of the worker itself is always recorded (as FAILED). */
    TASK
  }

  /** The node's life when the run ended. */
  enum Node {
    UP,
    /** Closing: its runners killed the processes they ran. */
    STOPPING,
    /** Crashed (a test's simulated SIGKILL): writes nothing more. */
    CRASHED
  }

  /** What to do with the end. */
  enum Verdict {
    /** Nothing: the node crashed, as a killed process would write nothing. */
    WRITE_NOTHING,
    /** Hand the run back: its node stopped and killed it. */
    HAND_BACK_STOPPED,
    /** Hand the run back: its node was frozen or cut off while it ran. */
    HAND_BACK_FENCED,
    /** Record the end (the state {@link #stateOf} says, or FAILED if the worker failed). */
    RECORD_END
  }

  /**
   * Decides what a run's end comes to.
   *
   * @param result how the run ended; null if the worker failed to run it
   * @param workerFailed whether the worker itself failed to run it (to launch it, or to wait)
   * @param fenced whether the node was fenced since the run started, or the run was stopped for it
   * @param cancelRequested asked only when a stopping node killed the run (a read of the record)
   */
  static Verdict decide(
      Kind kind,
      Node node,
      RunResult result,
      boolean workerFailed,
      boolean fenced,
      JobRecord job,
      Predicate<JobRecord> cancelRequested) {
    if (node == Node.CRASHED) {
      return Verdict.WRITE_NOTHING;
    }
    boolean mayHandBack = kind == Kind.JOB || !workerFailed;
    boolean killedByStop = result == null || result.outcome() == Outcome.CANCELLED;
    if (mayHandBack && node == Node.STOPPING && killedByStop && !cancelRequested.test(job)) {
      return Verdict.HAND_BACK_STOPPED;
    }
    if (mayHandBack && fenced && !succeeded(result)) {
      return Verdict.HAND_BACK_FENCED;
    }
    return Verdict.RECORD_END;
  }

  /** Whether the run succeeded: a shell job exited 0, or a Java job returned. */
  static boolean succeeded(RunResult result) {
    return result != null
        && (result.outcome() == Outcome.RETURNED
            || (result.outcome() == Outcome.EXITED
                && result.exitCode() != null
                && result.exitCode() == 0));
  }

  /** The state a run's outcome ends its job in. */
  static JobState stateOf(RunResult result) {
    return switch (result.outcome()) {
      case EXITED ->
          result.exitCode() != null && result.exitCode() == 0
              ? JobState.SUCCEEDED
              : JobState.FAILED;
      case TIMED_OUT -> JobState.TIMED_OUT;
      case CANCELLED -> JobState.CANCELLED;
      case START_FAILED, THREW -> JobState.FAILED;
      case RETURNED -> JobState.SUCCEEDED;
    };
  }

  /** The end's message: the runner's, or for a failure without one, its exit code. */
  static String messageOf(String runnerMessage, JobState state, Integer exitCode) {
    if (runnerMessage == null && state == JobState.FAILED) {
      return "exit code " + exitCode;
    }
    return runnerMessage;
  }
}
