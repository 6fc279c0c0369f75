package dev.grid.node.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tokens the HTTP API accepts, each with a name and a {@link Role}, as a tokens file gives
 * them. Either the file holds one bare token (the grid's only token, named {@code admin}, with
 * every right: what {@code bin/} and {@code GridClient} have always used), or one token per line:
 *
 * <pre>
 * # NAME  ROLE    TOKEN (or sha256:HEX of it)
 * ops     admin   3c1f0e...
 * alice   submit  sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * grafana read    5a7e41...
 * </pre>
 *
 * A token is 16 to 256 printable characters without spaces ({@code bin/grid-token FILE} makes one);
 * {@code sha256:} followed by the 64 hex digits of a token's SHA-256 keeps the token itself out of
 * the file ({@code printf %s TOKEN | sha256sum}). Names are 1 to 64 of {@code A-Z a-z 0-9 . _ @ -}
 * and unique, as are the tokens.
 *
 * <p>A request's token is hashed and looked up by its hash, so the time an answer takes does not
 * depend on how much of a token was right.
 */
final class AccessTokens {
  static final String SINGLE_NAME = "admin";
  private static final String SCHEME = "Bearer ";
  private static final String HASHED = "sha256:";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{16,256}");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

  private final Map<String, Caller> byDigest;

  private AccessTokens(Map<String, Caller> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  /** No token at all: every request passes as an admin (allowed on loopback only). */
  static AccessTokens open() {
    return new AccessTokens(Map.of());
  }

  /** One token with every right, named {@value #SINGLE_NAME}; blank means {@link #open()}. */
  static AccessTokens single(String token) {
    if (token == null || token.isBlank()) {
      return open();
    }
    return new AccessTokens(Map.of(digest(token.strip()), new Caller(SINGLE_NAME, Role.ADMIN)));
  }

  /**
   * Reads a tokens file's text: one bare token, or lines of {@code NAME ROLE TOKEN}; blank lines
   * and lines starting with {@code #} are skipped.
   *
   * @param source the file's name, for messages
   * @throws IllegalArgumentException naming the file, the line and what is wrong with it (never the
   *     token)
   */
  static AccessTokens parse(String text, String source) {
    String[] lines = text.split("\r?\n", -1);
    Map<String, Caller> byDigest = new HashMap<>();
    Map<String, Integer> names = new LinkedHashMap<>();
    int entries = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      entries++;
      String[] fields = line.split("\\s+");
      if (fields.length == 1 && byDigest.isEmpty() && onlyEntry(lines, i)) {
        return single(fields[0]);
      }
      String where = source + " line " + (i + 1);
      if (fields.length != 3) {
        throw new IllegalArgumentException(
            where
                + " has "
                + fields.length
                + " fields: write NAME ROLE TOKEN (role read, submit or admin), or make the"
                + " file hold one bare token");
      }
      String name = fields[0];
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            where + ": name '" + name + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ @ -");
      }
      Role role;
      try {
        role = Role.parse(fields[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      String digest = tokenDigest(fields[2], where);
      Integer earlier = names.putIfAbsent(name, i + 1);
      if (earlier != null) {
        throw new IllegalArgumentException(
            where
                + ": name '"
                + name
                + "' is given already on line "
                + earlier
                + ": names are unique");
      }
      Caller other = byDigest.putIfAbsent(digest, new Caller(name, role));
      if (other != null) {
        throw new IllegalArgumentException(
            where
                + ": the token of '"
                + name
                + "' is the token of '"
                + other.name()
                + "' too: give each name a token of its own");
      }
    }
    if (entries == 0) {
      throw new IllegalArgumentException(
          source
              + " holds no token: put one in it (bin/grid-token FILE makes one), or lines NAME"
              + " ROLE TOKEN");
    }
    return new AccessTokens(byDigest);
  }

  private static boolean onlyEntry(String[] lines, int index) {
    for (int j = index + 1; j < lines.length; j++) {
      String line = lines[j].strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        return false;
      }
    }
    return true;
  }

  private static String tokenDigest(String field, String where) {
    if (field.regionMatches(true, 0, HASHED, 0, HASHED.length())) {
      String hex = field.substring(HASHED.length());
      if (!HEX.matcher(hex).matches()) {
        throw new IllegalArgumentException(
            where
                + ": after sha256: give the 64 hex digits of the token's SHA-256"
                + " (printf %s TOKEN | sha256sum)");
      }
      return hex.toLowerCase(java.util.Locale.ROOT);
    }
    if (!TOKEN.matcher(field).matches()) {
      throw new IllegalArgumentException(
          where
              + ": the token is "
              + field.length()
              + " characters: give 16 to 256 printable ones without spaces (bin/grid-token FILE"
              + " makes one)");
    }
    return digest(field);
  }

  /** Whether every request passes: no token is configured. */
  boolean isOpen() {
    return byDigest.isEmpty();
  }

  /** How many tokens there are. */
  int size() {
    return byDigest.size();
  }

  /**
   * Who an {@code Authorization} header's token belongs to; empty if it carries none or an unknown
   * one. An open grid takes every request as {@code admin}.
   */
  Optional<Caller> caller(String authorization) {
    if (byDigest.isEmpty()) {
      return Optional.of(new Caller(SINGLE_NAME, Role.ADMIN));
    }
    if (authorization == null
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        byDigest.get(digest(authorization.substring(SCHEME.length()).strip())));
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
