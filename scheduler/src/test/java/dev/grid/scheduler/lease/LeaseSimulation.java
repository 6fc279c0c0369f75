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
 *
 * <p>The voters change too: the grid has two spare nodes besides its first voters, and while the
 * faults last whoever is primary is asked, at random, to add a node, to remove one (itself
 * included, dead or alive), or to replace one (an add, then a remove); some changes are cut short
 * by crashing the primary right after. Besides overlaps and epochs, the run checks that no two
 * nodes are ever at different voters under one version.
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
    VOTERS_IGNORE_PROMISES,
    /** Replacements swap a voter for a spare in one change: two voters at once. */
    TWO_VOTERS_AT_ONCE,
    /** Voters do not report the change they accepted, so later rounds do not finish it. */
    VOTERS_HIDE_PENDING_CHANGES
  }

  /** Spare nodes, not voters at the start, that changes may add. */
  static final int SPARES = 2;

  /** How one schedule went. */
  record Result(
      long seed,
      String setup,
      List<String> violations,
      boolean live,
      LeaseHistory history,
      LeaseHistory.Coverage coverage,
      String nodesAtEnd) {
    boolean ok() {
      return violations.isEmpty() && live;
    }

    String describe() {
      return "seed "
          + seed
          + " ("
          + setup
          + "): "
          + (live ? "" : "no primary after the faults stopped (" + nodesAtEnd + "); ")
          + String.join("; ", violations.subList(0, Math.min(5, violations.size())))
          + " -- rerun with -Dlease.seed="
          + seed;
    }
  }

  private sealed interface Event permits Deliver, Wake, Crash, Close, Restart, Cut, Pause, Change {}

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

  /** What the primary is asked to change. */
  private enum ChangeKind {
    ADD,
    REMOVE,
    REMOVE_ITSELF,
    REPLACE
  }

  /** The primary then, if any, is asked for a change; {@code tries} more if there is none. */
  private record Change(ChangeKind kind, int tries) implements Event {}

  private record Scheduled(long at, long seq, Event event) {}

  private final class SimNode implements Proposer.Roles {
    final int index;
    final SimClock clock;
    final MemoryPromiseStore stored = new MemoryPromiseStore(); // the "file": survives crashes
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
      Acceptor acceptor =
          switch (variant) {
            case VOTERS_IGNORE_PROMISES ->
                new Acceptor(index, initial, stored, this::now, TIMING) {
                  @Override
                  boolean admits(long ballot) {
                    return true;
                  }
                };
            case VOTERS_HIDE_PENDING_CHANGES ->
                new Acceptor(index, initial, stored, this::now, TIMING) {
                  @Override
                  PendingChange pendingToReport() {
                    return null;
                  }
                };
            default -> new Acceptor(index, initial, stored, this::now, TIMING);
          };
      SplittableRandom own = random.split();
      node =
          new LeaseNode(
              index, TIMING, this::now, own, acceptor, (to, m) -> send(index, to, m), this);
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
      if (node != null && !node.configuration().contains(index)) {
        history.removedItself(index);
      }
    }
  }

  private final long seed;
  private final Variant variant;
  private final SplittableRandom random;
  private final int voters;
  private final Configuration initial;
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
    this.initial = Configuration.initial(voters);
    int pool = voters + SPARES;
    this.loss = random.nextInt(4) == 0 ? 0 : random.nextDouble(0.3);
    this.duplication = random.nextInt(3) == 0 ? 0 : random.nextDouble(0.2);
    long[] delays = {MS, 10 * MS, T / 10, T / 2, 2 * T};
    this.maxDelay = delays[random.nextInt(delays.length)];
    this.longDelay = new double[] {0, 0.01, 0.05}[random.nextInt(3)];
    this.calmAt = 4 * T + random.nextLong(8 * T);
    this.history = new LeaseHistory(pool);
    this.nodes = new SimNode[pool];
    this.linkDownUntil = new long[pool][pool];
    StringBuilder drift = new StringBuilder();
    long maxPpm = Math.round(LeaseTiming.MAX_DRIFT * 1_000_000);
    for (int i = 0; i < pool; i++) {
      long ppm =
          random.nextBoolean()
              ? (random.nextBoolean() ? maxPpm : -maxPpm)
              : random.nextLong(-maxPpm, maxPpm + 1);
      nodes[i] = new SimNode(i, new SimClock(random.nextLong(-(1L << 60), 1L << 60), ppm));
      drift.append(i == 0 ? "" : ",").append(ppm);
    }
    this.setup =
        String.format(
            "%d voters and %d spares, loss %.2f, duplication %.2f, delay up to %d ms, long delays %.2f,"
                + " faults until %d ms, drift ppm %s",
            voters, SPARES, loss, duplication, maxDelay / MS, longDelay, calmAt / MS, drift);
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
    planChanges();
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
    List<String> violations = history.violations();
    StringBuilder states = new StringBuilder();
    for (SimNode node : nodes) {
      LeaseNode lease = node.node;
      states
          .append(states.length() == 0 ? "" : ", ")
          .append("node ")
          .append(node.index)
          .append(lease == null ? " down" : " at " + lease.configuration())
          .append(
              lease == null ? "" : node.stored.load(initial).pending() == null ? "" : " pending")
          .append(lease != null && lease.isPrimary() ? " primary" : "");
    }
    return new Result(
        seed, setup, violations, live, history, history.coverage(), states.toString());
  }

  private void planFaults() {
    int pool = nodes.length;
    int faults = random.nextInt(3 * voters + 1);
    for (int i = 0; i < faults; i++) {
      long at = random.nextLong(calmAt);
      int node = random.nextInt(pool);
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
      for (int node = 0; node < pool; node++) {
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
      schedule(at, new Pause(random.nextInt(pool), at + random.nextLong(2 * T)));
    }
    if (random.nextInt(5) == 0) { // the whole grid stops at once, then comes back
      long at = random.nextLong(calmAt);
      for (int node = 0; node < pool; node++) {
        schedule(at, new Crash(node));
        schedule(at + random.nextLong(3 * T), new Restart(node));
      }
    }
  }

  private void planChanges() {
    int changes = random.nextInt(12);
    for (int i = 0; i < changes; i++) {
      long at = T + random.nextLong(calmAt);
      ChangeKind kind = ChangeKind.values()[random.nextInt(ChangeKind.values().length)];
      schedule(at, new Change(kind, 10));
      int fault = random.nextInt(4);
      if (fault == 0) { // cut the change short: the primary dies while it runs
        long crash = at + random.nextLong(TIMING.roundTimeoutNanos());
        schedule(crash, new Crash(PRIMARY));
        schedule(crash + random.nextLong(2 * T), new Restart(PRIMARY));
      } else if (fault == 1) { // some nodes miss the change, and come back behind
        List<Integer> side = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        for (int node = 0; node < nodes.length; node++) {
          (random.nextBoolean() ? side : rest).add(node);
        }
        long cut = at + random.nextLong(TIMING.roundTimeoutNanos()); // maybe mid-round
        long until = cut + T + random.nextLong(3 * T);
        schedule(cut, new Cut(side, rest, until));
        schedule(cut, new Cut(rest, side, until));
      }
    }
  }

  /** Asks the primary, if any, for the change; false if there was none to ask. */
  private boolean change(Change c) {
    SimNode primary = null;
    for (SimNode candidate : nodes) {
      if (candidate.node != null && candidate.node.isPrimary()) {
        primary = candidate;
      }
    }
    if (primary == null) {
      return false;
    }
    Configuration current = primary.node.configuration();
    List<Integer> members = current.voters();
    List<Integer> others = new ArrayList<>();
    for (SimNode node : nodes) {
      if (!current.contains(node.index)) {
        others.add(node.index);
      }
    }
    List<Integer> next = new ArrayList<>(members);
    ChangeKind kind = c.kind;
    if (kind == ChangeKind.REPLACE && variant == Variant.TWO_VOTERS_AT_ONCE && !others.isEmpty()) {
      next.remove(random.nextInt(next.size()));
      next.add(others.get(random.nextInt(others.size())));
      Configuration both = new Configuration(current.version() + 1, next, members);
      boolean asked = primary.node.requestChange(both);
      settle(primary);
      return asked(primary, asked);
    }
    if (kind == ChangeKind.ADD || kind == ChangeKind.REPLACE) {
      if (others.isEmpty()) {
        kind = ChangeKind.REMOVE;
      } else {
        next.add(others.get(random.nextInt(others.size())));
      }
    }
    if (kind == ChangeKind.REMOVE || kind == ChangeKind.REMOVE_ITSELF) {
      if (members.size() < 2) {
        next.add(others.get(random.nextInt(others.size())));
      } else if (kind == ChangeKind.REMOVE_ITSELF) {
        next.remove(Integer.valueOf(primary.index));
      } else {
        next.remove(random.nextInt(next.size()));
      }
    }
    boolean asked = asked(primary, primary.node.requestChange(next));
    settle(primary); // its round starts at once
    if (asked && c.kind == ChangeKind.REPLACE) { // the remove half, once the add is through
      schedule(now + T / 2 + random.nextLong(T), new Change(ChangeKind.REMOVE, 10));
    }
    return asked;
  }

  private boolean asked(SimNode primary, boolean asked) {
    if (asked) {
      history.asked(primary.index, primary.node.configuration().version() + 1);
    }
    return asked;
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
    } else if (event instanceof Change c) {
      if (!change(c) && c.tries > 0) {
        schedule(now + T / 4, new Change(c.kind, c.tries - 1));
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
    history.sawConfiguration(node.index, lease.configuration(), now);
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
