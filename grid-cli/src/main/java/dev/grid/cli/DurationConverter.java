package dev.grid.cli;

import dev.grid.api.internal.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration option as {@link Durations} does: {@code 500ms}, {@code 1h30m}, {@code PT30S}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
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
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
