package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The identity of a job, unique within a grid.
 *
 * <p>Ids made by {@link #next(Clock)} sort by submission time ({@code j} + base-36 milliseconds,
 * padded, + a random suffix), so {@code bin/jobs} lists jobs oldest first. Cron fires use ids
 * derived from the schedule and fire time instead, which is what makes a fire impossible to create
 * twice.
 *
 * <pre>{@code
 * JobId id = JobId.of("j0mf3k2x9a-04f2k1qz");
 * }</pre>
 *
 * <p>In JSON a job id is a plain string: {@code "j1kq2x9ab-4f2k1q"}.
 *
 * @param value the id as text: 1 to 128 of {@code A-Z a-z 0-9 . _ : -}
 */
public record JobId(@JsonValue String value) implements Comparable<JobId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** Validates the id; a bad one is refused with a message naming it. */
  public JobId {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "job id '" + value + "' is not valid: use 1 to 128 of A-Z a-z 0-9 . _ : -");
    }
  }

  /** Parses an id given by a user; same rules as the constructor. */
  @JsonCreator
  public static JobId of(String value) {
    return new JobId(value);
  }

  /** A fresh id that sorts after ids made earlier on a clock that does not go back. */
  public static JobId next(Clock clock) {
    long random = ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36 * 36 * 36);
    String suffix = Long.toString(random, 36);
    String millis = Long.toString(clock.millis(), 36);
    return new JobId(
        "j"
            + "0".repeat(Math.max(0, 9 - millis.length()))
            + millis
            + "-"
            + "0".repeat(8 - suffix.length())
            + suffix);
  }

  @Override
  public int compareTo(JobId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  // equals and hashCode as a record has them, written out: a record's own are bound at their first
  // call through invokedynamic (java.lang.runtime.ObjectMethods), which took a client command about
  // 30 ms when it listed a job with dependencies (they are kept in a set).

  @Override
  public boolean equals(Object other) {
    return other instanceof JobId id && value.equals(id.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
