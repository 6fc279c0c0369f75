package dev.grid.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the grid keeps what finished jobs leave behind: their records, their output and the run
 * history of schedules. {@code bin/grid-node --retain-jobs} and {@code --keep-runs} map onto it.
 *
 * <pre>{@code
 * RetentionPolicy week = RetentionPolicy.defaults();                    // 7 days, 100 runs
 * RetentionPolicy all = new RetentionPolicy(Duration.ZERO, 0, Duration.ofMinutes(1), 500);
 * }</pre>
 *
 * @param maxAge a finished job older than this (since it ended) is deleted with its output; {@link
 *     Duration#ZERO} keeps every job, whatever its age
 * @param keepRuns each schedule keeps its newest this many runs (jobs and run records), unless its
 *     own {@code keepRuns} says otherwise; 0 keeps every run
 * @param sweepEvery how often the primary looks for what to delete
 * @param batchSize how many jobs are deleted before the primary checks it still holds the lease
 */
public record RetentionPolicy(Duration maxAge, int keepRuns, Duration sweepEvery, int batchSize) {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
  public static final int DEFAULT_KEEP_RUNS = 100;
  public static final Duration DEFAULT_SWEEP_EVERY = Duration.ofMinutes(1);
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** Validates eagerly, naming the bad value. */
  public RetentionPolicy {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(sweepEvery, "sweepEvery");
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException(
          "job retention " + maxAge + " is negative: give 0 (keep forever) or more");
    }
    if (keepRuns < 0) {
      throw new IllegalArgumentException(
          "runs kept per schedule " + keepRuns + " is negative: give 0 (keep all) or more");
    }
    if (sweepEvery.isNegative() || sweepEvery.isZero()) {
      throw new IllegalArgumentException(
          "retention sweep interval " + sweepEvery + " must be positive");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          "retention batch size " + batchSize + " must be at least 1");
    }
  }

  /** Seven days, the newest 100 runs of each schedule, a sweep a minute. */
  public static RetentionPolicy defaults() {
    return new RetentionPolicy(
        DEFAULT_MAX_AGE, DEFAULT_KEEP_RUNS, DEFAULT_SWEEP_EVERY, DEFAULT_BATCH_SIZE);
  }

  /** Whether jobs expire by age at all. */
  public boolean expiresByAge() {
    return !maxAge.isZero();
  }

  /** This policy keeping jobs for {@code age} (0: forever). */
  public RetentionPolicy withMaxAge(Duration age) {
    return new RetentionPolicy(age, keepRuns, sweepEvery, batchSize);
  }

  /** This policy keeping {@code n} runs per schedule (0: all). */
  public RetentionPolicy withKeepRuns(int n) {
    return new RetentionPolicy(maxAge, n, sweepEvery, batchSize);
  }

  /** This policy sweeping every {@code interval}. */
  public RetentionPolicy withSweepEvery(Duration interval) {
    return new RetentionPolicy(maxAge, keepRuns, interval, batchSize);
  }
}
