package dev.grid.api;

import dev.grid.api.internal.Pem;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Settings of a {@link GridClient}: {@code GridClient.builder().nodes(urls).token(t).build()}.
 * {@link #nodes} is required; every setter checks its value at once and names it when refused.
 *
 * <pre>{@code
 * GridClient grid = GridClient.builder()
 *     .nodes(GridClientBuilder.parseUrls("10.0.0.1:18701,10.0.0.2:18701"))
 *     .token(token)
 *     .requestTimeout(Duration.ofMinutes(5))   // a storage check with verify reads every disk
 *     .build();
 * }</pre>
 */
public final class GridClientBuilder {
  List<URI> nodes = List.of();
  String token;
  Duration connectTimeout = Duration.ofSeconds(1);
  Duration timeout = Duration.ofSeconds(30);
  SSLContext tls;
  int pageSize = JobPage.DEFAULT_LIMIT;

  GridClientBuilder() {}

  /** Base URLs of one or more nodes, like {@code http://10.0.0.1:18701}, in the order to try. */
  public GridClientBuilder nodes(List<URI> urls) {
    List<URI> copy = List.copyOf(Objects.requireNonNull(urls, "urls"));
    copy.forEach(url -> checkUrl(url.toString()));
    this.nodes = copy;
    return this;
  }

  /** The grid's bearer token; null or blank sends none (a token-less grid on loopback). */
  public GridClientBuilder token(String bearerToken) {
    this.token = bearerToken;
    return this;
  }

  /**
   * The CA certificates (a PEM file) that {@code https://} nodes' certificates must be signed by,
   * instead of the JVM's trusted CAs: a grid with its own CA, or a node's self-signed certificate.
   *
   * @throws IllegalArgumentException naming the file if it holds no certificate it can read
   */
  public GridClientBuilder caFile(Path pemFile) {
    this.tls = Pem.trusting(Objects.requireNonNull(pemFile, "pemFile"));
    return this;
  }

  /**
   * The nodes, token and CA as the {@code bin/} commands take them: {@code GRID_URL}
   * (comma-separated node URLs, default {@value GridClient#DEFAULT_URL}), {@code GRID_TOKEN} and
   * {@code GRID_CA_FILE} (optional, see {@link #caFile}).
   */
  public GridClientBuilder environment(Map<String, String> env) {
    String urls = env.get("GRID_URL");
    nodes(parseUrls(urls == null || urls.isBlank() ? GridClient.DEFAULT_URL : urls));
    String ca = env.get("GRID_CA_FILE");
    if (ca != null && !ca.isBlank()) {
      caFile(Path.of(ca.strip()));
    }
    return token(env.get("GRID_TOKEN"));
  }

  /** How long a node may take to accept a connection before the next is tried (1 s). */
  public GridClientBuilder connectTimeout(Duration value) {
    this.connectTimeout = positive("connect timeout", value);
    return this;
  }

  /** How long a connected node may take to answer one request (30 s). */
  public GridClientBuilder requestTimeout(Duration value) {
    this.timeout = positive("request timeout", value);
    return this;
  }

  /**
   * How many items each request of a whole listing ({@link GridClient#jobs()}, {@code
   * schedules().list()}, {@code schedules().runs(name)}) asks a node for: 1 to {@value
   * JobPage#MAX_LIMIT}, by default {@value JobPage#DEFAULT_LIMIT}. The list is the same whatever
   * the size; larger pages make fewer requests and larger answers.
   */
  public GridClientBuilder pageSize(int items) {
    if (items < 1 || items > JobPage.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "page size " + items + " is not valid: give 1 to " + JobPage.MAX_LIMIT);
    }
    this.pageSize = items;
    return this;
  }

  /** The client; it opens no connection until the first call. */
  public GridClient build() {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException(
          "no grid URL given: give at least one, like " + GridClient.DEFAULT_URL);
    }
    return new GridClient(this);
  }

  /**
   * Parses comma-separated node URLs as {@code GRID_URL} holds them. A URL without a scheme gets
   * {@code http://}: {@code "10.0.0.1:18701,10.0.0.2:18701"} is fine.
   *
   * @throws IllegalArgumentException naming a URL that is not valid, or if there is none
   */
  public static List<URI> parseUrls(String commaSeparated) {
    List<URI> urls = new ArrayList<>();
    for (String part : Objects.requireNonNull(commaSeparated, "urls").split(",")) {
      String text = part.strip();
      if (text.isEmpty()) {
        continue;
      }
      if (!text.contains("://")) {
        text = "http://" + text;
      }
      urls.add(checkUrl(text));
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(
          "no grid URL in '"
              + commaSeparated
              + "': give one or more like "
              + GridClient.DEFAULT_URL);
    }
    return List.copyOf(urls);
  }

  private static URI checkUrl(String text) {
    try {
      URI uri = new URI(text);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new URISyntaxException(text, "not an http:// or https:// URL with a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "grid URL '"
              + text
              + "' is not valid ("
              + e.getReason()
              + "): use one like "
              + GridClient.DEFAULT_URL);
    }
  }

  private static Duration positive(String what, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " " + value + " is not positive: give one");
    }
    return value;
  }
}
