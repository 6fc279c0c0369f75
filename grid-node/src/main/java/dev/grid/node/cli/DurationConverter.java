package dev.grid.node.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations as people type them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code
 * 2d}, combined like {@code 1h30m}, or ISO-8601 like {@code PT30S}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h|d))+");

  /** Public for picocli to construct; use {@link #parse}. */
  public DurationConverter() {}

  @Override
  public Duration convert(String text) {
    return parse(text);
  }

  /**
   * Parses a duration as {@code bin/} commands take it.
   *
   * @throws TypeConversionException naming the text and the forms accepted
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
      long amount;
      try {
        amount = Long.parseLong(part.group(1));
      } catch (NumberFormatException e) {
        throw invalid(text);
      }
      total =
          total.plus(
              switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
              });
    }
    return total;
  }

  private static TypeConversionException invalid(String text) {
    return new TypeConversionException(
        "duration '"
            + text
            + "' is not valid: use 500ms, 30s, 5m, 1h, 1h30m or ISO-8601 like PT30S");
  }
}
