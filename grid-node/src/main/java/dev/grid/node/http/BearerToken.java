package dev.grid.node.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks an {@code Authorization: Bearer ...} header against the grid's token.
 *
 * <p>Both sides are hashed before the comparison and compared with {@link MessageDigest#isEqual},
 * which takes the same time wherever the bytes differ: neither the token's content nor its length
 * leaks through response timing.
 */
final class BearerToken {
  private static final String SCHEME = "Bearer ";
  private final byte[] expectedDigest;

  /**
   * @param token the configured token, or null for a grid that checks none (loopback only)
   */
  BearerToken(String token) {
    this.expectedDigest = token == null || token.isBlank() ? null : sha256(token.strip());
  }

  /** Whether no token is configured, so every request passes. */
  boolean isOpen() {
    return expectedDigest == null;
  }

  /** Whether the header value carries the right token. */
  boolean accepts(String authorization) {
    if (expectedDigest == null) {
      return true;
    }
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    String given = authorization.substring(SCHEME.length()).strip();
    return MessageDigest.isEqual(sha256(given), expectedDigest);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
