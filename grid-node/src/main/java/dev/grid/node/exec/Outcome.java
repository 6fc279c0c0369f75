package dev.grid.node.exec;

/** How a run of a shell job ended, as far as the process is concerned. */
public enum Outcome {
  /** The process ran and exited by itself; see the exit code (non-zero is not an error here). */
  EXITED,
  /** The job's timeout ran out and its process tree was killed. */
  TIMED_OUT,
  /** {@link RunningJob#cancel()} or the runner's close killed the process tree. */
  CANCELLED,
  /** No process was started: missing command, missing working directory, or a launch error. */
  START_FAILED
}
