package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.ScheduleRun;

/**
 * What one due time of a schedule became, in the replicated {@code schedule-runs} map under {@code
 * name@fireMillis}: one entry per due time, whatever the failovers.
 */
public record ScheduleRunRecord(
    String schedule, long fireMillis, ScheduleRun.Outcome outcome, JobId jobId, String reason) {

  /** The map key of a due time. */
  public static String key(String schedule, long fireMillis) {
    return schedule + "@" + fireMillis;
  }

  public String key() {
    return key(schedule, fireMillis);
  }
}
