package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The primary's view of every array task's state, per block of {@value TaskBlock#SIZE} tasks,
 * fed by the same records as {@link JobIndex} (the map's events, its own updates, and one read of
 * every task when a session starts). It keeps each task's state and the version of the record it
 * came from, so copies arriving out of order leave the newest; it remembers which blocks changed,
 * to publish them as {@link TaskBlock}s. Confined to the dispatch thread.
 */
final class TaskTally {
  /** What the tally knows of one block. */
  private static final class Slots {
    final byte[] states = new byte[TaskBlock.SIZE];
    final long[] versions = new long[TaskBlock.SIZE];
    long changedAtMillis;
  }

  private record BlockId(JobId arrayId, int block) {}

  private final Map<JobId, Map<Integer, Slots>> arrays = new HashMap<>();
  private final Set<BlockId> dirty = new LinkedHashSet<>();

  /** Takes a task's state if the record is newer than the one known; other records are ignored. */
  void offer(JobRecord r, long nowMillis) {
    if (r.arrayId() == null || r.arrayIndex() == null) {
      return;
    }
    offer(r.arrayId(), r.arrayIndex(), r.state(), r.version(), nowMillis);
  }

  /** Takes a task's state if {@code version} is newer than the one known. */
  void offer(JobId arrayId, int index, JobState state, long version, long nowMillis) {
    int block = TaskBlock.blockOf(index);
    Slots s = arrays.computeIfAbsent(arrayId, a -> new HashMap<>())
        .computeIfAbsent(block, b -> new Slots());
    int slot = index % TaskBlock.SIZE;
    if (s.states[slot] != 0 && s.versions[slot] >= version) {
      return;
    }
    byte code = TaskBlock.code(state);
    s.versions[slot] = version;
    s.changedAtMillis = nowMillis;
    if (s.states[slot] != code) {
      s.states[slot] = code;
      dirty.add(new BlockId(arrayId, block));
    }
  }

  /** Counts per state of the array's tasks known here (empty if none). */
  Map<JobState, Integer> counts(JobId arrayId) {
    Map<JobState, Integer> out = new EnumMap<>(JobState.class);
    for (Slots s : arrays.getOrDefault(arrayId, Map.of()).values()) {
      new TaskBlock(arrayId, 0, s.states, 0).addCounts(out);
    }
    return out;
  }

  /** The blocks changed since the last call, as the given epoch publishes them. */
  List<TaskBlock> takeChanged(long epoch) {
    List<TaskBlock> out = new ArrayList<>(dirty.size());
    for (BlockId id : dirty) {
      Slots s = arrays.get(id.arrayId()).get(id.block());
      out.add(new TaskBlock(id.arrayId(), id.block(), s.states.clone(), epoch));
    }
    dirty.clear();
    return out;
  }

  /** Marks every block changed, so that all are published again (after a failed publish). */
  void markAllChanged() {
    arrays.forEach((a, blocks) -> blocks.keySet().forEach(b -> dirty.add(new BlockId(a, b))));
  }

  /**
   * Forgets arrays whose tasks have all ended and none of whose blocks changed since the given
   * time: ended tasks do not change again, so what was published stays right; if a record of
   * one comes again, the block published then holds only that task, which a reader sees as an
   * incomplete count and does not trust.
   */
  void pruneEnded(long olderThanMillis) {
    for (Iterator<Map.Entry<JobId, Map<Integer, Slots>>> it = arrays.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<JobId, Map<Integer, Slots>> e = it.next();
      if (allEndedBefore(e.getKey(), e.getValue(), olderThanMillis)) {
        it.remove();
      }
    }
  }

  private boolean allEndedBefore(JobId arrayId, Map<Integer, Slots> blocks, long olderThan) {
    JobState[] all = JobState.values();
    for (Map.Entry<Integer, Slots> b : blocks.entrySet()) {
      if (b.getValue().changedAtMillis >= olderThan
          || dirty.contains(new BlockId(arrayId, b.getKey()))) {
        return false;
      }
      for (byte code : b.getValue().states) {
        if (code != 0 && !all[code - 1].isTerminal()) {
          return false;
        }
      }
    }
    return true;
  }
}
