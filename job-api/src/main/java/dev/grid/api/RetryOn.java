package dev.grid.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why a job may be run again, within its {@code maxRetries}: {@code --retry-on failed,timeout}.
 *
 * <pre>{@code
 * JobSpec flaky = JobSpec.shell("curl -fsS https://example.com/feed > feed.xml")
 *     .withMaxRetries(3)
 *     .withRetryOn(List.of(RetryOn.FAILED, RetryOn.TIMEOUT))
 *     .withBackoff(new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5)));
 * }</pre>
 *
 * <p>A job whose worker died under it is always retried while retries remain ({@link #LOST}): it
 * did not fail, its node did. A schedule's fires are never run again whatever this says (a fire
 * runs at most once).
 */
public enum RetryOn {
  /** Its worker died, froze or was cut off while it ran (always on). */
  LOST,
  /** It ended with a non-zero exit code, could not be started, or its Java job threw. */
  FAILED,
  /** It ran past its timeout and was killed. */
  TIMEOUT;

  /**
   * Parses a comma-separated list like {@code failed,timeout}, in any case; {@code lost} is always
   * included.
   *
   * @throws IllegalArgumentException naming the unknown word and the known ones
   */
  public static List<RetryOn> parseList(String text) {
    Set<RetryOn> out = EnumSet.of(LOST);
    for (String word : text.split(",", -1)) {
      out.add(parse(word.trim()));
    }
    return new ArrayList<>(out);
  }

  /** Parses one of {@code lost}, {@code failed}, {@code timeout}, in any case. */
  public static RetryOn parse(String word) {
    for (RetryOn r : values()) {
      if (r.name().equalsIgnoreCase(word)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "retry-on '"
            + word
            + "' is not known: give a comma-separated list of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT));
  }

  /** The word a user gives for it: {@code failed}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
