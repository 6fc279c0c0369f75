package dev.grid.scheduler;

import com.hazelcast.map.EntryProcessor;
import dev.grid.api.JobId;
import java.util.Map;

/**
 * Runs a {@link JobCommand} on the member that owns the job's record, atomically with respect to
 * other commands on the same job, and on its backup with the same outcome (the command carries its
 * own time, so applying it twice gives the same record).
 *
 * @param command the change to apply
 */
public record JobUpdateProcessor(JobCommand command)
    implements EntryProcessor<JobId, JobRecord, UpdateResult> {

  @Override
  public UpdateResult process(Map.Entry<JobId, JobRecord> entry) {
    UpdateResult result = JobUpdate.apply(entry.getValue(), command);
    if (result.applied()) {
      entry.setValue(result.record());
    }
    return result;
  }
}
