package dev.grid.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.cluster.impl.ClusterServiceImpl;
import dev.grid.node.http.Presence;
import dev.grid.scheduler.GridVoters;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a node's jobs once the grid may have written the node off, before the primary can run them
 * elsewhere: the guarantee that a job never runs twice at the same time must also hold for a node
 * that is frozen or cut off, not only for one that is dead.
 *
 * <p>Every {@link #TICK} the node looks at its cluster. While it has heard a Hazelcast heartbeat
 * within {@link #HEARD} from a majority of the voters (itself included if it is one), it beats its
 * {@link OrphanGuard}, whose watcher process kills every job session after the quiet time ({@link
 * #QUIET} by default) without a beat: that covers a frozen JVM (SIGSTOP, a hung host), which can do
 * nothing itself. A node that sees only a minority (a partition) stops its jobs itself and starts
 * none. A tick that comes late (by a little less than the quiet time) means the node itself was
 * frozen and its watcher may have killed its jobs. Either way the jobs are fenced: their end is a
 * hand-back, not a failure, and the primary runs them again.
 *
 * <p>The primary takes a job back from a worker that left the grid only once the worker has been
 * gone for the reclaim grace ({@link #RECLAIM_GRACE} by default), longer than the quiet time: by
 * then the watcher has killed what the worker ran. Hazelcast itself writes a silent member off
 * after 3 s without a heartbeat.
 *
 * <p>Why heartbeats and not the member list: in a real partition the two sides do not drop each
 * other at the same time. The majority wrote the cut-off node off 3 s after the cut; the cut-off
 * node (not the master) first had to suspect the master, then fail to claim mastership from the
 * third node, and still listed three members 8 s after the cut, after the new primary had taken its
 * job back and run it again (bin/chaos, seed 11: the same job on both sides for 0.4 s). A node that
 * has heard from no majority for {@link #HEARD} stops its jobs about 3 s after the cut, whatever
 * its member list says; a one-way cut, where it hears too little, fences it too.
 *
 * <p>The fence's own times are monotonic ({@link System#nanoTime}): a step of the wall clock is not
 * a freeze.
 */
final class NodeFence implements Worker.Fence, Presence, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeFence.class);

  /** How long a node may be silent before its watcher kills its jobs (the default). */
  static final Duration QUIET = Duration.ofSeconds(3);

  static final Duration TICK = Duration.ofMillis(250);

  /** How long the primary waits after a worker left before it takes the worker's jobs back. */
  static final Duration RECLAIM_GRACE = QUIET.plusSeconds(1);

  /**
   * How recent a member's last heartbeat must be for the member to count as in touch: as long as
   * Hazelcast waits before it suspects a member (it sends a heartbeat every second to each).
   */
  static final Duration HEARD = Duration.ofSeconds(3);

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final String name;
  private final HazelcastInstance hz;
  private final Supplier<List<String>> voters;
  private final OrphanGuard guard;
  private final Consumer<String> onFenced;
  private final Runnable onInGrid;
  private final Duration quiet;

  /** A tick this late means the node was frozen for about as long as its watcher waits. */
  private final Duration late;

  private final ScheduledExecutorService ticks;
  private volatile long lastTick = System.nanoTime();

  /** When the node last found itself fenced, if {@link #everFenced}. */
  private volatile long lastFenced;

  private volatile boolean everFenced;

  /** When the node last woke from a freeze, if {@link #everFrozen}. */
  private volatile long lastFrozen;

  private volatile boolean everFrozen;
  private volatile String cutOff;

  /** A node that has not yet seen a majority (it is starting) is not cut off, only early. */
  private volatile boolean joined;

  private volatile boolean closed;

  /**
   * @param voters the grid's voters as the node knows them now (see {@link GridVoters}); empty
   *     while it knows none
   * @param onFenced told why on every tick the node may be out of the grid: stop every job
   * @param onInGrid run on every tick the node is in the grid: finish what could not be done
   * @param quiet the watcher's quiet time ({@link OrphanGuard#start})
   */
  NodeFence(
      String name,
      HazelcastInstance hz,
      Supplier<List<String>> voters,
      OrphanGuard guard,
      Consumer<String> onFenced,
      Runnable onInGrid,
      Duration quiet) {
    this.name = name;
    this.hz = hz;
    this.voters = voters;
    this.guard = guard;
    this.onFenced = onFenced;
    this.onInGrid = onInGrid;
    this.quiet = quiet;
    this.late = quiet.minus(TICK.multipliedBy(2));
    this.ticks =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-node-fence-" + INSTANCES.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  NodeFence start() {
    tick();
    ticks.scheduleAtFixedRate(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public boolean fencedSince(long nanos) {
    return (everFenced && lastFenced - nanos >= 0) || cutOff != null || overdue();
  }

  /**
   * As {@link #fencedSince}, and also whether the node hears from fewer members than a majority
   * right now, without waiting for the next tick: Hazelcast may drop the unreachable members (and
   * let a write whose backup went nowhere complete) a moment before the tick that would fence.
   */
  @Override
  public boolean leftSince(long nanos) {
    return fencedSince(nanos)
        || (joined && !hz.getLifecycleService().isRunning())
        || (joined && !hearsMajority());
  }

  @Override
  public String outOfGrid() {
    String why = cutOff;
    if (why != null) {
      return why;
    }
    if (overdue()) {
      return "node " + name + " has just woken from a freeze and may be out of the grid";
    }
    long sinceFrozen = System.nanoTime() - lastFrozen;
    if (everFrozen && sinceFrozen < 2 * quiet.toNanos()) {
      return "node "
          + name
          + " woke from a freeze "
          + sinceFrozen / 1_000_000
          + " ms ago and may be out of the grid";
    }
    return null;
  }

  /** Whether this tick is overdue: the node is waking from a freeze and has not ticked yet. */
  private boolean overdue() {
    return !closed && System.nanoTime() - lastTick > late.toNanos();
  }

  private void tick() {
    try {
      long now = System.nanoTime();
      long sinceLast = now - lastTick;
      lastTick = now;
      if (sinceLast > late.toNanos()) {
        lastFrozen = now;
        everFrozen = true;
        String why = "node " + name + " was frozen for " + sinceLast / 1_000_000 + " ms";
        LOG.warn("{}: the grid may have written it off; its jobs are stopped and handed back", why);
        fenced(now, why);
      }
      List<String> known = voters.get();
      int majority = known.size() / 2 + 1;
      int seen = hz.getLifecycleService().isRunning() ? heard(known) : 0;
      if (!known.isEmpty() && seen >= majority) {
        joined = true;
        if (cutOff != null) {
          LOG.info("node {} hears from {} voters again: back in the grid", name, seen);
          cutOff = null;
        }
        guard.beat();
        if (outOfGrid() == null) {
          onInGrid.run();
        }
      } else if (joined) {
        if (cutOff == null) {
          cutOff =
              "node "
                  + name
                  + " has heard from "
                  + seen
                  + " of the voters "
                  + known
                  + " in"
                  + " the last "
                  + HEARD.toMillis()
                  + " ms, fewer than the "
                  + majority
                  + " a majority needs";
          LOG.warn(
              "{}: the grid may have written it off; its jobs are stopped and handed back", cutOff);
        }
        fenced(now, cutOff);
      }
    } catch (Throwable e) { // a tick that dies silently would stop the beats: jobs get killed
      LOG.warn("fence tick failed", e);
    }
  }

  /** Whether the node hears from a majority of the voters right now. */
  private boolean hearsMajority() {
    List<String> known = voters.get();
    return !known.isEmpty() && heard(known) >= known.size() / 2 + 1;
  }

  /**
   * How many of the voters, this node included if it is one, sent a heartbeat within {@link
   * #HEARD}. Heartbeat times are on Hazelcast's cluster clock (wall time plus the master's offset)
   * and compared with it. Hazelcast's internals give them; if they cannot be reached, every voter
   * among the members counts.
   */
  private int heard(List<String> known) {
    Set<Member> members = hz.getCluster().getMembers();
    ClusterServiceImpl cluster = clusterService();
    long now = cluster == null ? 0 : cluster.getClusterClock().getClusterTime();
    int heard = 0;
    for (Member m : members) {
      if (!GridVoters.isVoter(m, known)) {
        continue;
      }
      if (cluster == null
          || m.localMember()
          || now - cluster.getClusterHeartbeatManager().getLastHeartbeatTime(m)
              <= HEARD.toMillis()) {
        heard++;
      }
    }
    return heard;
  }

  private ClusterServiceImpl clusterService() {
    if (hz instanceof HazelcastInstanceProxy proxy && proxy.getOriginal() != null) {
      return proxy.getOriginal().node.getClusterService();
    }
    if (hz instanceof HazelcastInstanceImpl impl) {
      return impl.node.getClusterService();
    }
    return null;
  }

  private void fenced(long now, String why) {
    lastFenced = now;
    everFenced = true;
    onFenced.accept(why);
  }

  @Override
  public void close() {
    closed = true;
    ticks.shutdownNow();
  }
}
