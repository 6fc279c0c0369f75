package dev.grid.node.http;

import com.sun.net.httpserver.HttpExchange;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.internal.Json;
import dev.grid.node.GridOperations;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/** One request and its answer: reading the body with a cap, writing JSON, errors or bytes. */
final class Exchange {
  static final int MAX_BODY_BYTES = 1 << 20;
  private static final String JSON = "application/json; charset=utf-8";

  private final HttpExchange http;
  private Caller caller; // set once the token is checked; routes never see a request before
  private String changed;
  private Supplier<String> doubt = () -> null;

  Exchange(HttpExchange http) {
    this.http = http;
  }

  /** Who sent the request (set once the token is checked). */
  Caller caller() {
    if (caller == null) {
      throw new IllegalStateException("the request's token was not checked");
    }
    return caller;
  }

  void caller(Caller who) {
    this.caller = who;
  }

  /** What the request changed, for the audit log, like {@code "job 01JF..."}; null if nothing. */
  String changed() {
    return changed;
  }

  void changed(String what) {
    this.changed = what;
  }

  /**
   * Checked before a success is sent: if {@code doubt} then gives a reason, the client gets 503
   * with it instead (see {@link HttpApi}: a change made while the node was cut off).
   */
  void confirmChangesWith(Supplier<String> doubt) {
    this.doubt = doubt;
  }

  /** Why a success of {@code status} must not be sent, or null (errors are sent as they are). */
  private String doubtAbout(int status) {
    return status >= 200 && status < 300 ? doubt.get() : null;
  }

  /** The client's address. */
  java.net.InetSocketAddress remote() {
    return http.getRemoteAddress();
  }

  String method() {
    return http.getRequestMethod();
  }

