package dev.grid.node;

import com.hazelcast.core.HazelcastInstance;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a node's jobs once the grid may have written the node off, before the primary can run
 * them elsewhere: the guarantee that a job never runs twice at the same time must also hold for
 * a node that is frozen or cut off, not only for one that is dead.
 *
 * <p>Every {@link #TICK} the node looks at its cluster. While it sees a majority of the members
 * listed, it beats its {@link OrphanGuard}, whose watcher process kills every job session after
 * {@link #QUIET} without a beat: that covers a frozen JVM (SIGSTOP, a hung host), which can do
 * nothing itself. A node that sees only a minority (a partition) stops its jobs at once. A tick
 * that comes {@link #QUIET} late means the node itself was frozen and its jobs were killed.
 * Either way the jobs are fenced: their end is a hand-back, not a failure, and the primary runs
 * them again.
 *
 * <p>The primary takes a job back from a worker that left the grid only once the worker has
 * been gone for its reclaim grace (4 s), which is longer than {@link #QUIET}: by then the
 * watcher has killed what the worker ran. Hazelcast itself writes a silent member off after 3 s
 * without a heartbeat.
 */
final class NodeFence implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeFence.class);
  /** How long a node may be silent before its watcher kills its jobs. */
  static final Duration QUIET = Duration.ofSeconds(3);
  static final Duration TICK = Duration.ofMillis(250);

  private final String name;
  private final HazelcastInstance hz;
  private final int majority;
  private final OrphanGuard guard;
  private final Consumer<String> onFenced;
  private final Clock clock;
  private final ScheduledExecutorService ticks;
  private volatile long lastTick;
  private volatile long lastFenced = Long.MIN_VALUE;
  private volatile long lastFrozen = Long.MIN_VALUE / 2;
  private volatile boolean cutOff;
  private volatile String cutOffWhy;
  /** A node that has not yet seen a majority (it is starting) is not cut off, only early. */
  private volatile boolean joined;
  private volatile boolean closed;

  /**
   * @param members how many members the grid lists ({@code --members}; 0 for a lone node)
   * @param onFenced told why, once each time the node finds itself fenced (cancel in-JVM jobs)
   */
  NodeFence(String name, HazelcastInstance hz, int members, OrphanGuard guard,
      Consumer<String> onFenced, Clock clock) {
    this.name = name;
    this.hz = hz;
    this.majority = Math.max(1, members) / 2 + 1;
    this.guard = guard;
    this.onFenced = onFenced;
    this.clock = clock;
    this.lastTick = clock.millis();
    this.ticks = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "grid-node-fence");
      t.setDaemon(true);
      return t;
    });
  }

  NodeFence start() {
    tick();
    ticks.scheduleAtFixedRate(this::tick, TICK.toMillis(), TICK.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Whether the node was fenced at some time since {@code millis} (or is overdue for its tick
   * now, having just woken up): a job that started then and ended since was killed by the fence.
   */
  boolean fencedSince(long millis) {
    long overdue = closed ? 0 : clock.millis() - lastTick;
    return lastFenced >= millis || cutOff || overdue > QUIET.toMillis();
  }

  /**
   * Why this node is not part of the grid now, or null: it is cut off from the majority, or it
   * was frozen a short while ago (then the others wrote it off, which it learns only from their
   * next heartbeats).
   */
  String outOfGrid() {
    if (cutOff) {
      return cutOffWhy;
    }
    if (!closed && clock.millis() - lastTick > QUIET.toMillis()) {
      return "node " + name + " has just woken up from a freeze and may be out of the grid";
    }
    long sinceFrozen = clock.millis() - lastFrozen;
    return sinceFrozen < 2 * QUIET.toMillis()
        ? "node " + name + " was frozen " + sinceFrozen + " ms ago and may be out of the grid"
        : null;
  }

  private void tick() {
    try {
      long now = clock.millis();
      long late = now - lastTick;
      lastTick = now;
      if (late > QUIET.toMillis()) {
        lastFrozen = now;
        fenced(now, "node " + name + " was frozen for " + late + " ms");
      }
      int seen = hz.getLifecycleService().isRunning() ? hz.getCluster().getMembers().size() : 0;
      if (seen >= majority) {
        joined = true;
        if (cutOff) {
          LOG.info("node sees {} members again: back in the grid", seen);
          cutOff = false;
        }
        guard.beat();
      } else if (joined && !cutOff) {
        cutOffWhy = "node " + name + " sees " + seen + " member(s), fewer than the " + majority
            + " a majority needs";
        cutOff = true;
        fenced(now, cutOffWhy);
      }
    } catch (RuntimeException e) {
      LOG.warn("fence tick failed", e);
    }
  }

  private void fenced(long now, String why) {
    lastFenced = now;
    LOG.warn("{}: the grid may have written it off, so its jobs are stopped and handed back",
        why);
    onFenced.accept(why);
  }

  @Override
  public void close() {
    closed = true;
    ticks.shutdownNow();
  }
}
