package dev.grid.scheduler.lease;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A few {@link LeaseNode}s on one manual clock and a FIFO network the test steers: messages wait
 * until {@link #deliver()} and can be dropped per node; time moves only by {@link #advance}.
 */
final class ManualCluster {
  static final LeaseTiming TIMING = LeaseTiming.of(Duration.ofSeconds(2));

  private record InFlight(int from, int to, LeaseMessage message) {}

  final Configuration initial;
  final MemoryPromiseStore[] stored;
  final LeaseNode[] nodes;
  final List<String> roles = new ArrayList<>();
  private final boolean[] cut;
  private final Deque<InFlight> wire = new ArrayDeque<>();
  private final SplittableRandom random = new SplittableRandom(1);
  private long now = 1_000_000_000L;

  ManualCluster(int size) {
    this(size, size);
  }

  /** {@code size} nodes, the first {@code voters} of them the voters of version 0. */
  ManualCluster(int size, int voters) {
    initial = Configuration.initial(voters);
    stored = new MemoryPromiseStore[size];
    nodes = new LeaseNode[size];
    cut = new boolean[size];
    for (int i = 0; i < size; i++) {
      stored[i] = new MemoryPromiseStore();
      start(i);
    }
  }

  /** (Re)starts node {@code i} with its stored promise; its voter is quiet for a lease time. */
  void start(int i) {
    Proposer.Roles log =
        new Proposer.Roles() {
          @Override
          public void onPrimary(long epoch) {
            roles.add(i + " primary " + Ballot.format(epoch));
          }

          @Override
          public void onNotPrimary(long epoch) {
            roles.add(i + " not primary " + Ballot.format(epoch));
          }
        };
    nodes[i] =
        new LeaseNode(
            i,
            initial,
            TIMING,
            () -> now,
            random.split(),
            stored[i],
            (to, m) -> wire.add(new InFlight(i, to, m)),
            log);
    nodes[i].start();
  }

  /** Node {@code i} neither sends nor receives while cut. */
  void cut(int i, boolean isCut) {
    cut[i] = isCut;
  }

  /** Delivers every message in flight, and those they cause, in order. */
  void deliver() {
    while (!wire.isEmpty()) {
      InFlight m = wire.poll();
      if (!cut[m.from] && !cut[m.to]) {
        nodes[m.to].receive(m.message);
      }
    }
  }

  /** Moves time forward by {@code nanos}, waking nodes when they asked and delivering at once. */
  void advance(long nanos) {
    long end = now + nanos;
    while (true) {
      long next = end;
      for (int i = 0; i < nodes.length; i++) {
        if (!cut[i] && nodes[i].nextWakeNanos() - next < 0) {
          next = nodes[i].nextWakeNanos();
        }
      }
      now = Math.max(now, next);
      for (int i = 0; i < nodes.length; i++) {
        if (!cut[i] && nodes[i].nextWakeNanos() - now <= 0) {
          nodes[i].tick();
        }
      }
      deliver();
      if (now - end >= 0) {
        return;
      }
    }
  }

  void advance(Duration duration) {
    advance(duration.toNanos());
  }

  /** The nodes that count themselves primary now. */
  List<Integer> primaries() {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].isPrimary()) {
        found.add(i);
      }
    }
    return found;
  }

  long now() {
    return now;
  }
}
