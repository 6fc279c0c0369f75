package dev.grid.scheduler;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.List;

/**
 * Tasks of one block handed to one worker by one dispatch: what the primary sends instead of a
 * message per task. The worker starts them (a {@link BlockCommand.Start} for the slots it takes),
 * runs them at most its slots at a time, and reports their ends a batch at a time.
 *
 * @param arrayId the array
 * @param spec the array's spec (what each task runs)
 * @param block the block the slots are in
 * @param node the worker's node name, as the block records it
 * @param workerId the worker's Hazelcast member id
 * @param slots the slots, ascending
 * @param attempts the attempt each slot was dispatched as
 * @param epoch the dispatching primary's epoch
 */
public record TaskSlice(
    JobId arrayId,
    JobSpec spec,
    int block,
    String node,
    String workerId,
    int[] slots,
    int[] attempts,
    long epoch) {

  /** The key of the slice's block. */
  public String blockKey() {
    return TaskBlock.key(arrayId, block);
  }

  /** How many tasks. */
  public int size() {
    return slots.length;
  }

  /** The task index of the i-th slot. */
  public int index(int i) {
    return block * TaskBlock.SIZE + slots[i];
  }

  /** The i-th task as a dispatched record, as a worker runs a job. */
  public JobRecord task(int i, long nowMillis) {
    int index = index(i);
    return new JobRecord(
        JobTable.taskId(arrayId, index),
        spec,
        JobState.DISPATCHED,
        node,
        workerId,
        attempts[i],
        epoch,
        0,
        false,
        null,
        null,
        nowMillis,
        null,
        null,
        0,
        0,
        false,
        0,
        List.<JobEvent>of(),
        arrayId,
        index);
  }
}
