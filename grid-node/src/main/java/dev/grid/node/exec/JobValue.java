package dev.grid.node.exec;

import java.util.Objects;

/**
 * What a Java job returned: its Kryo form (for {@code GridClient.result}) and its {@code
 * toString()} (for {@code bin/result}, which has none of the job's classes).
 *
 * @param bytes the value as {@code ResultCodec} writes it
 * @param text the value's {@code toString()}, cut to {@link #MAX_TEXT} characters
 */
public record JobValue(byte[] bytes, String text) {
  /** The longest text kept: a huge toString must not fill the store. */
  public static final int MAX_TEXT = 64 * 1024;

  /** Validates eagerly. */
  public JobValue {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(text, "text");
    if (text.length() > MAX_TEXT) {
      text = text.substring(0, MAX_TEXT) + "... (cut at " + MAX_TEXT + " characters)";
    }
  }
}
