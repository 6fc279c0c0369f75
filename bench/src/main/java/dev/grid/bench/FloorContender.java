package dev.grid.bench;

import com.hazelcast.map.IMap;
import dev.grid.bench.peers.Workload;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The floor of {@code bin/bench peers}: what one client thread gets from Hazelcast itself when each
 * submit is one replicated write and nothing more. Three bare member processes ({@link
 * RawExecutorRun}, the grid's member settings, one synchronous backup); a "submit" is an {@code
 * IMap.set} of a {@value #VALUE_BYTES}-byte value (about a job record's size) from this JVM, which
 * joins as a lite member so that every write crosses a socket, as a grid submit does. Nothing runs.
 *
 * <p>A grid submit returns once its record is written to its owner and its backup (so that it
 * survives the loss of any one node); the grid adds an HTTP call, the record and the run of the
 * job. So no grid built on these maps, taking jobs one at a time from one client thread, exceeds
 * this rate: it bounds what the peers' targets can ask of it on this machine.
 */
final class FloorContender implements Contender {
  static final int VALUE_BYTES = 400;

  /** Writes made at the start, untimed: the bench's own warm-up is sized for slower systems. */
  static final int WARM_UP_WRITES = 5_000;

  private final RawExecutorRun members;
  private final IMap<Long, byte[]> map;
  private final byte[] value = new byte[VALUE_BYTES];

  private FloorContender(RawExecutorRun members) {
    this.members = members;
    this.map = members.map("floor");
    for (long i = 0; i < WARM_UP_WRITES; i++) {
      map.set(-1 - i, value);
    }
  }

  /** Starts {@code nodes} bare members, logging to {@code dir}. */
  static FloorContender start(Path dir, int nodes) {
    RawExecutorRun members = RawExecutorRun.start(dir, nodes);
    try {
      return new FloorContender(members);
    } catch (RuntimeException e) {
      members.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return PeerFigures.FLOOR;
  }

  @Override
  public void submit(Workload workload, long sequence) {
    map.set(sequence, value);
  }

  /** Every write was made when its {@code set} returned: nothing is left to run. */
  @Override
  public long awaitRan(int submitted, Duration timeout) {
    return System.currentTimeMillis();
  }

  @Override
  public void close() {
    members.close();
  }
}
