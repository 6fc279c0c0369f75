package dev.grid.node;

import java.time.Duration;
import java.util.Objects;

/**
 * The waits a node is built with that are not operator settings: how long joining the cluster looks
 * for the other members, and the fence's quiet time and reclaim grace ({@link NodeFence}).
 * Production nodes use {@link #DEFAULTS}; tests of a grid in one JVM use shorter ones, so that
 * every start and every worker that dies does not cost them seconds of waiting.
 *
 * @param joinTimeout how long a starting member asks the members listed for a master before one
 *     claims the role (Hazelcast's TCP-IP connection timeout); every grid start waits this long
 *     when its members start together. Zero ({@link #formingAlone}): it asks none and forms the
 *     cluster at once, for the first node a test starts in one JVM while none of the others runs
 * @param fenceQuiet how long a node may be silent before its watcher kills its jobs
 * @param reclaimGrace how long the primary waits after a worker left before it takes the worker's
 *     jobs back: longer than {@code fenceQuiet}, with a margin of two fence ticks
 */
record NodeTimings(Duration joinTimeout, Duration fenceQuiet, Duration reclaimGrace) {
  static final NodeTimings DEFAULTS =
      new NodeTimings(Duration.ofSeconds(5), NodeFence.QUIET, NodeFence.RECLAIM_GRACE);

  NodeTimings {
    Objects.requireNonNull(joinTimeout, "joinTimeout");
    Objects.requireNonNull(fenceQuiet, "fenceQuiet");
    Objects.requireNonNull(reclaimGrace, "reclaimGrace");
    if (!joinTimeout.isZero() && joinTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "join timeout "
              + joinTimeout
              + " is under a second: Hazelcast counts it in whole seconds, give 1 s or more");
    }
    Duration minQuiet = NodeFence.TICK.multipliedBy(4);
    if (fenceQuiet.compareTo(minQuiet) < 0) {
      throw new IllegalArgumentException(
          "fence quiet time "
              + fenceQuiet
              + " is under "
              + minQuiet
              + ": a node would find itself frozen between two ticks; give more");
    }
    Duration minGrace = fenceQuiet.plus(NodeFence.TICK.multipliedBy(2));
    if (reclaimGrace.compareTo(minGrace) < 0) {
      throw new IllegalArgumentException(
          "reclaim grace "
              + reclaimGrace
              + " is under "
              + minGrace
              + " (the fence quiet time "
              + fenceQuiet
              + " and two ticks): a cut-off worker could"
              + " still run a job the primary runs again; give a longer grace");
    }
  }

  /**
   * These waits for a node that joins no one: the first of a grid whose other members do not run
   * yet (a test grid in one JVM, started or started again). It forms the cluster at once, where
   * listing the others it asked their closed ports for a master for the join timeout first; the
   * others join it as usual. A node started while any member may run must not use it: it would form
   * a cluster of its own beside theirs.
   */
  NodeTimings formingAlone() {
    return new NodeTimings(Duration.ZERO, fenceQuiet, reclaimGrace);
  }
}
