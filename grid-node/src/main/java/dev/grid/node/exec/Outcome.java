package dev.grid.node.exec;

/**
 * How a run of a job ended, as far as its process (or, for a Java job, its thread) is concerned.
 */
public enum Outcome {
  /** The process ran and exited by itself; see the exit code (non-zero is not an error here). */
  EXITED,
  /** The job's timeout ran out and its process tree was killed. */
  TIMED_OUT,
  /** {@link RunningJob#cancel()} or the runner's close killed the process tree. */
  CANCELLED,
  /** No process was started: missing command, missing working directory, or a launch error. */
  START_FAILED,
  /** A Java job's {@code run} returned; its value, if any, is in {@link RunResult#value()}. */
  RETURNED,
  /** A Java job could not be loaded, or its {@code run} threw; the message says which. */
  THREW
}