  /** The decoded path without a trailing slash, like {@code /api/jobs/j1}. */
  String path() {
    String path = http.getRequestURI().getPath();
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /**
   * The decoded value of a query parameter, or null. Pairs are split before decoding, so an encoded
   * {@code &} or {@code =} stays in the value.
   */
  String query(String name) {
    String query = http.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return decode(name, pair.substring(eq + 1));
      }
    }
    return null;
  }

  private static String decode(String name, String raw) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "query parameter "
              + name
              + "='"
              + raw
              + "' is not URL-encoded properly: encode it (a % as %25)",
          e);
    }
  }

  String header(String name) {
    return http.getRequestHeaders().getFirst(name);
  }

  /** The request body, refused past {@value #MAX_BODY_BYTES} bytes. */
  byte[] body() throws IOException {
    try (InputStream in = http.getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw new ApiError(413, "request body is over " + MAX_BODY_BYTES + " bytes: send less");
      }
      return bytes;
    }
  }

  /** The request body as a stream, of any length; the caller reads it to its end. */
  InputStream bodyStream() {
    return http.getRequestBody();
  }

  /**
   * The request body as a stream of at most {@code max} bytes: a larger {@code Content-Length} is
   * refused with 413 before a byte is read, and a body without one is refused with 413 (thrown from
   * {@code read}) as soon as it passes {@code max}, so whatever the caller was writing it to holds
   * at most {@code max} bytes.
   */
  InputStream boundedBody(long max, String what) {
    String tooLarge =
        what + " over " + max + " bytes is not taken: send less, or ask the operator to allow more";
    String length = header("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        throw new ApiError(400, "Content-Length '" + length + "' is not a number");
      }
      if (declared > max) {
        throw new ApiError(413, tooLarge + " (Content-Length " + declared + ")");
      }
    }
    return new FilterInputStream(http.getRequestBody()) {
      private long read;

      @Override
      public int read() throws IOException {
        int b;
        try {
          b = super.read();
        } catch (IOException e) {
          throw brokeOff(e);
        }
        count(b < 0 ? 0 : 1);
        return b;
      }

      @Override
      public int read(byte[] into, int off, int len) throws IOException {
        int n;
        try {
          n = super.read(into, off, len);
        } catch (IOException e) {
          throw brokeOff(e);
        }
        count(Math.max(n, 0));
        return n;
      }

      /** The client's body ended early or stalled: its error (400), not the node's. */
      private ApiError brokeOff(IOException e) {
        return new ApiError(
            400, what + " broke off after " + read + " bytes (" + e + "): send it again");
      }

      private void count(int n) {
        read += n;
        if (read > max) {
          throw new ApiError(413, tooLarge);
        }
      }
    };
  }

  /** Answers with a status and no body (for HEAD). */
  void status(int status) throws IOException {
    http.sendResponseHeaders(status, -1);
  }

  /** Answers 200 with the bytes as they are. */
  void bytes(byte[] content, String contentType) throws IOException {
    http.getResponseHeaders().set("Content-Type", contentType);
    http.sendResponseHeaders(200, content.length == 0 ? -1 : content.length);
    try (OutputStream out = http.getResponseBody()) {
      out.write(content);
    }
  }

  void json(int status, Object value) throws IOException {
    String unsure = doubtAbout(status);
    if (unsure != null) {
      status = 503;
      value = Map.of("error", unsure);
    }
    byte[] bytes = Json.toBytes(value);
    http.getResponseHeaders().set("Content-Type", JSON);
    http.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = http.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Answers 204 with no body. */
  void noContent() throws IOException {
    String unsure = doubtAbout(204);
    if (unsure != null) {
      error(503, unsure);
      return;
    }
    http.sendResponseHeaders(204, -1);
  }

  void error(int status, String message) throws IOException {
    json(status, Map.of("error", message == null ? "HTTP " + status : message));
  }

  void header(String name, String value) {
    http.getResponseHeaders().set(name, value);
  }

  /**
   * Streams stored output without holding it in memory, with its length when known: an answer that
   * then breaks off short (a copy lost while it is read) is one every client sees as broken,
   * whatever the server does with the exchange afterwards.
   */
  void stream(GridOperations.Output output) throws IOException {
    InputStream in = output.content();
    try (in) {
      // The first bytes are read before the answer starts, so a source that cannot be read at all
      // gets an error status, not a 200 with an empty body.
      byte[] buffer = new byte[64 * 1024];
      int n;
      try {
        n = in.read(buffer);
      } catch (IOException | RuntimeException e) {
        throw new GridUnavailableException("it cannot be read now: " + e.getMessage(), e);
      }
      http.getResponseHeaders().set("Content-Type", "application/octet-stream");
      long length = output.length();
      http.sendResponseHeaders(200, length == 0 ? -1 : Math.max(0, length));
      if (length == 0) {
        return;
      }
      OutputStream out = http.getResponseBody();
      long sent = 0;
      while (n >= 0) {
        if (length > 0 && sent + n > length) {
          throw new CutShort(
              new IOException("the stored output holds more than the " + length + " bytes kept"));
        }
        out.write(buffer, 0, n); // an IOException here: the client went away
        sent += n;
        try {
          n = in.read(buffer);
        } catch (IOException | RuntimeException e) {
          throw new CutShort(e);
        }
      }
      if (length > 0 && sent != length) {
        throw new CutShort(
            new IOException("the stored output ended after " + sent + " of " + length + " bytes"));
      }
      out.close();
    }
  }

  /**
   * A streamed answer that failed after it began. Thrown out of the handler, not answered: no
   * status can be sent any more. The answer announced its length, so the client sees one that ended
   * short as broken off (and asks another node), whether the server then drops the connection or
   * ends the exchange.
   */
  static final class CutShort extends RuntimeException {
    CutShort(Throwable cause) {
      super("the answer broke off after it began: " + cause, cause);
    }
  }

  /**
   * Discards what is left of the request body (up to the cap) so the connection can be reused.
   * Reads rather than {@code skip()}s: the server's body stream inherits {@code skip} from
   * FilterInputStream, which skips on the raw socket past the body's end and then blocks.
   */
  void drain() {
    try (InputStream in = http.getRequestBody()) {
      in.readNBytes(MAX_BODY_BYTES);
    } catch (IOException ignored) {
      // the client went away; nothing to answer
    }
  }
}
