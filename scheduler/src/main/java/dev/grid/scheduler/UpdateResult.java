package dev.grid.scheduler;

/**
 * What became of a {@link JobCommand}: applied (the new record) or refused (why, and the record as
 * it stands, null if there is none).
 */
public record UpdateResult(boolean applied, JobRecord record, String refusal) {

  static UpdateResult applied(JobRecord record) {
    return new UpdateResult(true, record, null);
  }

  static UpdateResult refused(JobRecord record, String why) {
    return new UpdateResult(false, record, why);
  }

  /** A refusal built outside the update (a failed call), with the record as read after it. */
  public static UpdateResult refusedAs(JobRecord record, String why) {
    return new UpdateResult(false, record, why);
  }
}
