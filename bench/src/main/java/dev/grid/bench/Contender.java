package dev.grid.bench;

import dev.grid.bench.peers.Workload;
import java.time.Duration;

/** A system {@code bin/bench peers} measures: the grid, or a peer's nodes with a client. */
interface Contender extends AutoCloseable {
  String name();

  /** Submits one job; returns once the system accepted it, not when it ran. */
  void submit(Workload workload, long sequence);

  /**
   * Waits until the {@code submitted} jobs submitted since the last call have all run, polling a
   * few times a second at most; returns the wall time (ms) the last of them ended, as the system
   * recorded it.
   */
  long awaitRan(int submitted, Duration timeout);

  @Override
  void close();
}
