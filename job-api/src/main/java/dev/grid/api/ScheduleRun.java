package dev.grid.api;

/**
 * What became of one due time of a schedule ({@code bin/schedule runs NAME}).
 *
 * @param fireTimeMillis the due time
 * @param outcome {@link Outcome#STARTED} with the job, or why no job ran
 * @param jobId the job this fire became, or null
 * @param state that job's state now, or null
 * @param reason why it was missed or skipped, or null
 */
public record ScheduleRun(
    long fireTimeMillis, Outcome outcome, JobId jobId, JobState state, String reason) {

  /** What a fire became. */
  public enum Outcome {
    /** It became a job. */
    STARTED,
    /** It fell due while no primary ran, and its misfire policy did not run it. */
    MISSED,
    /** Its overlap policy skipped it (the previous run had not ended). */
    SKIPPED
  }
}
