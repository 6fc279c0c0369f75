package dev.grid.node.exec;

import java.util.concurrent.CompletableFuture;

/** A job whose process has been started (or has failed to start) by a {@link ProcessRunner}. */
public interface RunningJob {

  /**
   * Kills the job's whole process tree (SIGTERM, then SIGKILL after a short grace); the result then
   * completes as {@link Outcome#CANCELLED}. Returns at once; idempotent; does nothing once the
   * job's main process has exited.
   */
  void cancel();

  /** Completes once the job has ended and its output has been collected; never exceptionally. */
  CompletableFuture<RunResult> result();

  /** The pid of the job's main process (also its session id when run under setsid), or -1. */
  long pid();

  /**
   * How many bytes of stdout (or stderr) the job has written so far that are kept (up to the output
   * cap); 0 for a run that does not show its output before it ends (a Java job in the node's JVM).
   */
  default long keptSoFar(boolean stderr) {
    return 0;
  }

  /** The kept bytes of stdout (or stderr) so far: {@link #keptSoFar} of them, or more. */
  default byte[] outputSoFar(boolean stderr) {
    return new byte[0];
  }
}
