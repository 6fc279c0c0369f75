package dev.grid.node.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import dev.grid.api.GridException;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobNotFoundException;
import dev.grid.api.internal.NodeTransport;
import dev.grid.node.GridOperations;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP API: JSON over {@link GridOperations}, for {@code GridClient} and the {@code bin/}
 * commands. Clients never join the cluster; this is their only way in.
 *
 * <pre>{@code
 * try (HttpApi api = new HttpApi(ops, new InetSocketAddress("127.0.0.1", 18701), token)) {
 *   api.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Security: every request under {@code /api/} must carry {@code Authorization: Bearer <token>};
 * without it the answer is 401 and nothing is done. A token has a name and a {@link Role} (see
 * {@link AccessTokens}); a request its role does not allow is a 403, and every change is written to
 * the audit log ({@link AccessLog}). A blank token turns the check off, which is allowed only on a
 * loopback address: the API refuses to listen beyond this machine without a token. {@code GET
 * /metrics} (given {@link #withMetrics}) is checked the same way and needs the read role. The web
 * dashboard's page ({@code /}) and files ({@code /ui/...}) are the one exception: they hold no data
 * and are served to anyone (see {@link Dashboard}); the page asks the API with the user's token.
 *
 * <p>Requests are served by Jetty (through the JDK's {@code HttpServer} interface), on at most
 * {@value #MAX_THREADS} threads named {@code grid-http-N}; a connection idle for {@link #IDLE} is
 * closed, at most {@value #MAX_CONNECTIONS} are open at once. {@link #close()} stops listening,
 * gives requests in flight a moment, and stops the threads; it is idempotent.
 */
public final class HttpApi implements AutoCloseable {
  /** Threads serving requests at most; Jetty's own (the selector's, the acceptor's) among them. */
  static final int MAX_THREADS = 32;

  private static final int MIN_THREADS = 4;

  /** Connections open at once at most. */
  static final int MAX_CONNECTIONS = 512;

  /** A connection that sends or takes nothing for this long is closed. */
  static final Duration IDLE = Duration.ofSeconds(10);

  private static final int BACKLOG = 64;

  /** The slowest a request body may come (bytes per second) before it is cut off. */
  static final long MIN_REQUEST_BYTES_PER_SECOND = 1024;

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  private final AtomicLong requests = new AtomicLong();

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final GridOperations ops;
  private final InetSocketAddress bind;
  private final Supplier<AccessTokens> tokens;
  private final ApiRoutes routes;
  private final Dashboard dashboard = new Dashboard();
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final Presence presence;
  private volatile HttpServer server;
  private volatile Server jetty;
  private final SSLContext tls;
  private volatile PrometheusMeterRegistry metrics;

  /**
   * @param ops what the node offers
   * @param bind where to listen; port 0 picks a free one (see {@link #port()})
   * @param token the bearer token clients must send (it has every right); blank only on a loopback
   *     address
   * @throws IllegalArgumentException if {@code bind} is not loopback and the token is blank or
   *     there is no TLS
   */
  public HttpApi(GridOperations ops, InetSocketAddress bind, String token) {
    this(ops, bind, token, Presence.ALWAYS);
  }

  /**
   * As {@link #HttpApi(GridOperations, InetSocketAddress, String)}, refusing every call while
   * {@code presence} says why this node is not part of the grid (null while it is): a node cut off
   * from the majority would answer from its own partial view. The refusal is a 421, which clients
   * take as "nothing done here, ask another node". A change during which the node was cut off is
   * answered 503 (done or not, nobody knows), not with success.
   */
  public HttpApi(GridOperations ops, InetSocketAddress bind, String token, Presence presence) {
    this(ops, bind, token, presence, null);
  }

  /**
   * As {@link #HttpApi(GridOperations, InetSocketAddress, String, Presence)}, serving HTTPS with
   * the given TLS context (null: plain HTTP).
   */
  public HttpApi(
      GridOperations ops, InetSocketAddress bind, String token, Presence presence, SSLContext tls) {
    this(ops, bind, constant(AccessTokens.single(token)), presence, tls);
  }

  /**
   * As {@link #HttpApi(GridOperations, InetSocketAddress, String, Presence, SSLContext)}, taking
   * the named tokens of a tokens file, with their roles, as they are when each request comes.
   */
  public HttpApi(
      GridOperations ops,
      InetSocketAddress bind,
      TokenFile tokens,
      Presence presence,
      SSLContext tls) {
    this(ops, bind, tokens::tokens, presence, tls);
  }

  private HttpApi(
      GridOperations ops,
      InetSocketAddress bind,
      Supplier<AccessTokens> tokens,
      Presence presence,
      SSLContext tls) {
    this.tls = tls;
    this.presence = Objects.requireNonNull(presence, "presence");
    this.ops = Objects.requireNonNull(ops, "ops");
    this.bind = Objects.requireNonNull(bind, "bind");
    this.tokens = tokens;
    boolean loopback = bind.getAddress() != null && bind.getAddress().isLoopbackAddress();
    if (tokens.get().isOpen() && !loopback) {
      throw new IllegalArgumentException(
          "refusing to serve the HTTP API on "
              + bind
              + " without a token: anyone who reaches it could run commands here. Give a token"
              + " (--token-file), or listen on 127.0.0.1 only");
    }
    if (tls == null && !loopback) {
      throw new IllegalArgumentException(
          "refusing to serve the HTTP API on "
              + bind
              + " in plain HTTP: tokens, commands and output would cross the network in the"
              + " clear. Give --tls-cert and --tls-key (see the README's \"Security\"), or"
              + " listen on 127.0.0.1 only");
    }
    this.routes = new ApiRoutes(ops);
  }

  private static Supplier<AccessTokens> constant(AccessTokens tokens) {
    return () -> tokens;
  }

  /**
   * Serves the registry at {@code /metrics} (Prometheus' text format, for a token with the read
   * role) and records every request in it as {@code grid_http_requests_seconds}, by route template,
   * method and status. Without it there is no {@code /metrics}. Call before {@link #start}.
   *
   * @return this, for chaining
   */
  public HttpApi withMetrics(PrometheusMeterRegistry registry) {
    if (state.get() != State.NEW) {
      throw new IllegalStateException("give the metrics registry before starting the HTTP API");
    }
    this.metrics = Objects.requireNonNull(registry, "registry");
    return this;
  }

  /**
   * Binds and starts serving.
   *
   * @return this, for chaining
   * @throws GridException if the address cannot be bound (a port in use: the message says which)
   * @throws IllegalStateException if already started or closed
   */
  public HttpApi start() {
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException(
          "the HTTP API was already " + state.get().name().toLowerCase());
    }
    // Jetty behind the JDK's HttpServer interface (the routes are written against it): it reads
    // a request's line and headers without a thread of its own, so connections that send half a
    // request (or nothing) hold no serving thread, as they did on the JDK's server (100 of them
    // left /api/health unanswered); a connection quiet for IDLE is closed, slow bodies included,
    // and at most MAX_CONNECTIONS are open at once (more wait in the accept queue).
    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, 60_000);
    threads.setName("grid-http");
    threads.setDaemon(true);
    Server jetty = new Server(threads);
    jetty.setHandler(new ContextHandlerCollection());
    JettyHttpServer created = new JettyHttpServer(jetty, false);
    // A body trickled in (a byte every few seconds keeps the idle timeout from firing) is cut
    // off once it comes slower than this.
    created.getHttpConfiguration().setMinRequestDataRate(MIN_REQUEST_BYTES_PER_SECOND);
    if (tls != null) {
      created.setHttpsConfigurator(new HttpsConfigurator(tls));
    }
    try {
      created.bind(bind, BACKLOG);
      for (Connector c : jetty.getConnectors()) {
        if (c instanceof ServerConnector connector) {
          connector.setIdleTimeout(IDLE.toMillis());
          connector.setAcceptQueueSize(BACKLOG);
        }
      }
      jetty.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, jetty));
      created.createContext("/", this::handle);
      created.start();
    } catch (IOException | RuntimeException e) {
      state.set(State.CLOSED);
      stopQuietly(jetty);
      Throwable cause = e;
      while (!(cause instanceof BindException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof BindException) {
        throw new GridException(
            "cannot listen for HTTP on "
                + bind
                + " ("
                + cause.getMessage()
                + "): pick another"
                + " --http-port or stop what uses it",
            e);
      }
      throw new GridException("cannot listen for HTTP on " + bind + ": " + e.getMessage(), e);
    }
    server = created;
    this.jetty = jetty;
    if (tokens.get().isOpen()) {
      log.warn(
          "HTTP API on {}:{} checks no token: any local user can submit jobs; give --token-file",
          bind.getHostString(),
          port());
    }
    log.info(
        "HTTP API listening on {}://{}:{}/api/",
        tls == null ? "http" : "https",
        bind.getHostString(),
        port());
    return this;
  }

  /** The port listened on, useful after binding port 0. */
  public int port() {
    return address().getPort();
  }

  /** The address listened on. */
  public InetSocketAddress address() {
    HttpServer current = server;
    if (current == null) {
      throw new IllegalStateException("the HTTP API is not started");
    }
    return current.getAddress();
  }

  /** Stops listening and stops the serving threads, within a few seconds. Idempotent. */
  @Override
  public void close() {
    State previous = state.getAndSet(State.CLOSED);
    if (previous != State.STARTED) {
      return;
    }
    jetty.setStopTimeout(0); // as the JDK server's stop(0): requests in flight are cut
    stopQuietly(jetty);
  }

  private static void stopQuietly(Server jetty) {
    try {
      jetty.stop();
    } catch (Exception e) {
      log.debug("stopping the HTTP server failed", e);
    }
  }

  /** Requests this server has been sent since it started, answered or not. */
  public long requests() {
    return requests.get();
  }

  private void handle(HttpExchange http) {
    requests.incrementAndGet();
    long began = System.nanoTime();
    try {
      serve(http);
    } finally {
      record(http, began);
    }
  }

  /** Counts the request in the metrics, if there are any: by route, method and status. */
  private void record(HttpExchange http, long began) {
    PrometheusMeterRegistry registry = metrics;
    if (registry == null) {
      return;
    }
    String route;
    try {
      route = RouteTemplate.of(new Exchange(http).path());
    } catch (RuntimeException e) { // a malformed URI (answered 400)
      route = RouteTemplate.OTHER;
    }
    int status = http.getResponseCode();
    Timer.builder("grid.http.requests")
        .description("HTTP requests answered, by route template, method and status")
        .tag("route", route)
        .tag("method", RouteTemplate.method(http.getRequestMethod()))
        .tag("status", status > 0 ? Integer.toString(status) : "none")
        .register(registry)
        .record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
  }

  private void serve(HttpExchange http) {
    String method = http.getRequestMethod();
    URI uri;
    try {
      // Parsed here first: a malformed URI or header is the client's error (400), and every log
      // line below may then name the URI.
      uri = http.getRequestURI();
      http.getRequestHeaders();
    } catch (IllegalArgumentException e) {
      answerIfUnanswered(http, 400, "the request is malformed: " + e.getMessage());
      http.close();
      return;
    }
    Exchange exchange = new Exchange(http);
    boolean cutShort = false;
    try {
      // Refusals do not read the body: a stranger's slow body must not hold a serving thread (the
      // connection is then not kept alive).
      boolean scrape = metrics != null && exchange.path().equals("/metrics");
      if (!uri.getPath().startsWith("/api/") && !scrape) {
        // The dashboard's page and files hold no data: they are served without a token.
        if (!dashboard.handle(exchange)) {
          exchange.error(404, "not found: the API is under /api/, the dashboard at /");
        }
        return;
      }
      Caller caller = tokens.get().caller(exchange.header("Authorization")).orElse(null);
      if (caller == null) {
        AccessLog.unknownToken(
            http.getRemoteAddress(), method, exchange.path(), System.nanoTime() / 1_000_000);
        exchange.header("WWW-Authenticate", "Bearer realm=\"grid\"");
        exchange.error(
            401,
            "missing or wrong bearer token: send the grid's token as"
                + " 'Authorization: Bearer <token>'");
        return;
      }
      exchange.caller(caller);
      String path = exchange.path();
      Role needed = Role.needed(method, path);
      if (!caller.role().includes(needed)) {
        AccessLog.refused(caller, http.getRemoteAddress(), method, path, needed);
        exchange.error(
            403,
            "token '"
                + caller.name()
                + "' has the "
                + caller.role().word()
                + " role; "
                + method
                + " "
                + path
                + " needs "
                + needed.word()
                + ": ask the grid's operator for a token with that role");
        return;
      }
      // Metrics are served out of the grid too: a node cut off is one whose numbers matter most.
      long began = System.nanoTime();
      String away = scrape ? null : presence.outOfGrid();
      if (away != null) {
        exchange.error(
            NodeTransport.NOT_IN_GRID, away + ": nothing was done here; ask another node");
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.confirmChangesWith(() -> doubtSince(began));
      }
      try {
        answer(exchange, scrape);
      } finally {
        if (!method.equals("GET") && !method.equals("HEAD")) {
          AccessLog.change(
              caller,
              http.getRemoteAddress(),
              method,
              path,
              http.getResponseCode(),
              exchange.changed());
        }
      }
    } catch (Exchange.CutShort e) {
      log.warn("{} {}: {}; the answer is cut short", method, uri, e.getMessage());
      cutShort = true;
      throw e; // not closed: the answer announced its length (see CutShort)
    } catch (IOException e) {
      log.debug("could not answer {} {}: {}", method, uri, e.toString());
      answerIfUnanswered(http, 400, "the request could not be read: " + e.getMessage());
    } catch (RuntimeException e) {
      log.error("failed to answer {} {}", method, uri, e);
      answerIfUnanswered(http, 500, "internal error on node " + ops.nodeName() + ": " + e);
    } finally {
      if (!cutShort) {
        http.close();
      }
    }
  }

  /**
   * Why a change this node just made may not last, or null: the node was cut off from the grid's
   * majority at some moment since the request began, so what it wrote may sit only on its side of
   * the cut (a submit's record whose backup could not be sent), and be gone if the node dies before
   * the sides merge. The client is told 503, "not known whether it was done", never 201: a job that
   * was announced as accepted must survive the loss of any one node.
   */
  private String doubtSince(long began) {
    if (!presence.leftSince(began)) {
      return null;
    }
    String away = presence.outOfGrid();
    return (away != null ? away : "node " + ops.nodeName() + " was briefly cut off from the grid")
        + " while doing this: it may or may not have been done; look (bin/jobs, bin/status,"
        + " bin/schedule list) before trying again";
  }

  /** Answers {@code GET /metrics} with the registry in Prometheus' text format. */
  private void scrape(Exchange exchange) throws IOException {
    ApiRoutes.requireGet(exchange, "/metrics");
    exchange.drain();
    exchange.bytes(
        metrics.scrape().getBytes(StandardCharsets.UTF_8),
        "text/plain; version=0.0.4; charset=utf-8");
  }

  /**
   * Sends an error status if no status was sent yet: closing an exchange that sent none would
   * answer 200 with an empty body (Jetty's default), which reads as success.
   */
  private static void answerIfUnanswered(HttpExchange http, int status, String message) {
    if (http.getResponseCode() > 0) {
      return;
    }
    try {
      new Exchange(http).error(status, message);
    } catch (IOException | RuntimeException e) {
      log.debug("could not send {} either: {}", status, e.toString());
    }
  }

  /** Runs the route and maps what it throws to a status; the client sees a one-line message. */
  private void answer(Exchange exchange, boolean scrape) throws IOException {
    try {
      if (scrape) {
        scrape(exchange);
      } else {
        routes.handle(exchange);
      }
    } catch (Exchange.CutShort e) {
      throw e; // the answer began: no status can be sent any more
    } catch (ApiError e) {
      if (e.allow() != null) {
        exchange.header("Allow", e.allow());
      }
      refuse(exchange, e.status(), e.getMessage());
    } catch (IllegalArgumentException e) {
      refuse(exchange, 400, e.getMessage());
    } catch (JobNotFoundException e) {
      refuse(exchange, 404, e.getMessage());
    } catch (GridUnavailableException e) {
      refuse(exchange, 503, e.getMessage());
    } catch (GridException e) {
      log.warn("{} {} failed: {}", exchange.method(), exchange.path(), e.getMessage());
      refuse(exchange, 500, e.getMessage());
    } catch (RuntimeException e) {
      log.error("{} {} failed", exchange.method(), exchange.path(), e);
      refuse(exchange, 500, "internal error on node " + ops.nodeName() + ": " + e);
    }
  }

  /**
   * Answers a route's error after reading what is left of the request's body (at most the body
   * limit): a body left unread makes the server drop the connection after the answer, and a client
   * that sends its next request on it gets no answer at all (a 405 to a PUT with a body did that
   * under load).
   */
  private static void refuse(Exchange exchange, int status, String message) throws IOException {
    exchange.drain();
    exchange.error(status, message);
  }
}
