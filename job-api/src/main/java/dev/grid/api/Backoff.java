package dev.grid.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a job that failed or timed out waits before it is run again ({@code --backoff 10s
 * --backoff-max 1h}): {@code first} before the first retry, doubling for each retry after it, never
 * more than {@code max}; each wait gets up to a fifth more (a spread fixed by the job's id and the
 * retry's number, so that many jobs failing together do not all come back together), and stays
 * within {@code max}.
 *
 * <pre>{@code
 * new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5)) // 10s, 20s, 40s, ... 5m
 * }</pre>
 *
 * <p>A job whose worker died is dispatched again at once: it did not fail, its node did.
 *
 * @param first the wait before the first retry
 * @param max the longest wait
 */
public record Backoff(Duration first, Duration max) {

  /** The longest wait a backoff may give. */
  public static final Duration MAX = Duration.ofDays(1);

  /** The backoff of a job that names none: 10 seconds, doubling, at most an hour. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(10), Duration.ofHours(1));

  /** Validates eagerly; a bad value is named in the message. */
  public Backoff {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(max, "max");
    if (first.isNegative()) {
      throw new IllegalArgumentException(
          "backoff " + first + " is negative: give 0 (retry at once) or more");
    }
    if (max.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff-max " + max + " is shorter than the backoff " + first + ": give at least that");
    }
    if (max.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(
          "backoff-max " + max + " is over the " + MAX.toHours() + " hours a backoff may last");
    }
  }

  /**
   * The wait before the given retry, in milliseconds.
   *
   * @param retry 1 for the first retry
   * @param jobId the job's id, which fixes the spread
   */
  public long delayMillis(int retry, String jobId) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry " + retry + " is not 1 or more");
    }
    long maxMillis = max.toMillis();
    long base = first.toMillis();
    for (int i = 1; i < retry && base < maxMillis; i++) {
      base *= 2;
    }
    base = Math.min(base, maxMillis);
    // A spread in [0, 1) fixed by the id and the retry: a record change must be the same when
    // Hazelcast applies it again on the backup copy, so it cannot be drawn at random.
    int h = Objects.hash(jobId, retry) * 0x9E3779B9;
    double spread = (h >>> 8) / (double) (1 << 24);
    return Math.min(maxMillis, base + (long) (base * 0.2 * spread));
  }

  /** As a user gives it: {@code 10s up to 1h}. */
  public String display() {
    return text(first) + " doubling up to " + text(max);
  }

  /** A duration as a user writes it: {@code 10s}, {@code 5m}, {@code 1h}, or {@code 1500ms}. */
  static String text(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
