package dev.grid.scheduler;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import dev.grid.api.ScheduleRun;
import java.util.Comparator;

/**
 * How the grid's records are merged when the two sides of a network partition become one again: the
 * copy further along in its life wins, whichever side it comes from.
 *
 * <p>Why not Hazelcast's default ({@code PutIfAbsentMergePolicy}: the copy of the cluster merged
 * into wins)? Hazelcast merges the smaller side into the larger, and two sides of equal size by
 * their addresses. When the majority that ran the grid had itself fallen apart before the heal
 * (three nodes, three one-node clusters), a stale side became the merge target: a cron fire's job
 * that the majority had run and ended came back QUEUED from the old primary's copy, and ran again
 * (a chaos run, seed 90001). Each record says how far along it is, so the merge asks it:
 *
 * <ul>
 *   <li>{@link JobRecord} and {@link TaskBlock}: the higher epoch (the newest primary that wrote
 *       it; epochs only grow along one history), then the higher version (more changes).
 *   <li>{@link ScheduleRecord}: the later handled due time (cron only moves forward), then the
 *       higher epoch.
 *   <li>{@link ScheduleRunRecord}: a STARTED run over a missed or skipped one (the fire made a
 *       job).
 *   <li>Anything else, and ties: the copy already there.
 * </ul>
 */
public final class NewestWinsMergePolicy<V, T extends MergingValue<V>>
    implements SplitBrainMergePolicy<V, T, Object> {

  private static final Comparator<JobRecord> JOBS =
      Comparator.comparingLong(JobRecord::epoch).thenComparingLong(JobRecord::version);
  private static final Comparator<TaskBlock> BLOCKS =
      Comparator.comparingLong(TaskBlock::epoch).thenComparingLong(TaskBlock::version);
  private static final Comparator<ScheduleRecord> SCHEDULES =
      Comparator.comparingLong(
              (ScheduleRecord r) ->
                  r.lastFireMillis() == null ? Long.MIN_VALUE : r.lastFireMillis())
          .thenComparingLong(ScheduleRecord::epoch);
  private static final Comparator<ScheduleRunRecord> RUNS =
      Comparator.comparingInt(
          (ScheduleRunRecord r) -> r.outcome() == ScheduleRun.Outcome.STARTED ? 1 : 0);

  /** Hazelcast makes one per map from the class name. */
  public NewestWinsMergePolicy() {}

  @Override
  public Object merge(T merging, T existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    return newer(merging.getDeserializedValue(), existing.getDeserializedValue())
        ? merging.getRawValue()
        : existing.getRawValue();
  }

  /** Whether {@code merging} is further along than {@code existing} (ties keep the existing). */
  static boolean newer(Object merging, Object existing) {
    if (merging instanceof JobRecord m && existing instanceof JobRecord e) {
      return JOBS.compare(m, e) > 0;
    }
    if (merging instanceof TaskBlock m && existing instanceof TaskBlock e) {
      return BLOCKS.compare(m, e) > 0;
    }
    if (merging instanceof ScheduleRecord m && existing instanceof ScheduleRecord e) {
      return SCHEDULES.compare(m, e) > 0;
    }
    if (merging instanceof ScheduleRunRecord m && existing instanceof ScheduleRunRecord e) {
      return RUNS.compare(m, e) > 0;
    }
    return false;
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
