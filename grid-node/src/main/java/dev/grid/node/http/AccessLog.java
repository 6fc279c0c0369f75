package dev.grid.node.http;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one line per change asked of the HTTP API (a submit, a cancel, a jar upload, a
 * schedule added, paused or deleted, a storage repair), per refused request of a known token, per
 * tokens file read, and for requests without a known token at most one line per address every ten
 * seconds, with their count. Who (the token's name and role), what (method, path, the answer's
 * status and what it changed) and from where (the client's address). Reads are not logged.
 *
 * <p>It is the SLF4J logger {@value #NAME}, at INFO, so it goes wherever the node's log goes
 * (standard output: the journal under systemd) and can be routed to a file of its own in logback's
 * configuration. A line:
 *
 * <pre>
 * audit: alice (submit) from 10.0.0.7: POST /api/jobs -> 201 job 01JF3Q...
 * </pre>
 */
final class AccessLog {
  /** The logger's name. */
  static final String NAME = "grid.audit";

  private static final Logger log = LoggerFactory.getLogger(NAME);

  private AccessLog() {}

  /** A change asked for, with the answer's status and, if it did something, what. */
  static void change(
      Caller caller,
      InetSocketAddress from,
      String method,
      String path,
      int status,
      String detail) {
    log.info(
        "audit: {} ({}) from {}: {} {} -> {}{}",
        caller.name(),
        caller.role().word(),
        host(from),
        method,
        printable(path),
        status,
        detail == null ? "" : " " + printable(detail));
  }

  /** A request a known token may not make. */
  static void refused(
      Caller caller, InetSocketAddress from, String method, String path, Role needed) {
    log.info(
        "audit: {} ({}) from {}: {} {} -> 403 refused, needs {}",
        caller.name(),
        caller.role().word(),
        host(from),
        method,
        printable(path),
        needed.word());
  }

  /** How often, at most, a line is written for requests without a known token from one address. */
  static final long REFUSED_EVERY_MILLIS = 10_000;

  private static final int MAX_ADDRESSES = 1024;
  private static final Map<String, long[]> refusals = new ConcurrentHashMap<>();

  /**
   * A request without a known token (401): a line for the first from an address, then at most one
   * every {@link #REFUSED_EVERY_MILLIS} saying how many came meanwhile, so that someone trying
   * tokens leaves a trace without flooding the log.
   */
  static void unknownToken(InetSocketAddress from, String method, String path, long nowMillis) {
    // nowMillis: a monotonic clock's (System.nanoTime()), so a clock set back hides nothing
    String host = host(from);
    if (refusals.size() >= MAX_ADDRESSES && !refusals.containsKey(host)) {
      refusals.clear(); // many addresses: start counting afresh rather than grow
    }
    long[] seen =
        refusals.computeIfAbsent(host, h -> new long[] {nowMillis - REFUSED_EVERY_MILLIS, 0});
    long suppressed;
    synchronized (seen) {
      seen[1]++;
      if (nowMillis - seen[0] < REFUSED_EVERY_MILLIS) {
        return;
      }
      suppressed = seen[1] - 1;
      seen[0] = nowMillis;
      seen[1] = 0;
    }
    log.info(
        "audit: unknown token from {}: {} {} -> 401{}",
        host,
        method,
        printable(path),
        suppressed == 0 ? "" : " (and " + suppressed + " more from there since the last line)");
  }

  /** The tokens file was read (at start or after a change). */
  static void tokensRead(Path file, int tokens) {
    log.info("audit: read {} token(s) from {}", tokens, file);
  }

  /**
   * The text with every control character and line or paragraph separator written as {@code
   * \\uXXXX}: what a submitter puts in a command cannot start a line of its own in the log.
   */
  static String printable(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean escape = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
      if (escape && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (escape) {
        out.append(String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }

  private static String host(InetSocketAddress from) {
    if (from == null) {
      return "?";
    }
    return from.getAddress() == null ? from.getHostString() : from.getAddress().getHostAddress();
  }
}
