package dev.grid.scheduler;

import com.hazelcast.map.EntryProcessor;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.EnumMap;
import java.util.Map;

/**
 * The states of up to {@value #SIZE} tasks of one array (indices {@code block * SIZE} to {@code
 * (block + 1) * SIZE - 1}), one byte each, in the replicated {@code task-blocks} map: what an
 * array's status counts, read in one call per block instead of a scan of every record of the
 * grid.
 *
 * <p>Who writes them: the primary, from the task records' map events it already receives (see
 * {@link TaskTally}), a block at a time and at most every few hundred milliseconds, fenced by
 * its epoch ({@link Publish}). The task records stay the truth; a block is what the primary knew
 * of them. A reader checks that the blocks of an array account for every task and otherwise
 * counts the records themselves ({@link JobTable#arrayCounts}), so a block written from a partial
 * view (a new primary that has not finished reading the records) is never taken for the whole.
 *
 * @param arrayId the array
 * @param block which block: the tasks' index divided by {@value #SIZE}
 * @param states per slot: 0 for no task at that index, else the task's state's ordinal + 1
 * @param epoch the primary epoch that wrote it
 */
public record TaskBlock(JobId arrayId, int block, byte[] states, long epoch) {
  /** Tasks per block. */
  public static final int SIZE = 1024;

  /** The block of a task index. */
  public static int blockOf(int index) {
    return index / SIZE;
  }

  /** The key of an array's block in the {@code task-blocks} map. */
  public static String key(JobId arrayId, int block) {
    return arrayId.value() + "/" + block;
  }

  /** Counts per state of the tasks in this block. */
  public Map<JobState, Integer> counts() {
    Map<JobState, Integer> out = new EnumMap<>(JobState.class);
    addCounts(out);
    return out;
  }

  /** Adds this block's counts per state to {@code into}. */
  void addCounts(Map<JobState, Integer> into) {
    JobState[] all = JobState.values();
    int[] n = new int[all.length];
    for (byte b : states) {
      if (b != 0) {
        n[b - 1]++;
      }
    }
    for (int s = 0; s < n.length; s++) {
      if (n[s] > 0) {
        into.merge(all[s], n[s], Integer::sum);
      }
    }
  }

  /** The byte a state is kept as. */
  static byte code(JobState s) {
    return (byte) (s.ordinal() + 1);
  }

  /**
   * Replaces the block unless a newer primary (higher epoch) wrote it: a primary that lost its
   * lease but has not noticed yet cannot overwrite what its successor knows. The new value is
   * applied the same way on the backup.
   */
  record Publish(TaskBlock block) implements EntryProcessor<String, TaskBlock, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, TaskBlock> entry) {
      TaskBlock now = entry.getValue();
      if (now != null && now.epoch() > block.epoch()) {
        return false;
      }
      entry.setValue(block);
      return true;
    }
  }
}
