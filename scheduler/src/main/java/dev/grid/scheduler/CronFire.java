package dev.grid.scheduler;

import dev.grid.api.JobId;
import java.util.Optional;

/**
 * A due time of a schedule, and the job id it becomes: {@code cron.NAME.DUE_MILLIS}, the same for
 * every primary that fires it. Schedule names may hold dots; the due time is the last part.
 *
 * @param schedule the schedule's name
 * @param dueMillis the due time
 */
record CronFire(String schedule, long dueMillis) {
  private static final String PREFIX = "cron.";

  /** The job this due time becomes. */
  JobId jobId() {
    return JobId.of(PREFIX + schedule + "." + dueMillis);
  }

  /** The key of this due time's run record. */
  String runKey() {
    return ScheduleRunRecord.key(schedule, dueMillis);
  }

  /** The due time a cron job was made for; empty for a job submitted by hand. */
  static Optional<CronFire> of(JobId id) {
    String v = id.value();
    int dot = v.lastIndexOf('.');
    if (!v.startsWith(PREFIX) || dot <= PREFIX.length() || dot == v.length() - 1) {
      return Optional.empty();
    }
    String due = v.substring(dot + 1);
    for (int i = 0; i < due.length(); i++) {
      if (!Character.isDigit(due.charAt(i))) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(new CronFire(v.substring(PREFIX.length(), dot), Long.parseLong(due)));
    } catch (NumberFormatException e) {
      return Optional.empty(); // more digits than a long holds: not one of ours
    }
  }
}
