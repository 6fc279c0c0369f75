package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.api.QueueInfo;
import dev.grid.api.Scheduling;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The named queues' limits ({@code bin/queue set NAME --max-slots N}) in the replicated, persisted
 * {@code queues} map, and how many slots each queue holds now, as the primary last counted them
 * (the {@code queue-held} map, not persisted: the next primary counts again).
 */
public final class QueueTable {
  /** Queue name to {@link QueueRecord}; persisted (see {@link DurableMaps}). */
  public static final String QUEUES_MAP = "queues";

  /** Queue name to the slots its work holds now; written by the primary. */
  static final String HELD_MAP = "queue-held";

  /** The most slots a limit may name. */
  public static final int MAX_SLOTS = 1_000_000;

  private final IMap<String, QueueRecord> queues;
  private final IMap<String, Integer> held;
  private final Clock clock;

  public QueueTable(HazelcastInstance hz, Clock clock) {
    this.queues = hz.getMap(QUEUES_MAP);
    this.held = hz.getMap(HELD_MAP);
    this.clock = clock;
  }

  /**
   * Caps the slots the queue's jobs and tasks may hold at once; work already holding more runs on,
   * and no more is dispatched until it is under the cap.
   *
   * @throws IllegalArgumentException naming a bad name or count
   */
  public QueueInfo setLimit(String queue, int maxSlots) {
    Scheduling.checkQueueName(queue);
    if (maxSlots < 0 || maxSlots > MAX_SLOTS) {
      throw new IllegalArgumentException(
          "max-slots "
              + maxSlots
              + " is out of range: give 0 (hold every job of the queue) to "
              + MAX_SLOTS);
    }
    queues.set(queue, new QueueRecord(queue, maxSlots, clock.millis()));
    return info(queue);
  }

  /** Lifts the queue's limit; whether it had one. */
  public boolean removeLimit(String queue) {
    return queues.remove(Scheduling.checkQueueName(queue)) != null;
  }

  /** Every limit, by queue. */
  public Map<String, Integer> limits() {
    Map<String, Integer> out = new HashMap<>();
    for (QueueRecord r : queues.values()) {
      out.put(r.name(), r.maxSlots());
    }
    return out;
  }

  /**
   * Every queue that has a limit or holds slots now, by name: its limit and what it holds, as the
   * primary last counted (within a second or so).
   */
  public List<QueueInfo> list() {
    Map<String, Integer> limits = limits();
    Map<String, Integer> now = new HashMap<>(held);
    Set<String> names = new TreeSet<>(limits.keySet());
    names.addAll(now.keySet());
    List<QueueInfo> out = new ArrayList<>();
    for (String name : names) {
      out.add(new QueueInfo(name, limits.get(name), now.getOrDefault(name, 0)));
    }
    return out;
  }

  /** The queue's limit, or null if it has none. */
  public Integer limitOf(String queue) {
    QueueRecord r = queues.get(queue);
    return r == null ? null : r.maxSlots();
  }

  /** One queue, as {@link #list} shows it (limit null if it has none). */
  public QueueInfo info(String queue) {
    QueueRecord r = queues.get(queue);
    Integer h = held.get(queue);
    return new QueueInfo(queue, r == null ? null : r.maxSlots(), h == null ? 0 : h);
  }

  /** The primary's count of the slots each queue holds: written where it changed. */
  void publishHeld(Map<String, Integer> now, Map<String, Integer> before) {
    for (Map.Entry<String, Integer> e : now.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        held.set(e.getKey(), e.getValue());
      }
    }
    for (String gone : before.keySet()) {
      if (!now.containsKey(gone)) {
        held.delete(gone);
      }
    }
  }

  /** Forgets the last primary's counts: a new primary counts afresh. */
  void clearHeld() {
    held.clear();
  }
}
