package dev.grid.scheduler;

import com.hazelcast.map.EntryProcessor;
import dev.grid.api.JobId;
import java.util.Map;

/**
 * Changes to a schedule record, applied where it lives. {@link Advance} only moves the last fire
 * forward, so fires handled twice (two primaries, a retried fire) never move it back.
 */
public final class ScheduleUpdate {
  private ScheduleUpdate() {}

  /**
   * Marks the due time handled; the job, if it became one, is the latest run. Refused from a
   * primary older than one that advanced the schedule before (a paused primary that woke up).
   */
  public record Advance(long fireMillis, JobId jobId, long epoch)
      implements EntryProcessor<String, ScheduleRecord, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, ScheduleRecord> entry) {
      ScheduleRecord r = entry.getValue();
      if (r == null
          || epoch < r.epoch()
          || (r.lastFireMillis() != null && r.lastFireMillis() >= fireMillis)) {
        return false;
      }
      entry.setValue(
          new ScheduleRecord(
              r.spec(),
              r.createdAtMillis(),
              r.paused(),
              fireMillis,
              jobId != null ? jobId : r.lastJobId(),
              epoch));
      return true;
    }
  }

  /**
   * Pauses or resumes. Due times while paused are not fires of the schedule: resuming marks them
   * handled, so they are neither run nor reported missed.
   */
  public record SetPaused(boolean paused, long atMillis)
      implements EntryProcessor<String, ScheduleRecord, ScheduleRecord> {
    @Override
    public ScheduleRecord process(Map.Entry<String, ScheduleRecord> entry) {
      ScheduleRecord r = entry.getValue();
      if (r == null) {
        return null;
      }
      Long last = r.lastFireMillis();
      if (r.paused() && !paused) {
        last = Math.max(last == null ? r.createdAtMillis() : last, atMillis);
      }
      ScheduleRecord next =
          new ScheduleRecord(r.spec(), r.createdAtMillis(), paused, last, r.lastJobId(), r.epoch());
      entry.setValue(next);
      return next;
    }
  }
}
