package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The primary's view of the task blocks that have unfinished tasks, fed by the block map's events
 * and by its own updates, which can arrive in either order: a block is kept only if it is newer
 * (higher version) than what is known. Keeps the sums the dispatcher asks for (queued, active and
 * unfinished tasks per array, active tasks per worker) and how long an array's tasks run. Confined
 * to the dispatch thread.
 */
final class BlockIndex {
  /** Weight of a newly ended batch in an array's mean task time. */
  private static final double MEAN_WEIGHT = 0.3;

  /** A block known here and what it adds to the sums. */
  private record Known(
      TaskBlock block,
      int queued,
      int active,
      int unfinished,
      int backingOff,
      Map<String, Integer> activeByWorker) {}

  private final Map<String, Known> blocks = new HashMap<>();

  /** Per array, its known blocks with unfinished tasks, by block number. */
  private final Map<JobId, TreeMap<Integer, String>> byArray = new HashMap<>();

  /** Blocks whose tasks all ended: the version then, and when, so late copies are ignored. */
  private final Map<String, long[]> ended = new LinkedHashMap<>();

  private final Map<JobId, Integer> queued = new HashMap<>();

  /** The sum of {@link #queued}, for metrics. */
  private int queuedTotal;

  private final Map<JobId, Integer> active = new HashMap<>();
  private final Map<JobId, Integer> unfinished = new HashMap<>();

  /** Per array, its queued tasks that wait out a backoff (due or not). */
  private final Map<JobId, Integer> backingOff = new HashMap<>();

  private final Map<String, Integer> activeByWorker = new HashMap<>();

  /** Per array, the mean run time of its tasks so far (ms), once some have ended. */
  private final Map<JobId, Double> meanMillis = new HashMap<>();

  /** Takes a copy of a block if it is newer than the one known; returns whether it did. */
  boolean offer(TaskBlock b, long nowMillis) {
    Known prev = blocks.get(b.key());
    if (prev != null && prev.block().version() >= b.version()) {
      return false;
    }
    long[] end = ended.get(b.key());
    if (end != null && end[0] >= b.version()) {
      return false;
    }
    replace(prev, b, nowMillis);
    return true;
  }

  /**
   * Takes the block the owner of its entry returned with an update: that is the block now, even
   * where a copy known here has a higher version (written on the losing side of a split; see {@link
   * JobIndex#correct}).
   */
  void correct(TaskBlock b, long nowMillis) {
    ended.remove(b.key());
    replace(blocks.get(b.key()), b, nowMillis);
  }

  /**
   * Takes in what a block update returned: an applied write as any new version ({@link #offer}), a
   * refused one as the block as it is now ({@link #correct}). True if the block has every task
   * ended, so the arrays waiting on it are worth deciding again.
   */
  boolean seen(BlockUpdate.Result u, long nowMillis) {
    if (u.block() == null) {
      return false;
    }
    if (u.applied()) {
      offer(u.block(), nowMillis);
    } else {
      correct(u.block(), nowMillis);
    }
    return u.block().allEnded();
  }

  private void replace(Known prev, TaskBlock b, long nowMillis) {
    if (prev != null) {
      add(prev, -1);
      learnTimes(prev.block(), b);
    }
    Known now = sum(b);
    if (now.unfinished() == 0) {
      blocks.remove(b.key());
      TreeMap<Integer, String> of = byArray.get(b.arrayId());
      if (of != null) {
        of.remove(b.block());
        if (of.isEmpty()) {
          byArray.remove(b.arrayId());
        }
      }
      ended.remove(b.key());
      ended.put(b.key(), new long[] {b.version(), nowMillis});
      return;
    }
    blocks.put(b.key(), now);
    byArray.computeIfAbsent(b.arrayId(), a -> new TreeMap<>()).put(b.block(), b.key());
    add(now, 1);
  }

