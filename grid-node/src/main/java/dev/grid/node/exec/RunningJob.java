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
}
