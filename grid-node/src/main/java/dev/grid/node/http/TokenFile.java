package dev.grid.node.http;

import dev.grid.node.ClusterSecret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's tokens file ({@code --token-file}, see {@link AccessTokens} for its form), read at start
 * and again when it changes: the node looks every few seconds and on SIGHUP. A file that has become
 * unreadable, readable by others or malformed is not taken: the tokens read before stay in force
 * and the error is logged, naming the line.
 *
 * <pre>{@code
 * TokenFile tokens = TokenFile.read(Path.of("/etc/grid/tokens"));
 * HttpApi api = new HttpApi(ops, bind, tokens, outOfGrid, tls);
 * scheduler.scheduleWithFixedDelay(tokens::reloadIfChanged, 2, 2, TimeUnit.SECONDS);
 * }</pre>
 */
public final class TokenFile {
  private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

  private final Path path;
  private volatile AccessTokens tokens;
  private volatile Object stamp;

  private TokenFile(Path path, AccessTokens tokens, Object stamp) {
    this.path = path;
    this.tokens = tokens;
    this.stamp = stamp;
  }

  /**
   * Reads the file.
   *
   * @throws IllegalArgumentException if it cannot be read, others can read it, or a line is bad:
   *     the message says which and what to do
   */
  public static TokenFile read(Path path) {
    Objects.requireNonNull(path, "path");
    Object stamp = stamp(path);
    AccessTokens tokens = load(path);
    AccessLog.tokensRead(path, tokens.size());
    return new TokenFile(path, tokens, stamp);
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /** The tokens in force. */
  AccessTokens tokens() {
    return tokens;
  }

  /**
   * Reads the file again if its size, modification time or identity changed since it was last read.
   *
   * @return whether new tokens are in force
   */
  public boolean reloadIfChanged() {
    Object now;
    try {
      now = stamp(path);
    } catch (IllegalArgumentException e) {
      return reload(); // gone or unreadable: reload says so, once per change
    }
    return !now.equals(stamp) && reload();
  }

  /**
   * Reads the file again now (SIGHUP). On any problem the tokens in force stay and the problem is
   * logged.
   *
   * @return whether new tokens are in force
   */
  public synchronized boolean reload() {
    Object now;
    try {
      now = stamp(path);
    } catch (IllegalArgumentException e) {
      if (stamp != null) {
        log.error("{}; the tokens read before stay in force", e.getMessage());
        stamp = null;
      }
      return false;
    }
    try {
      AccessTokens read = load(path);
      tokens = read;
      stamp = now;
      AccessLog.tokensRead(path, read.size());
      return true;
    } catch (IllegalArgumentException e) {
      stamp = now; // logged once per change of the file, not every few seconds
      log.error("{}; the tokens read before stay in force", e.getMessage());
      return false;
    }
  }

  private static AccessTokens load(Path path) {
    try {
      ClusterSecret.checkOwnerOnly(path, "token");
      return AccessTokens.parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "token file "
              + path
              + " cannot be read ("
              + e.getMessage()
              + "): create it with a token: `bin/grid-token "
              + path
              + "`",
          e);
    }
  }

  private static Object stamp(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      Object key = a.fileKey();
      return java.util.List.of(a.lastModifiedTime(), a.size(), key == null ? "" : key);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "token file " + path + " cannot be read (" + e.getMessage() + ")", e);
    }
  }
}