  private static Known sum(TaskBlock b) {
    int q = 0;
    int a = 0;
    int u = 0;
    Map<String, Integer> byWorker = new HashMap<>();
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      if (!b.has(slot)) {
        continue;
      }
      JobState s = b.state(slot);
      if (s.isTerminal()) {
        continue;
      }
      u++;
      if (s == JobState.QUEUED) {
        q++;
      } else if (s.isActive()) {
        a++;
        byWorker.merge(String.valueOf(b.workerId(slot)), 1, Integer::sum);
      }
    }
    return new Known(b, q, a, u, b.retryAt().size(), byWorker);
  }

  private void add(Known k, int sign) {
    JobId array = k.block().arrayId();
    merge(queued, array, sign * k.queued());
    queuedTotal += sign * k.queued();
    merge(active, array, sign * k.active());
    merge(unfinished, array, sign * k.unfinished());
    merge(backingOff, array, sign * k.backingOff());
    k.activeByWorker().forEach((w, n) -> merge(activeByWorker, w, sign * n));
  }

  private static <K> void merge(Map<K, Integer> sums, K key, int delta) {
    if (delta != 0) {
      sums.merge(key, delta, (x, y) -> x + y == 0 ? null : x + y);
    }
  }

  /** Folds the run times of the tasks that ended between two copies into the array's mean. */
  private void learnTimes(TaskBlock before, TaskBlock after) {
    long total = 0;
    int n = 0;
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      if (after.has(slot)
          && ranToItsEnd(after.state(slot))
          && before.has(slot)
          && !before.state(slot).isTerminal()
          && after.startedAtMillis()[slot] > 0) {
        total += Math.max(0, after.endedAtMillis()[slot] - after.startedAtMillis()[slot]);
        n++;
      }
    }
    if (n > 0) {
      double batch = (double) total / n;
      meanMillis.merge(
          after.arrayId(), batch, (old, b) -> old * (1 - MEAN_WEIGHT) + b * MEAN_WEIGHT);
    }
  }

  /** Whether a task in this state ran until its code returned (not killed, not lost). */
  private static boolean ranToItsEnd(JobState s) {
    return s == JobState.SUCCEEDED || s == JobState.FAILED;
  }

  /** The array's mean task run time in ms, or null while none of its tasks has run to its end. */
  Double meanMillis(JobId arrayId) {
    return meanMillis.get(arrayId);
  }

  /** Queued tasks of the array known here. */
  int queuedTasks(JobId arrayId) {
    return queued.getOrDefault(arrayId, 0);
  }

  /**
   * Queued tasks of the array that may be dispatched at {@code nowMillis}: all but those whose
   * backoff after a failed attempt is not over (only an array with some walks its blocks).
   */
  int dueTasks(JobId arrayId, long nowMillis) {
    int q = queuedTasks(arrayId);
    if (backingOff.getOrDefault(arrayId, 0) == 0) {
      return q;
    }
    for (TaskBlock b : blocksOf(arrayId)) {
      for (long at : b.retryAt().values()) {
        if (at > nowMillis) {
          q--;
        }
      }
    }
    return q;
  }

  /** Queued tasks of every array known here. */
  int queuedTasks() {
    return queuedTotal;
  }

  /** Tasks of the array dispatched or running. */
  int activeTasks(JobId arrayId) {
    return active.getOrDefault(arrayId, 0);
  }

  /** Tasks dispatched or running, by array, for the arrays that have some. */
  Map<JobId, Integer> activeByArray() {
    Map<JobId, Integer> out = new HashMap<>();
    active.forEach(
        (array, n) -> {
          if (n > 0) {
            out.put(array, n);
          }
        });
    return out;
  }

  /** Unfinished tasks of the array known here (an array with none may have blocks unseen). */
  int unfinishedTasks(JobId arrayId) {
    return unfinished.getOrDefault(arrayId, 0);
  }

  /** How many tasks each worker process (by member id) holds. */
  Map<String, Integer> activeByWorker() {
    return activeByWorker;
  }

  /**
   * How many tasks of the array each worker process (by member id) holds: summed from its blocks'
   * counts, not from their slots.
   */
  Map<String, Integer> activeByWorker(JobId arrayId) {
    Map<String, Integer> out = new HashMap<>();
    for (String key : byArray.getOrDefault(arrayId, new TreeMap<>()).values()) {
      blocks.get(key).activeByWorker().forEach((w, n) -> out.merge(w, n, Integer::sum));
    }
    return out;
  }

  /** The array's known blocks with unfinished tasks, by block number. */
  List<TaskBlock> blocksOf(JobId arrayId) {
    List<TaskBlock> out = new ArrayList<>();
    for (String key : byArray.getOrDefault(arrayId, new TreeMap<>()).values()) {
      out.add(blocks.get(key).block());
    }
    return out;
  }

  /** Every known block with unfinished tasks. */
  Collection<TaskBlock> all() {
    List<TaskBlock> out = new ArrayList<>(blocks.size());
    blocks.values().forEach(k -> out.add(k.block()));
    return out;
  }

  /** Forgets a block that is gone (its array was deleted). */
  void drop(String key) {
    Known k = blocks.remove(key);
    if (k == null) {
      return;
    }
    add(k, -1);
    TreeMap<Integer, String> of = byArray.get(k.block().arrayId());
    if (of != null) {
      of.remove(k.block().block());
      if (of.isEmpty()) {
        byArray.remove(k.block().arrayId());
      }
    }
  }

  /** Forgets ended blocks seen before the given time, oldest first. */
  void pruneEnded(long olderThanMillis) {
    for (Iterator<long[]> it = ended.values().iterator(); it.hasNext(); ) {
      if (it.next()[1] >= olderThanMillis) {
        break;
      }
      it.remove();
    }
    meanMillis.keySet().retainAll(byArray.keySet());
  }
}
