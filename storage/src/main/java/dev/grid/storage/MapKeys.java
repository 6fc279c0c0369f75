package dev.grid.storage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns any map key into one segment of a blob key and back, reversibly. Letters, digits and {@code
 * - :} stay as they are; a {@code .} stays unless it would start the segment or follow another (no
 * {@code .}, {@code ..} segments); everything else, {@code _} and {@code /} included, becomes
 * {@code _HH} per UTF-8 byte. So {@code daily@1700000000000} is stored as {@code
 * daily_401700000000000}.
 */
final class MapKeys {
  private static final char ESCAPE = '_';
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private MapKeys() {}

  /** The key as a blob key segment; refuses an empty key. */
  static String escape(String key) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("an empty map key cannot be stored as a blob");
    }
    StringBuilder out = new StringBuilder(key.length() + 8);
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain =
          (b >= 'a' && b <= 'z')
              || (b >= 'A' && b <= 'Z')
              || (b >= '0' && b <= '9')
              || b == '-'
              || b == ':'
              || (b == '.' && i > 0 && bytes[i - 1] != '.');
      if (plain) {
        out.append((char) b);
      } else {
        out.append(ESCAPE).append(HEX[b >> 4]).append(HEX[b & 0xf]);
      }
    }
    return out.toString();
  }

  /** The map key a segment made by {@link #escape} stands for. */
  static String unescape(String segment) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != ESCAPE) {
        bytes.write(c);
        continue;
      }
      if (i + 2 >= segment.length()) {
        throw new IllegalArgumentException(
            "blob key segment '"
                + segment
                + "' ends inside an escape: it was not made from a map key");
      }
      int hi = Character.digit(segment.charAt(i + 1), 16);
      int lo = Character.digit(segment.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException(
            "blob key segment '"
                + segment
                + "' has a bad escape at "
                + i
                + ": it was not made from a map key");
      }
      bytes.write(hi << 4 | lo);
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
