package dev.grid.api.internal;

import dev.grid.api.GridAuthException;
import dev.grid.api.GridException;
import dev.grid.api.GridUnavailableException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

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
 * <p>Not part of the public API.
 */
public final class NodeTransport {
  /**
   * The answer of a node cut off from the grid's majority, which did nothing with the request: the
   * next node is asked, whatever the {@link Retry}.
   */
  public static final int NOT_IN_GRID = 421;

  /** When a request may be sent to another node. */
  public enum Retry {
    /** Reading, or an operation that may be repeated: any I/O failure moves on. */
    ON_ANY_FAILURE,
    /** Only when the node could not be connected to, so it cannot have seen the request. */
    ON_CONNECT_FAILURE_ONLY
  }

  /** A node's answer. */
  public record Response(URI node, int status, byte[] body) {
    /**
     * The body of a successful answer; an error answer becomes the matching exception: 401 a {@link
     * GridAuthException}, 400 an {@link IllegalArgumentException} and 409 a {@link GridException}
     * with the node's message, 404 what {@code notFound} makes (if given).
     */
    public byte[] bodyOrThrow(Supplier<? extends GridException> notFound) {
      if (status >= 200 && status < 300) {
        return body;
      }
      switch (status) {
        case 401:
          throw new GridAuthException(
              "the grid refused the token: check GRID_TOKEN or --token-file (node " + node + ")");
        case 404:
          if (notFound != null) {
            throw notFound.get();
          }
          break;
        case 400:
          throw new IllegalArgumentException(errorMessage());
        case 409:
          throw new GridException(errorMessage());
        default:
          break;
      }
      throw new GridException("node " + node + " answered HTTP " + status + ": " + errorMessage());
    }

    /** The {@code "error"} text of an error answer, or the status line if there is none. */
    public String errorMessage() {
      try {
        var tree = Json.readTree(body);
        if (tree != null && tree.hasNonNull("error")) {
          return tree.get("error").asText();
        }
      } catch (RuntimeException notJson) {
        // fall through: a proxy or an older node may answer with plain text
      }
      return "HTTP " + status;
    }
  }

  private final List<URI> nodes;
  private final String authorization;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final AtomicInteger preferred = new AtomicInteger();

  /**
   * @param nodes base URLs of nodes, like {@code http://10.0.0.5:18701}; at least one
   * @param token the bearer token, or null to send none
   * @param connectTimeout how long to wait for a node to accept a connection before moving on
   * @param requestTimeout how long to wait for a node's answer once connected
   */
  public NodeTransport(
      List<URI> nodes, String token, Duration connectTimeout, Duration requestTimeout) {
    if (nodes == null || nodes.isEmpty()) {
      throw new IllegalArgumentException(
          "no grid URL given: give at least one, like " + "http://127.0.0.1:18701");
    }
    this.nodes = List.copyOf(nodes);
    this.authorization = token == null || token.isBlank() ? null : "Bearer " + token.strip();
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"))
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
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

  /** A request body: its content type and a publisher made afresh for every node tried. */
  public record Body(String contentType, Supplier<HttpRequest.BodyPublisher> publisher) {
    static Body json(byte[] bytes) {
      return new Body("application/json", () -> HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    /** A file's bytes, streamed from disk, as {@code application/octet-stream}. */
    public static Body file(Path file) {
      return new Body(
          "application/octet-stream",
          () -> {
            try {
              return HttpRequest.BodyPublishers.ofFile(file);
            } catch (FileNotFoundException e) {
              throw new UncheckedIOException("cannot read " + file, e);
            }
          });
    }
  }

  /**
   * Sends the request, as {@link #send(String, String, byte[], Retry)}, with any body.
   *
   * @param body the body, or null for none
   */
  public Response sendBody(String method, String path, Body body, Retry retry) {
    int start = preferred.get();
    List<String> failures = new ArrayList<>();
    IOException last = null;
    for (int i = 0; i < nodes.size(); i++) {
      int index = (start + i) % nodes.size();
      URI node = nodes.get(index);
      try {
        HttpResponse<byte[]> answer =
            http.send(request(node, method, path, body), HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() == NOT_IN_GRID) {
          // The node is cut off from the grid's majority and did nothing: ask the next one.
          failures.add(
              node + " (" + new Response(node, NOT_IN_GRID, answer.body()).errorMessage() + ")");
          continue;
        }
        preferred.set(index);
        return new Response(node, answer.statusCode(), answer.body());
      } catch (IOException e) {
        last = e;
        failures.add(node + " (" + describe(e) + ")");
        if (retry == Retry.ON_CONNECT_FAILURE_ONLY && !isConnectFailure(e)) {
          throw new GridUnavailableException(
              "node "
                  + node
                  + " failed after the request was sent ("
                  + describe(e)
                  + "); it may have acted on it, so it was not sent to another node: check with"
                  + " bin/jobs or bin/schedule list before trying again",
              e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GridException("interrupted while waiting for the grid at " + node, e);
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

  private HttpRequest request(URI node, String method, String path, Body body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(resolve(node, path))
            .timeout(requestTimeout)
            .header("Accept", "application/json, application/octet-stream");
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    if (body != null) {
      builder.header("Content-Type", body.contentType());
      builder.method(method, body.publisher().get());
    } else {
      builder.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return builder.build();
  }

  private static URI resolve(URI node, String path) {
    String base = node.toString();
    return URI.create(
        base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path);
  }

  /** True when the node cannot have seen the request: it never accepted the connection. */
  static boolean isConnectFailure(IOException e) {
    return e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
  }

  private static String describe(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof ConnectException && e.getMessage() == null) {
      return "connection refused";
    }
    String message = e.getMessage();
    return message == null || message.isBlank()
        ? e.getClass().getSimpleName()
        : message.replaceAll("\\s+", " ");
  }
}
