package dev.grid.api;

/**
 * Where a drained node is on its way out of service ({@code bin/drain NODE}, as Slurm's {@code
 * scontrol update nodename=X state=drain}): the primary gives it no new work, and what it runs ends
 * normally.
 *
 * <p>A node that is not drained has no drain state ({@link NodeInfo#drain()} is null).
 */
public enum DrainState {
  /** Drained, and still running work it was given before: not yet safe to stop. */
  DRAINING,
  /** Drained and idle: it can be stopped without cutting any job short. */
  DRAINED
}
