package dev.grid.scheduler.lease;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic simulation of the lease protocol: the real {@link LeaseNode}s over a network that
 * loses, delays, duplicates and reorders messages, nodes that crash and restart (the stored promise
 * survives, nothing else) or close gracefully, and clocks that drift within {@link
 * LeaseTiming#MAX_DRIFT}. Everything follows from the seed. After a fault phase the network calms
 * down and every node is up, so someone should become primary.
 */
final class LeaseSimulation {
  static final LeaseTiming TIMING = LeaseTiming.of(Duration.ofSeconds(2));
  private static final long T = TIMING.leaseNanos();
  private static final long MS = 1_000_000;
  private static final long CALM = 8 * T;
  private static final int PRIMARY = -1;

  /** Which voter to run: the real one, or one that is broken on purpose. */
  enum Variant {
    CORRECT,
    VOTERS_IGNORE_PROMISES
  }

  /** How one schedule went. */
  record Result(
      long seed, String setup, List<String> violations, boolean live, LeaseHistory history) {
    boolean ok() {
      return violations.isEmpty() && live;
    }

    String describe() {
      return "seed "
          + seed
          + " ("
          + setup
          + "): "
          + (live ? "" : "no primary after the faults stopped; ")
          + String.join("; ", violations.subList(0, Math.min(5, violations.size())))
          + " -- rerun with -Dlease.seed="
          + seed;
    }
  }

  private sealed interface Event permits Deliver, Wake, Crash, Close, Restart, Cut, Pause {}

  /** Node {@code node} crashes; {@code -1} means whichever node is primary then, if any. */
  private record Deliver(int to, LeaseMessage message) implements Event {}

  private record Wake(int node, long token) implements Event {}

  private record Crash(int node) implements Event {}

  private record Close(int node) implements Event {}

  private record Restart(int node) implements Event {}

  /** The links from each node in {@code from} to each node in {@code to} drop all until then. */
  private record Cut(List<Integer> from, List<Integer> to, long until) implements Event {}

  /** The node handles nothing until then (a long GC pause, SIGSTOP), its timers still run. */
  private record Pause(int node, long until) implements Event {}

  private record Scheduled(long at, long seq, Event event) {}

  private final class SimNode implements Proposer.Roles {
    final int index;
    final SimClock clock;
    long stored; // the "file": survives crashes
    LeaseNode node;
    long wakeToken;
    long wakeAt = -1;
    boolean wasTarget;
    long pausedUntil;

    SimNode(int index, SimClock clock) {
      this.index = index;
      this.clock = clock;
    }

    long now() {
      return clock.local(LeaseSimulation.this.now);
    }

    void start() {
      PromiseStore store =
          new PromiseStore() {
            @Override
            public long load() {
              return stored;
            }

            @Override
            public void store(long ballot) {
              stored = ballot;
            }
          };
      Acceptor acceptor =
          variant == Variant.VOTERS_IGNORE_PROMISES
              ? new Acceptor(index, store, this::now, TIMING) {
                @Override
                boolean admits(long ballot) {
                  return true;
                }
              }
              : new Acceptor(index, store, this::now, TIMING);
      SplittableRandom own = random.split();
      node =
          new LeaseNode(
              index, voters, TIMING, this::now, own, acceptor, (to, m) -> send(index, to, m), this);
      node.start();
      wakeAt = -1;
      settle(this);
    }

    @Override
    public void onPrimary(long epoch) {
      history.begin(index, epoch, LeaseSimulation.this.now);
    }

    @Override
    public void onNotPrimary(long epoch) {
      history.end(index, LeaseSimulation.this.now);
    }
  }

  private final long seed;
  private final Variant variant;
  private final SplittableRandom random;
  private final int voters;
  private final SimNode[] nodes;
  private final long[][] linkDownUntil;
  private final LeaseHistory history;
  private final PriorityQueue<Scheduled> queue =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long seq;
  private long now;

  // The network while faults last; calm afterwards.
  private final double loss;
  private final double duplication;
  private final long maxDelay;
  private final double longDelay;
  private final long calmAt;
  private final String setup;

  private LeaseSimulation(long seed, Variant variant) {
    this.seed = seed;
    this.variant = variant;
    this.random = new SplittableRandom(seed);
    this.voters = random.nextBoolean() ? 3 : 5;
    this.loss = random.nextInt(4) == 0 ? 0 : random.nextDouble(0.3);
    this.duplication = random.nextInt(3) == 0 ? 0 : random.nextDouble(0.2);
    long[] delays = {MS, 10 * MS, T / 10, T / 2, 2 * T};
    this.maxDelay = delays[random.nextInt(delays.length)];
    this.longDelay = new double[] {0, 0.01, 0.05}[random.nextInt(3)];
    this.calmAt = 4 * T + random.nextLong(8 * T);
    this.history = new LeaseHistory(voters);
    this.nodes = new SimNode[voters];
    this.linkDownUntil = new long[voters][voters];
    StringBuilder drift = new StringBuilder();
    long maxPpm = Math.round(LeaseTiming.MAX_DRIFT * 1_000_000);
    for (int i = 0; i < voters; i++) {
      long ppm =
          random.nextBoolean()
              ? (random.nextBoolean() ? maxPpm : -maxPpm)
              : random.nextLong(-maxPpm, maxPpm + 1);
      nodes[i] = new SimNode(i, new SimClock(random.nextLong(-(1L << 60), 1L << 60), ppm));
      drift.append(i == 0 ? "" : ",").append(ppm);
    }
    this.setup =
        String.format(
            "%d voters, loss %.2f, duplication %.2f, delay up to %d ms, long delays %.2f,"
                + " faults until %d ms, drift ppm %s",
            voters, loss, duplication, maxDelay / MS, longDelay, calmAt / MS, drift);
  }

  /** Runs the schedule of {@code seed}. */
  static Result run(long seed, Variant variant) {
    return new LeaseSimulation(seed, variant).run();
  }

  private Result run() {
    for (SimNode node : nodes) {
      schedule(random.nextLong(T), new Restart(node.index));
    }
    planFaults();
    long end = calmAt + CALM;
    while (!queue.isEmpty() && queue.peek().at < end) {
      Scheduled next = queue.poll();
      now = next.at;
      handle(next.event);
    }
    for (SimNode node : nodes) {
      history.end(node.index, end);
    }
    boolean live = history.anyPrimaryBetween(end - T, end);
    return new Result(seed, setup, history.violations(), live, history);
  }

  private void planFaults() {
    int faults = random.nextInt(3 * voters + 1);
    for (int i = 0; i < faults; i++) {
      long at = random.nextLong(calmAt);
      int node = random.nextInt(voters);
      if (random.nextBoolean()) {
        node = PRIMARY; // aim at whoever holds the lease then
      }
      schedule(at, random.nextInt(4) == 0 ? new Close(node) : new Crash(node));
      schedule(at + random.nextLong(random.nextBoolean() ? T / 2 : 3 * T), new Restart(node));
    }
    int cuts = random.nextInt(5);
    for (int i = 0; i < cuts; i++) {
      long at = random.nextLong(calmAt);
      long until = at + T / 2 + random.nextLong(4 * T);
      List<Integer> side = new ArrayList<>();
      List<Integer> rest = new ArrayList<>();
      for (int node = 0; node < voters; node++) {
        (random.nextBoolean() ? side : rest).add(node);
      }
      schedule(at, new Cut(side, rest, until));
      if (random.nextInt(3) > 0) { // mostly both ways, sometimes one way only
        schedule(at, new Cut(rest, side, until));
      }
    }
    int pauses = random.nextInt(3);
    for (int i = 0; i < pauses; i++) {
      long at = random.nextLong(calmAt);
      schedule(at, new Pause(random.nextInt(voters), at + random.nextLong(2 * T)));
    }
    if (random.nextInt(5) == 0) { // the whole grid stops at once, then comes back
      long at = random.nextLong(calmAt);
      for (int node = 0; node < voters; node++) {
        schedule(at, new Crash(node));
        schedule(at + random.nextLong(3 * T), new Restart(node));
      }
    }
  }

  private void handle(Event event) {
    if (event instanceof Deliver d) {
      SimNode node = nodes[d.to];
      if (node.pausedUntil > now) {
        schedule(node.pausedUntil, event);
      } else if (node.node != null) {
        node.node.receive(d.message);
        settle(node);
      }
    } else if (event instanceof Wake w) {
      SimNode node = nodes[w.node];
      if (node.pausedUntil > now) {
        schedule(node.pausedUntil, event);
      } else if (node.node != null && node.wakeToken == w.token) {
        node.wakeAt = -1;
        node.node.tick();
        settle(node);
      }
    } else if (event instanceof Crash c) {
      SimNode node = target(c.node);
      if (node != null) {
        stop(node);
      }
    } else if (event instanceof Close c) {
      SimNode node = target(c.node);
      if (node != null && node.node != null) {
        node.node.release();
        stop(node);
      }
    } else if (event instanceof Cut c) {
      for (int from : c.from) {
        for (int to : c.to) {
          linkDownUntil[from][to] = Math.max(linkDownUntil[from][to], c.until);
        }
      }
    } else if (event instanceof Pause p) {
      nodes[p.node].pausedUntil = Math.max(nodes[p.node].pausedUntil, p.until);
    } else if (event instanceof Restart r) {
      for (SimNode node : nodes) {
        if (node.node == null && (r.node == node.index || r.node == PRIMARY && node.wasTarget)) {
          node.wasTarget = false;
          node.start();
          break;
        }
      }
    }
  }

  /** The node an event means: the given one, or the primary now (remembered for its restart). */
  private SimNode target(int node) {
    if (node != PRIMARY) {
      return nodes[node];
    }
    for (SimNode candidate : nodes) {
      if (candidate.node != null && candidate.node.isPrimary()) {
        candidate.wasTarget = true;
        return candidate;
      }
    }
    return null;
  }

  private void stop(SimNode node) {
    node.node = null;
    node.wakeToken++;
    history.end(node.index, now);
  }

  /** After a node acted: record its standing, check what it saw, and set its next wake. */
  private void settle(SimNode node) {
    LeaseNode lease = node.node;
    if (lease.isPrimary()) {
      history.runsUntil(
          node.index, node.clock.realAt(lease.knownLease().orElseThrow().untilNanos()));
    }
    history.sawEpoch(node.index, lease.highestEpochSeen(), now);
    long wake = Math.max(now + 1, node.clock.realAt(lease.nextWakeNanos()));
    if (wake != node.wakeAt) {
      node.wakeAt = wake;
      schedule(wake, new Wake(node.index, ++node.wakeToken));
    }
  }

  private void send(int from, int to, LeaseMessage message) {
    boolean calm = now >= calmAt;
    if (now < linkDownUntil[from][to] || !calm && random.nextDouble() < loss) {
      return;
    }
    int copies = !calm && random.nextDouble() < duplication ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      long delay;
      if (calm) {
        delay = random.nextLong(5 * MS);
      } else if (random.nextDouble() < longDelay) {
        delay = random.nextLong(3 * T);
      } else {
        delay = random.nextLong(maxDelay);
      }
      schedule(now + delay, new Deliver(to, message));
    }
  }

  private void schedule(long at, Event event) {
    queue.add(new Scheduled(at, seq++, event));
  }
}
