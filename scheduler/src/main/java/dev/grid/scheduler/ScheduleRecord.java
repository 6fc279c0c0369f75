package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleSpec;

/**
 * A schedule as stored in the replicated {@code schedules} map: what the user added, and how far
 * its fires have been handled. {@code lastFireMillis} only grows (see {@link ScheduleUpdate}), so a
 * new primary knows which due times are done.
 *
 * @param spec the schedule as added
 * @param createdAtMillis when it was added; fires due before are not its fires
 * @param paused whether fires are suspended
 * @param lastFireMillis the latest due time handled (run, missed or skipped), or null if none
 * @param lastJobId the job of the latest run, for the overlap policy, or null
 * @param epoch the highest primary epoch that has advanced it; lower ones are refused
 */
public record ScheduleRecord(
    ScheduleSpec spec,
    long createdAtMillis,
    boolean paused,
    Long lastFireMillis,
    JobId lastJobId,
    long epoch) {

  public String name() {
    return spec.name();
  }

  /** Where counting of due times starts: after the last one handled, or at creation. */
  public long handledUntilMillis() {
    return lastFireMillis == null ? createdAtMillis : lastFireMillis;
  }

  ScheduleInfo toInfo(Long nextFireMillis) {
    return new ScheduleInfo(
        spec, paused, createdAtMillis, lastFireMillis, paused ? null : nextFireMillis);
  }
}
