package dev.grid.cli;

import dev.grid.api.internal.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileLock;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The resident client: one JVM per user and checkout that runs the client commands ({@link
 * GridCli}, the same code as {@code bin/submit} in a JVM of its own) for {@code bin/_grid.sh},
 * which connects to it over loopback instead of starting a JVM for every command. The first client
 * command starts it in the background and runs the usual way; the next ones go through it.
 *
 * <p>What it guards, since it runs as its user: it listens on loopback only; a caller must send the
 * secret from the state file ({@link ClientDir}, a file only the user can read) before anything
 * else, and is cut off otherwise with nothing sent back; every request is bounded in size and time
 * ({@link CallRequest.Limits}, {@link ResidentConfig#requestTimeout}). It never keeps a token: each
 * call brings its own, from the caller's environment or {@code --token-file}, as a JVM of its own
 * would read it.
 *
 * <p>A call runs as in a JVM of its own, or is declined and then runs in one ({@code bin/_grid.sh}
 * does that when it reads the {@code D} frame): when the jars changed since this JVM started (a
 * rebuild: this JVM then stops serving and the caller starts a new one), when the caller's
 * environment differs in what this JVM's own behaviour depends on ({@link #JVM_ENV}: the time zone,
 * the locale, JVM options), when the command line would print help (picocli colours it by whether
 * its own JVM's terminal is one) or read an {@code @FILE}, and when {@link ResidentConfig#maxCalls}
 * calls run already.
 *
 * <p>It stops after {@link ResidentConfig#idle} without a call, on {@code bin/grid-client stop},
 * when its jars change, and on SIGTERM; stopping, it deletes its state file and releases its lock,
 * and lets the calls running finish.
 */
public final class ResidentClient implements AutoCloseable {
  /**
   * Environment variables that change what a JVM prints, beyond what the CLI reads itself: the
   * default time zone ({@code bin/status}'s times), the charset of stdout and of arguments, JVM
   * options. A call whose values differ from this JVM's own is declined.
   */
  static final List<String> JVM_ENV =
      List.of(
          "TZ",
          "LANG",
          "LANGUAGE",
          "LC_ALL",
          "LC_CTYPE",
          "LC_MESSAGES",
          "LC_TIME",
          "LC_NUMERIC",
          "JAVA_HOME",
          "JAVA_TOOL_OPTIONS",
          "JDK_JAVA_OPTIONS",
          "_JAVA_OPTIONS",
          "GRID_JAVA_OPTS");

  /** How this JVM decodes its arguments: the caller's bytes become the same strings. */
  static final Charset ARGUMENT_CHARSET = charset("sun.jnu.encoding");

  /** The charset of this JVM's {@code System.out}, as a JVM of its own would print. */
  static final Charset STDOUT_CHARSET = charset("sun.stdout.encoding");

  private enum State {
    SERVING,
    STOPPED
  }

  private final ResidentConfig config;
  private final ClientDir files;
  private final FileLock lock;
  private final ServerSocket server;
  private final JarStamp startStamp;
  private final String stateLine;
  private final byte[] hello;
  private final byte[] proofLine;
  private final long startNanos;
  private final AtomicReference<State> state = new AtomicReference<>(State.SERVING);
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong lastActive;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final ExecutorService connections;
  private final ExecutorService calls;
  private final ScheduledExecutorService timer;
  private final Thread acceptor;

  private ResidentClient(
      ResidentConfig config, ClientDir files, FileLock lock, ServerSocket server) {
    this.config = config;
    this.files = files;
    this.lock = lock;
    this.server = server;
    this.startStamp = config.stamp().get();
    SecureRandom random = new SecureRandom();
    String secret = randomHex(random);
    this.hello = ResidentCall.hello(secret);
    this.proofLine = (randomHex(random) + "\n").getBytes(StandardCharsets.US_ASCII);
    String proof = new String(proofLine, 0, proofLine.length - 1, StandardCharsets.US_ASCII);
    this.stateLine =
        server.getLocalPort()
            + " "
            + secret
            + " "
            + proof
            + " "
            + ProcessHandle.current().pid()
            + "\n";
    this.startNanos = config.nanos().getAsLong();
    this.lastActive = new AtomicLong(startNanos);
    // connections waiting for their request, and running calls, each a thread; both bounded
    this.connections =
        new ThreadPoolExecutor(
            0,
            config.maxCalls() * 2,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            named("grid-client-conn-"));
    this.calls =
        new ThreadPoolExecutor(
            0,
            config.maxCalls(),
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            named("grid-client-call-"));
    this.timer = Executors.newSingleThreadScheduledExecutor(named("grid-client-timer-"));
    this.acceptor = named("grid-client-accept-").newThread(this::accept);
  }

  /**
   * Starts serving: takes the lock, warms up, listens on a loopback port, writes the state file.
   *
   * @return null if another process serves this name already
   */
  static ResidentClient start(ResidentConfig config) throws IOException {
    ClientDir files = new ClientDir(config.dir(), config.name());
    files.prepare();
    FileLock lock = files.tryLock();
    if (lock == null) {
      return null;
    }
    ResidentClient client;
    try {
      // after the lock: a second resident client started with this one warms nothing up
      if (config.warmUp()) {
        WarmUp.run();
      }
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      client = new ResidentClient(config, files, lock, server);
      files.writeState(client.stateLine);
      files.deleteStartMark();
    } catch (IOException | RuntimeException e) {
      lock.channel().close();
      throw e;
    }
    client.acceptor.start();
    long period = Math.max(50, Math.min(5_000, config.idle().toMillis() / 2));
    client.timer.scheduleWithFixedDelay(client::check, period, period, TimeUnit.MILLISECONDS);
    return client;
  }

  /** The port it listens on. */
  int port() {
    return server.getLocalPort();
  }

  /** The state file's line: {@code PORT SECRET PROOF PID}. */
  String stateLine() {
    return stateLine;
  }

  ResidentConfig config() {
    return config;
  }

  LongSupplier nanos() {
    return config.nanos();
  }

  byte[] hello() {
    return hello;
  }

  byte[] proofLine() {
    return proofLine;
  }

  ExecutorService calls() {
    return calls;
  }

  /** How many calls run now. */
  int running() {
    return running.get();
  }

  /** Whether it still serves. */
  boolean serving() {
    return state.get() == State.SERVING;
  }

  private void accept() {
    while (serving()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        connections.execute(new ResidentCall(this, socket));
      } catch (RejectedExecutionException e) {
        closeQuietly(socket); // too many connections at once: the caller runs the command itself
      }
    }
  }

  /**
   * Takes a slot for the call, or says why the call must run in a JVM of its own ({@code stale},
   * {@code environment}, {@code line}, {@code busy}).
   */
  String admit(CallRequest request) {
    if (!startStamp.equals(config.stamp().get())) {
      close(); // the checkout was rebuilt: the caller starts a new resident client
      return "stale";
    }
    if (!serving()) {
      return "stopping";
    }
    for (String name : JVM_ENV) {
      if (!Objects.equals(request.env().get(name), config.ownEnv().get(name))) {
        return "environment";
      }
    }
    if (!GridCli.runsAlikeElsewhere(request.args().toArray(String[]::new))) {
      return "line";
    }
    if (running.incrementAndGet() > config.maxCalls()) {
      release();
      return "busy";
    }
    served.incrementAndGet();
    lastActive.set(config.nanos().getAsLong());
    return null;
  }

  /** Gives back the slot {@link #admit} took. */
  void release() {
    lastActive.set(config.nanos().getAsLong());
    running.decrementAndGet();
  }

  String statusText() {
    return "running: pid "
        + ProcessHandle.current().pid()
        + ", port "
        + port()
        + ", up "
        + Duration.ofNanos(config.nanos().getAsLong() - startNanos).toSeconds()
        + " s, "
        + served.get()
        + " calls served, "
        + running.get()
        + " running, stops after "
        + config.idle().toSeconds()
        + " s without a call\n";
  }

  /** Every few seconds: stop when idle or rebuilt; put back a state file someone removed. */
  private void check() {
    if (!serving()) {
      return;
    }
    long idleNanos = config.nanos().getAsLong() - lastActive.get();
    if (running.get() == 0 && idleNanos >= config.idle().toNanos()) {
      close();
      return;
    }
    if (!startStamp.equals(config.stamp().get())) {
      close();
      return;
    }
    try {
      if (!stateLine.equals(files.readState())) {
        files.writeState(stateLine);
      }
    } catch (IOException e) {
      // tried again at the next check
    }
  }

  /** Stops serving on request ({@code bin/grid-client stop}). */
  void stop() {
    close();
  }

  /**
   * Stops serving: no new connection, the state file deleted, the lock released (a new resident
   * client may start at once). Calls running go on to their end. Idempotent.
   */
  @Override
  public void close() {
    if (!state.compareAndSet(State.SERVING, State.STOPPED)) {
      return;
    }
    closeQuietly(server);
    try {
      files.deleteStateIf(stateLine);
    } catch (IOException e) {
      // a stale state file makes callers fall back, then start a new resident client
    }
    try {
      lock.channel().close();
    } catch (IOException e) {
      // released with the process at the latest
    }
    timer.shutdownNow();
    connections.shutdown();
    calls.shutdown();
    stopped.countDown();
  }

  /** Waits until it stopped serving and its calls ended; false if that took longer. */
  boolean awaitEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    long left = deadline - System.nanoTime();
    return calls.awaitTermination(left, TimeUnit.NANOSECONDS)
        && connections.awaitTermination(
            Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /**
   * {@code ResidentClient --dir DIR --name NAME [--idle DURATION]}: serves until idle, stopped or
   * rebuilt, then exits once its running calls ended. Started by {@code bin/_grid.sh}, detached.
   */
  public static void main(String[] args) throws InterruptedException {
    Path dir = null;
    String name = null;
    Duration idle = Duration.ofMinutes(5);
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--name" -> name = args[i + 1];
        case "--idle" -> idle = Durations.parse(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null || name == null || args.length % 2 != 0) {
      System.err.println("usage: ResidentClient --dir DIR --name NAME [--idle DURATION]");
      System.exit(2);
    }
    ResidentClient client;
    try {
      client = start(ResidentConfig.of(dir, name, idle));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (client == null) {
      return; // another one serves: started at the same moment
    }
    Runtime.getRuntime().addShutdownHook(new Thread(client::close, "grid-client-shutdown"));
    while (!client.awaitEnd(Duration.ofHours(1))) {
      // a call may wait for a long job; the JVM goes when the last one ends
    }
    System.exit(0);
  }

  private static String randomHex(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static Charset charset(String property) {
    String name = System.getProperty(property);
    try {
      return name == null ? Charset.defaultCharset() : Charset.forName(name);
    } catch (IllegalArgumentException e) {
      return Charset.defaultCharset();
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
