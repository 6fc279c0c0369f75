package dev.grid.node.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web dashboard's files: {@code /} is its page, {@code /ui/NAME} its scripts, styles and icon,
 * read from this jar's {@code dev/grid/node/ui/} folder. They hold no data (the page asks the API
 * for everything, with the token the user enters), so they are served without a token.
 *
 * <p>Every answer carries strict headers: a Content-Security-Policy that allows scripts, styles and
 * requests from this origin only and no inline script, {@code nosniff}, no referrer, no framing. A
 * file is revalidated on each load ({@code no-cache} with an ETag, answered 304 when unchanged), so
 * a node upgraded under an open page serves its new files at the next reload.
 */
final class Dashboard {
  private static final String FOLDER = "dev/grid/node/ui/";

  /** The names a file may have: no slash, no dot first, so nothing outside the folder is read. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|js|css|svg)");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml");

  static final String POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src"
          + " 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors"
          + " 'none'";

  private record File(byte[] bytes, String type, String etag) {}

  private final Map<String, Optional<File>> files = new ConcurrentHashMap<>();

  /**
   * Answers {@code GET} or {@code HEAD} of {@code /} or {@code /ui/NAME}.
   *
   * @return false if the path is none of the dashboard's (the caller answers 404)
   */
  boolean handle(Exchange exchange) throws IOException {
    String path = exchange.path();
    String name;
    if (path.equals("/") || path.equals("/index.html")) {
      name = "index.html";
    } else if (path.startsWith("/ui/")) {
      name = path.substring("/ui/".length());
    } else {
      return false;
    }
    Optional<File> file = NAME.matcher(name).matches() ? load(name) : Optional.empty();
    if (file.isEmpty()) {
      return false;
    }
    String method = exchange.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.header("Allow", "GET, HEAD");
      exchange.error(405, method + " is not allowed on " + path + ": use GET");
      return true;
    }
    exchange.header("Content-Security-Policy", POLICY);
    exchange.header("X-Content-Type-Options", "nosniff");
    exchange.header("Referrer-Policy", "no-referrer");
    exchange.header("X-Frame-Options", "DENY");
    exchange.header("Cache-Control", "no-cache");
    exchange.header("ETag", file.get().etag());
    String seen = exchange.header("If-None-Match");
    if (seen != null && seen.contains(file.get().etag())) {
      exchange.status(304);
      return true;
    }
    if (method.equals("HEAD")) {
      exchange.header("Content-Type", file.get().type());
      exchange.status(200);
      return true;
    }
    exchange.bytes(file.get().bytes(), file.get().type());
    return true;
  }

  /** The file, read once; a name that is not there is not remembered (any stranger can ask). */
  private Optional<File> load(String name) {
    Optional<File> known = files.get(name);
    if (known != null) {
      return known;
    }
    Optional<File> read = read(name);
    read.ifPresent(f -> files.putIfAbsent(name, Optional.of(f)));
    return read;
  }

  private static Optional<File> read(String name) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
      return Optional.of(new File(bytes, type, etag(bytes)));
    } catch (IOException e) {
      throw new UncheckedIOException("the dashboard's file " + name + " cannot be read", e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(hash, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
