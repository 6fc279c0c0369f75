package dev.grid.api.internal;

import dev.grid.api.GridAuthException;
import dev.grid.api.GridException;
import dev.grid.api.GridUnavailableException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends one HTTP request to the grid, failing over between its nodes.
 *
 * <p>Failover: a node that cannot be connected to is skipped and the next one tried; the node that
 * answered is remembered and asked first next time. Any answer, even an error status, ends the
 * round: a 4xx is the caller's problem, not the node's.
 *
 * <p>At most once: a request that may already have reached a node (the connection was made, then
 * broke or timed out) is tried elsewhere only if it is {@link Retry#ON_ANY_FAILURE safe to repeat}.
 * A submit is not: the first node may have accepted the job, and a second submit would make a
 * second job.
 *
 * <p>Connections: each request is one HTTP/1.1 exchange on a connection of its own while it lasts
 * ({@link HttpConnection}); afterwards the connection is kept for the next request to that node, up
 * to {@value #MAX_KEPT_PER_NODE} per node, for at most {@link #KEEP_IDLE}. Thread-safe.
 *
 * <p>Not part of the public API.
 */
public final class NodeTransport implements AutoCloseable {
  /**
   * The answer of a node cut off from the grid's majority, which did nothing with the request: the
   * next node is asked, whatever the {@link Retry}.
   */
  public static final int NOT_IN_GRID = 421;

  /**
   * How long an idle connection is kept for the next request (the nodes close theirs after 10 s).
   */
  static final Duration KEEP_IDLE = Duration.ofSeconds(2);

  /** Idle connections kept per node, for clients that send from several threads. */
  static final int MAX_KEPT_PER_NODE = 8;

  private static final String ACCEPT = "application/json, application/octet-stream";

  /** When a request may be sent to another node. */
  public enum Retry {
    /** Reading, or an operation that may be repeated: any I/O failure moves on. */
    ON_ANY_FAILURE,
    /** Only when the node could not be connected to, so it cannot have seen the request. */
    ON_CONNECT_FAILURE_ONLY
  }

  /**
   * A node's answer.
   *
   * @param next the {@code after} cursor of the {@code Link: <...>; rel="next"} header of a paged
   *     listing, or null if the answer has none (the last page)
   */
  public record Response(URI node, int status, byte[] body, String next) {
    public Response(URI node, int status, byte[] body) {
      this(node, status, body, null);
    }

    /** The {@code after} parameter of a {@code rel="next"} link, decoded; null if there is none. */
    static String nextCursor(String link) {
      if (link == null) {
        return null;
      }
      for (String part : link.split(",")) {
        int open = part.indexOf('<');
        int close = part.indexOf('>');
        if (open < 0
            || close < open
            || !part.substring(close + 1).replace(" ", "").contains("rel=\"next\"")) {
          continue;
        }
        String target = part.substring(open + 1, close);
        int query = target.indexOf('?');
        for (String pair : target.substring(query + 1).split("&")) {
          if (query >= 0 && pair.startsWith("after=")) {
            return URLDecoder.decode(pair.substring("after=".length()), StandardCharsets.UTF_8);
          }
        }
      }
      return null;
    }

    /**
     * The body of a successful answer; an error answer becomes the matching exception: 401 a {@link
     * GridAuthException}, 403 one with the node's message (what the token's role does not allow),
     * 400 an {@link IllegalArgumentException} and 409 a {@link GridException} with the node's
     * message, 503 a {@link GridUnavailableException} with it, 404 what {@code notFound} makes (if
     * given).
     */
    public byte[] bodyOrThrow(Supplier<? extends GridException> notFound) {
      if (status >= 200 && status < 300) {
        return body;
      }
      switch (status) {
        case 401:
          throw new GridAuthException(
              "the grid refused the token: check GRID_TOKEN or --token-file (node " + node + ")");
        case 403:
          throw new GridAuthException(errorMessage());
        case 404:
          if (notFound != null) {
            throw notFound.get();
          }
          break;
        case 400:
          throw new IllegalArgumentException(errorMessage());
        case 409:
          throw new GridException(errorMessage());
        case 503:
          // The node could not do it now, or did it while cut off and cannot vouch for it.
          throw new GridUnavailableException("node " + node + ": " + errorMessage(), null);
        default:
          break;
      }
      throw new GridException("node " + node + " answered HTTP " + status + ": " + errorMessage());
    }

    /** The {@code "error"} text of an error answer, or the status line if there is none. */
    public String errorMessage() {
      try {
        String error = LightJson.field(body, "error");
        if (error != null) {
          return error;
        }
      } catch (RuntimeException notJson) {
        // fall through: a proxy or an older node may answer with plain text
      }
      return "HTTP " + status;
    }
  }

  private final List<URI> nodes;
  private final String authorization;
  private final int connectTimeoutMillis;
  private final int requestTimeoutMillis;
  private final AtomicInteger preferred = new AtomicInteger();
  private final SSLSocketFactory tls;
  private final Map<URI, Deque<HttpConnection>> idle = new ConcurrentHashMap<>();
  private final long keepIdleNanos;
  private volatile boolean closed;

  /**
   * @param nodes base URLs of nodes, like {@code http://10.0.0.5:18701}; at least one
   * @param token the bearer token, or null to send none
   * @param connectTimeout how long to wait for a node to accept a connection before moving on
   * @param requestTimeout how long a connected node may stay silent while it answers
   */
  public NodeTransport(
      List<URI> nodes, String token, Duration connectTimeout, Duration requestTimeout) {
    this(nodes, token, connectTimeout, requestTimeout, null);
  }

  /**
   * As {@link #NodeTransport(List, String, Duration, Duration)}, with the TLS context {@code
   * https://} nodes are checked against (null: the JVM's trusted CAs).
   */
  public NodeTransport(
      List<URI> nodes,
      String token,
      Duration connectTimeout,
      Duration requestTimeout,
      SSLContext tls) {
    this(nodes, token, connectTimeout, requestTimeout, tls, KEEP_IDLE);
  }

  /** As above, keeping idle connections for {@code keepIdle} (tests use less). */
  NodeTransport(
      List<URI> nodes,
      String token,
      Duration connectTimeout,
      Duration requestTimeout,
      SSLContext tls,
      Duration keepIdle) {
    this.tls = tls == null ? null : tls.getSocketFactory();
    if (nodes == null || nodes.isEmpty()) {
      throw new IllegalArgumentException(
          "no grid URL given: give at least one, like " + "http://127.0.0.1:18701");
    }
    this.nodes = List.copyOf(nodes);
    if (token != null && (token.strip().indexOf('\r') >= 0 || token.strip().indexOf('\n') >= 0)) {
      throw new IllegalArgumentException(
          "the token holds a line break: give the token alone, on one line (check GRID_TOKEN or"
              + " --token-file)");
    }
    this.authorization = token == null || token.isBlank() ? null : "Bearer " + token.strip();
    this.connectTimeoutMillis = millis(Objects.requireNonNull(connectTimeout, "connectTimeout"));
    this.requestTimeoutMillis = millis(Objects.requireNonNull(requestTimeout, "requestTimeout"));
    this.keepIdleNanos = keepIdle.toNanos();
  }

  /** The nodes, in the order given. */
  public List<URI> nodes() {
    return nodes;
  }

  /**
   * Sends the request to the remembered node, then to the others in turn as {@code retry} allows.
   *
   * @param method GET, POST or DELETE
   * @param path the path under the node's base URL, like {@code /api/jobs}
   * @param jsonBody a JSON body, or null for none
   * @throws GridUnavailableException if no node answered, naming every URL tried and why
   */
  public Response send(String method, String path, byte[] jsonBody, Retry retry) {
    return sendBody(method, path, jsonBody == null ? null : Body.json(jsonBody), retry);
  }

  /** A request body: its content type, its length, and how to open it afresh for every node. */
  public record Body(String contentType, long length, Opener content) {
    /** Opens the body's bytes. */
    @FunctionalInterface
    public interface Opener {
      InputStream open() throws IOException;
    }

    static Body json(byte[] bytes) {
      return new Body("application/json", bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    /** A file's bytes, streamed from disk, as {@code application/octet-stream}. */
    public static Body file(Path file) {
      try {
        return new Body(
            "application/octet-stream", Files.size(file), () -> Files.newInputStream(file));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
  }

  /**
   * Sends the request, as {@link #send(String, String, byte[], Retry)}, with any body.
   *
   * @param body the body, or null for none
   */
  public Response sendBody(String method, String path, Body body, Retry retry) {
    // The connections are channels, which a pending interrupt closes mid-request; the request
    // runs as if uninterrupted (as with plain sockets) and the interrupt is kept for the caller.
    boolean interrupted = Thread.interrupted();
    try {
      return send(method, path, body, retry);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Response send(String method, String path, Body body, Retry retry) {
    int start = preferred.get();
    List<String> failures = new ArrayList<>();
    IOException last = null;
    for (int i = 0; i < nodes.size(); i++) {
      int index = (start + i) % nodes.size();
      URI node = nodes.get(index);
      HttpConnection connection;
      try {
        connection = connection(node);
      } catch (IOException e) { // not connected: the node cannot have seen the request
        last = e;
        failures.add(node + " (" + describe(e) + ")");
        continue;
      }
      try {
        Response answer;
        try {
          answer = exchange(connection, method, path, body);
        } catch (IOException e) {
          if (!connection.reused() || retry != Retry.ON_ANY_FAILURE) {
            throw e;
          }
          // A kept connection the node closed just as it was taken: a request safe to repeat
          // goes once more, on a new connection to the same node.
          connection.close();
          connection = HttpConnection.open(node, tls, connectTimeoutMillis, requestTimeoutMillis);
          answer = exchange(connection, method, path, body);
        }
        if (answer.status() == NOT_IN_GRID) {
          // The node is cut off from the grid's majority and did nothing: ask the next one.
          failures.add(node + " (" + answer.errorMessage() + ")");
          continue;
        }
        preferred.set(index);
        return answer;
      } catch (IOException e) {
        connection.close();
        last = e;
        failures.add(node + " (" + describe(e) + ")");
        if (retry == Retry.ON_CONNECT_FAILURE_ONLY) {
          throw new GridUnavailableException(
              "node "
                  + node
                  + " failed after the request was sent ("
                  + describe(e)
                  + "); it may have acted on it, so it was not sent to another node: check with"
                  + " bin/jobs or bin/schedule list before trying again",
              e);
        }
      } catch (RuntimeException | Error e) {
        connection.close(); // neither kept nor left open
        throw e;
      }
    }
    if (last == null && !failures.isEmpty()) { // every node answered, none is in the grid
      throw new GridUnavailableException(
          "no node asked is in the grid's majority now, tried "
              + String.join(", ", failures)
              + ": wait for the partition to heal, or point GRID_URL /"
              + " --url at nodes on the majority side",
          null);
    }
    throw new GridUnavailableException(
        "no grid node answered, tried "
            + String.join(", ", failures)
            + ": start a node, or point GRID_URL / --url at running ones",
        last);
  }

  /**
   * A connection to the node: a kept one that the node has not closed and that has been idle for
   * less than {@link #KEEP_IDLE}, else a new one. An exception here means no request reached the
   * node.
   *
   * <p>A kept connection is looked at before it is used ({@link HttpConnection#stillOpen}), and
   * kept for much less than the node's own idle timeout (10 s), so a request is written to a
   * connection the node has given up only if the node closes it in the moment between the look and
   * the write (a node stopping): a request safe to repeat then goes again on a new connection; one
   * that is not (a submit) fails as "may have acted on it", and is never sent twice.
   */
  private HttpConnection connection(URI node) throws IOException {
    Deque<HttpConnection> kept = idle.get(node);
    HttpConnection c;
    long now = System.nanoTime();
    while (kept != null && (c = kept.pollLast()) != null) {
      if (c.idleNanos(now) < keepIdleNanos && c.stillOpen()) {
        return c;
      }
      c.close();
    }
    return HttpConnection.open(node, tls, connectTimeoutMillis, requestTimeoutMillis);
  }

  /** Sends the request, reads the whole answer, and keeps the connection if it may carry more. */
  private Response exchange(HttpConnection c, String method, String path, Body body)
      throws IOException {
    String[] headers =
        authorization == null
            ? new String[] {"Accept", ACCEPT}
            : new String[] {"Accept", ACCEPT, "Authorization", authorization};
    HttpConnection.Answer answer = c.exchange(method, target(c.node(), path), headers, body);
    Deque<HttpConnection> kept = idle.computeIfAbsent(c.node(), n -> new ConcurrentLinkedDeque<>());
    if (answer.keepAlive() && !closed && kept.size() < MAX_KEPT_PER_NODE) {
      kept.offerLast(c);
      if (closed && kept.remove(c)) { // closed meanwhile: close() may have emptied it before
        c.close();
      }
    } else {
      c.close();
    }
    closeExpired(kept);
    return new Response(
        c.node(),
        answer.status(),
        answer.body(),
        Response.nextCursor(answer.headers().get("link")));
  }

  /**
   * Closes the connections kept longest, while they are past {@link #KEEP_IDLE}: the newest are
   * taken first, so the oldest, left by a burst from several threads, would otherwise stay open.
   */
  private void closeExpired(Deque<HttpConnection> kept) {
    long now = System.nanoTime();
    HttpConnection oldest;
    while ((oldest = kept.peekFirst()) != null && oldest.idleNanos(now) >= keepIdleNanos) {
      if (kept.remove(oldest)) {
        oldest.close();
      }
    }
  }

  /** Closes the kept connections; a request after this still works, on a connection not kept. */
  @Override
  public void close() {
    closed = true;
    for (Deque<HttpConnection> kept : idle.values()) {
      HttpConnection c;
      while ((c = kept.pollFirst()) != null) {
        c.close();
      }
    }
  }

  /**
   * The request target for {@code path} on the node: the node URL's own path, then {@code path}.
   */
  private static String target(URI node, String path) {
    String base = node.getRawPath() == null ? "" : node.getRawPath();
    return base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path;
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static String describe(IOException e) {
    if (e instanceof SocketTimeoutException
        && e.getMessage() != null
        && e.getMessage().toLowerCase(Locale.ROOT).contains("connect")) {
      return "connect timed out";
    }
    if (e instanceof ConnectException && e.getMessage() == null) {
      return "connection refused";
    }
    if (e instanceof SSLHandshakeException) {
      return "its TLS certificate is not trusted here ("
          + e.getMessage()
          + "): set GRID_CA_FILE or --ca-file to the PEM file of the CA that signed it";
    }
    if (e instanceof SSLException) {
      return "TLS failed (" + e.getMessage() + "): is the URL's scheme (http or https) the node's?";
    }
    String message = e.getMessage();
    return message == null || message.isBlank()
        ? e.getClass().getSimpleName()
        : message.replaceAll("\\s+", " ");
  }
}
