package dev.grid.api.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads durations as people type them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code
 * 2d}, combined like {@code 1h30m}, or ISO-8601 like {@code PT30S}. The CLI's and the node's
 * options both read them here, so {@code bin/submit --timeout} and {@code bin/grid-node
 * --retain-jobs} take the same forms.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h|d))+");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException naming the text and the forms accepted
   */
  public static Duration parse(String text) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    if (value.startsWith("p")) {
      try {
        return Duration.parse(value.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw invalid(text);
      }
    }
    if (!WHOLE.matcher(value).matches()) {
      throw invalid(text);
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(value);
    while (part.find()) {
      try {
        long amount = Long.parseLong(part.group(1));
        total =
            total.plus(
                switch (part.group(2)) {
                  case "ms" -> Duration.ofMillis(amount);
                  case "s" -> Duration.ofSeconds(amount);
                  case "m" -> Duration.ofMinutes(amount);
                  case "h" -> Duration.ofHours(amount);
                  default -> Duration.ofDays(amount);
                });
      } catch (NumberFormatException | ArithmeticException e) { // too large for a Duration
        throw invalid(text);
      }
    }
    return total;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "duration '"
            + text
            + "' is not valid: use 500ms, 30s, 5m, 1h, 1h30m or ISO-8601 like PT30S");
  }
}
