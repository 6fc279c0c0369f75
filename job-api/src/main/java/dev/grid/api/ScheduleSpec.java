package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A recurring job: a name, when it fires, and what each fire runs.
 *
 * <pre>{@code
 * ScheduleSpec nightly = ScheduleSpec.of("backup", "0 30 2 * * ?",
 *         JobSpec.command("tar", "czf", "/backups/home.tgz", "/home"))
 *     .withZone("Europe/Paris")
 *     .withMisfire(MisfirePolicy.ONCE)
 *     .withOverlap(OverlapPolicy.FORBID)
 *     .withKeepRuns(30);
 * }</pre>
 *
 * <p>{@code cron} takes Quartz syntax with seconds ({@code 0/5 * * * * ?}), classic five-field Unix
 * cron ({@code *}{@code /5 * * * *}), or {@code @every 10s}, {@code @hourly}, {@code @daily}. The
 * grid checks the expression and the zone when the schedule is added and refuses a bad one, naming
 * it.
 *
 * @param name unique in the grid: 1 to 64 of {@code A-Z a-z 0-9 . _ -} (a new one also see {@link
 *     #checkNewName})
 * @param cron when it fires
 * @param zone the time zone the expression is read in (an IANA id); null means UTC
 * @param job what each fire runs
 * @param misfire what to do with fires missed while no primary ran
 * @param overlap what to do when a fire comes while the previous run has not ended
 * @param maxCatchUp with {@link MisfirePolicy#ALL}, at most this many missed fires are run
 * @param keepRuns how many of its newest runs (finished jobs with their output, and run records)
 *     the grid keeps; 0 keeps all; null means the grid's default ({@code bin/grid-node
 *     --keep-runs}). Runs older than the grid's {@code --retain-jobs} go in any case.
 */
public record ScheduleSpec(
    String name,
    String cron,
    String zone,
    JobSpec job,
    MisfirePolicy misfire,
    OverlapPolicy overlap,
    int maxCatchUp,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer keepRuns) {

  /** Missed fires run at most, by default, under {@link MisfirePolicy#ALL}. */
  public static final int DEFAULT_MAX_CATCH_UP = 100;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Validates what can be checked without the grid; the grid checks cron and zone. */
  public ScheduleSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "schedule name '" + name + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
    }

    if (cron == null || cron.isBlank()) {
      throw new IllegalArgumentException("schedule '" + name + "' has no cron expression");
    }
    Objects.requireNonNull(job, "job");
    if (job.retriesOn(RetryOn.FAILED) || job.retriesOn(RetryOn.TIMEOUT)) {
      throw new IllegalArgumentException(
          "schedule '"
              + name
              + "' asks for retries on failure, but a schedule's fire runs at most once (a fire"
              + " that failed may have done part of its work, and the next fire comes anyway):"
              + " leave out --retry-on");
    }
    if (job.schedulingOrDefault().hold()) {
      throw new IllegalArgumentException(
          "schedule '"
              + name
              + "' asks for its fires to be held: pause the schedule instead (bin/schedule pause)");
    }
    misfire = misfire == null ? MisfirePolicy.ONCE : misfire;
    overlap = overlap == null ? OverlapPolicy.ALLOW : overlap;
    if (maxCatchUp < 1) {
      throw new IllegalArgumentException("maxCatchUp " + maxCatchUp + " must be at least 1");
    }
    if (keepRuns != null && keepRuns < 0) {
      throw new IllegalArgumentException(
          "keepRuns "
              + keepRuns
              + " of schedule '"
              + name
              + "' is negative: give 0 (keep all runs) or more, or leave it out for the grid's default");
    }
  }

  /** A schedule that keeps as many runs as the grid's default. */
  public ScheduleSpec(
      String name,
      String cron,
      String zone,
      JobSpec job,
      MisfirePolicy misfire,
      OverlapPolicy overlap,
      int maxCatchUp) {
    this(name, cron, zone, job, misfire, overlap, maxCatchUp, null);
  }

  /**
   * Refuses a name a new schedule may not take although a stored one may have it: one that starts
   * or ends with '.' or holds '..'. A fire's job id is {@code cron.NAME.DUE} and its output is
   * stored under that id, so such a name makes storage keys with '..', which storage refuses: the
   * fires would run and keep no output. (Checked where schedules are added, not here, so that a
   * grid holding such a schedule from before still loads it.)
   *
   * @throws IllegalArgumentException naming the name and what to use
   */
  public static void checkNewName(String name) {
    if (name != null && (name.startsWith(".") || name.endsWith(".") || name.contains(".."))) {
      throw new IllegalArgumentException(
          "schedule name '"
              + name
              + "' is not valid: it may not start or end with '.' or hold '..' (its fires'"
              + " output could not be stored); use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
  }

  /** A schedule with the defaults: UTC, misfire {@code once}, overlap {@code allow}. */
  public static ScheduleSpec of(String name, String cron, JobSpec job) {
    return new ScheduleSpec(
        name, cron, null, job, MisfirePolicy.ONCE, OverlapPolicy.ALLOW, DEFAULT_MAX_CATCH_UP, null);
  }

  /** The zone as given, or {@code UTC}. */
  public String zoneOrUtc() {
    return zone == null ? "UTC" : zone;
  }

  public ScheduleSpec withZone(String newZone) {
    return new ScheduleSpec(name, cron, newZone, job, misfire, overlap, maxCatchUp, keepRuns);
  }

  public ScheduleSpec withMisfire(MisfirePolicy policy) {
    return new ScheduleSpec(name, cron, zone, job, policy, overlap, maxCatchUp, keepRuns);
  }

  public ScheduleSpec withOverlap(OverlapPolicy policy) {
    return new ScheduleSpec(name, cron, zone, job, misfire, policy, maxCatchUp, keepRuns);
  }

  public ScheduleSpec withMaxCatchUp(int bound) {
    return new ScheduleSpec(name, cron, zone, job, misfire, overlap, bound, keepRuns);
  }

  /** This schedule running another job at each fire. */
  public ScheduleSpec withJob(JobSpec newJob) {
    return new ScheduleSpec(name, cron, zone, newJob, misfire, overlap, maxCatchUp, keepRuns);
  }

  /** This schedule keeping its newest {@code n} runs (0: all; null: the grid's default). */
  public ScheduleSpec withKeepRuns(Integer n) {
    return new ScheduleSpec(name, cron, zone, job, misfire, overlap, maxCatchUp, n);
  }
}
