package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.api.DrainState;
import dev.grid.scheduler.PrimaryPlanner.Node;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Drained nodes ({@code bin/drain NODE}): their marks, by node name, in the replicated, persisted
 * {@code drains} map, and what the primary last counted on each (the {@code drain-counts} map, not
 * persisted: the next primary counts again).
 *
 * <p>A drained node stays among the live members for the primary: its running work is not taken
 * back, and ends normally; it only gets nothing new ({@link #withoutNewWork}). Marks are kept by
 * name, not member, so a node restarted while drained is still drained.
 *
 * <p>When is a node safe to stop? The mark alone cannot say: the primary reads it at its next
 * reconcile, and until then may still hand the node work. So the primary writes, with each count,
 * which mark it counted under; a node is {@link DrainState#DRAINED} only once the primary counted
 * nothing on it under its current mark (after which it gives the node nothing) and the node itself
 * runs nothing.
 */
public final class DrainTable {
  /** Node name to {@link DrainRecord}; persisted (see {@link DurableMaps}). */
  public static final String DRAINS_MAP = "drains";

  /** Node name to the primary's {@link DrainCount}; written by the primary. */
  static final String COUNTS_MAP = "drain-counts";

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final IMap<String, DrainRecord> drains;
  private final IMap<String, DrainCount> counts;
  private final Clock clock;

  public DrainTable(HazelcastInstance hz, Clock clock) {
    this.drains = hz.getMap(DRAINS_MAP);
    this.counts = hz.getMap(COUNTS_MAP);
    this.clock = clock;
  }

  /**
   * The name, if it can be a node's.
   *
   * @throws IllegalArgumentException naming the value and the rule
   */
  public static String checkNodeName(String node) {
    if (node == null || !NODE_NAME.matcher(node).matches()) {
      throw new IllegalArgumentException(
          "node name '"
              + node
              + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ - (bin/nodes lists the nodes)");
    }
    return node;
  }

  /** Drains the node: its mark, made now, or the one it had if it was drained already. */
  public DrainRecord drain(String node) {
    DrainRecord mark = new DrainRecord(checkNodeName(node), clock.millis());
    DrainRecord before = drains.putIfAbsent(node, mark);
    return before != null ? before : mark;
  }

  /** Takes the node's mark away; whether it had one. */
  public boolean undrain(String node) {
    return drains.remove(checkNodeName(node)) != null;
  }

  /** The node's mark, or null if it is not drained. */
  public DrainRecord markOf(String node) {
    return drains.get(node);
  }

  /** Every mark, by node name. */
  public Map<String, DrainRecord> marks() {
    return new HashMap<>(drains);
  }

  /** What the primary last counted on each drained node, by name. */
  public Map<String, DrainCount> counts() {
    return new HashMap<>(counts);
  }

  /**
   * Waits at most {@code wait} for the primary to count the node under this mark: from then on it
   * gives the node nothing new. False if it has not by then (no primary now, say).
   */
  public boolean awaitTakenIn(DrainRecord mark, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      DrainCount c = counts.get(mark.node());
      if (c != null && c.drainedAtMillis() == mark.drainedAtMillis()) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * Where a node is: null if it has no mark; {@link DrainState#DRAINED} if the primary counted
   * nothing on it under this very mark and the node runs nothing; else {@link DrainState#DRAINING}.
   *
   * @param running what the node itself last said it runs
   */
  public static DrainState state(DrainRecord mark, DrainCount count, int running) {
    if (mark == null) {
      return null;
    }
    boolean idle =
        count != null
            && count.drainedAtMillis() == mark.drainedAtMillis()
            && count.held() == 0
            && running == 0;
    return idle ? DrainState.DRAINED : DrainState.DRAINING;
  }

  /**
   * The members as the dispatch step is to see them: a drained node stays a live member (what it
   * runs is not taken back) that takes no new work. Pure.
   */
  static List<Node> withoutNewWork(List<Node> members, Set<String> drained) {
    if (drained.isEmpty()) {
      return members;
    }
    List<Node> out = new ArrayList<>(members.size());
    for (Node m : members) {
      out.add(m.name() != null && drained.contains(m.name()) ? new Node(m.id(), null, 0) : m);
    }
    return out;
  }

  /**
   * The primary's count of each live drained node: the jobs and array tasks it holds, dispatched or
   * running, under the mark read. A drained node that is not live is not counted. Pure.
   */
  static Map<String, DrainCount> count(
      List<Node> members, Map<String, DrainRecord> marks, JobIndex jobs, BlockIndex blocks) {
    if (marks.isEmpty()) {
      return Map.of();
    }
    Map<String, Integer> singles = jobs.activeByWorker();
    Map<String, Integer> tasks = blocks.activeByWorker();
    Map<String, DrainCount> out = new HashMap<>();
    for (Node m : members) {
      DrainRecord mark = m.name() == null ? null : marks.get(m.name());
      if (mark != null) {
        int held = singles.getOrDefault(m.id(), 0) + tasks.getOrDefault(m.id(), 0);
        out.merge(
            m.name(),
            new DrainCount(mark.drainedAtMillis(), held),
            (a, b) -> new DrainCount(a.drainedAtMillis(), a.held() + b.held()));
      }
    }
    return out;
  }

  /** The primary's counts: written where they changed. */
  void publishCounts(Map<String, DrainCount> now, Map<String, DrainCount> before) {
    for (Map.Entry<String, DrainCount> e : now.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        counts.set(e.getKey(), e.getValue());
      }
    }
    for (String gone : before.keySet()) {
      if (!now.containsKey(gone)) {
        counts.delete(gone);
      }
    }
  }

  /** Forgets the last primary's counts: a new primary counts afresh. */
  void clearCounts() {
    counts.clear();
  }
}
