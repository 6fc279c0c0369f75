package dev.grid.scheduler;

import com.hazelcast.projection.Projection;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.Map;

/**
 * What {@link TaskTally} needs of a task's record, made where the records live ({@link Of}) so a
 * new primary reads every task's state without pulling the records over the network.
 *
 * @param arrayId the task's array
 * @param index its index
 * @param state its state
 * @param version its record's version
 */
record TaskSlot(JobId arrayId, int index, JobState state, long version) {
  /** The projection run on the members, over task records only ({@link JobTable.AnyTask}). */
  record Of() implements Projection<Map.Entry<JobId, JobRecord>, TaskSlot> {
    @Override
    public TaskSlot transform(Map.Entry<JobId, JobRecord> entry) {
      JobRecord r = entry.getValue();
      return new TaskSlot(r.arrayId(), r.arrayIndex(), r.state(), r.version());
    }
  }
}
