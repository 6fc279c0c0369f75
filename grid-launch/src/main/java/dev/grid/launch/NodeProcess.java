package dev.grid.launch;

import dev.grid.api.internal.Pem;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One real node process started from the built jar, as an operator would run it: {@code java ...
 * dev.grid.node.NodeMain --name ...}, its stdout and stderr appended to {@code node.log} in its
 * data directory. For process tests, {@code bin/demo} and the benchmark.
 *
 * <pre>{@code
 * try (NodeProcess node = NodeProcess.start(settings)) {
 *   node.awaitReady(Duration.ofSeconds(30));
 *   node.pause();   // SIGSTOP: a hung host
 *   node.resume();  // SIGCONT
 *   node.kill();    // SIGKILL: a crash
 * }
 * }</pre>
 */
public final class NodeProcess implements AutoCloseable {
  /** The node's main class. */
  public static final String MAIN_CLASS = "dev.grid.node.NodeMain";

  /** JVM options every node gets (see the design's note on the common ForkJoinPool). */
  public static final List<String> BASE_JVM_OPTIONS =
      List.of(
          "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
          "-Xms64m",
          // An idle node hands back what a burst grew its heap to: G1 collects after 10 s without
          // a collection and shrinks the heap to 45% free. 325-344 MB resident 20 s after a
          // 100,000-task array with G1's defaults, 244 MB so; 30% free gave 220 MB but cost a
          // fifth of the shell throughput (more collections under load). bin/grid-node sets the
          // same.
          "-XX:G1PeriodicGCInterval=10000",
          "-XX:MaxHeapFreeRatio=45",
          "-XX:MinHeapFreeRatio=20",
          // Hazelcast logs through SLF4J from its first line, and gets the JDK internals it
          // asks for (it runs slower without, and warns).
          "-Dhazelcast.logging.type=slf4j",
          "--add-modules",
          "java.se",
          "--add-exports",
          "java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang=ALL-UNNAMED",
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens",
          "java.management/sun.management=ALL-UNNAMED",
          "--add-opens",
          "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  private static final Duration DEFAULT_STOP_WAIT = Duration.ofSeconds(20);
  private static final Duration SIGNAL_WAIT = Duration.ofSeconds(5);
  private static final int LOG_TAIL_LINES = 40;

  private final NodeSettings settings;
  private final Process process;
  private volatile boolean paused;

  private NodeProcess(NodeSettings settings, Process process) {
    this.settings = settings;
    this.process = process;
  }

  /** Starts a node from the grid found by {@link GridHome#find()}. */
  public static NodeProcess start(NodeSettings settings) {
    return start(GridHome.find(), settings);
  }

  /** Starts a node from the built jar under {@code gridHome}. */
  public static NodeProcess start(Path gridHome, NodeSettings settings) {
    return launch(settings, command(GridHome.check(gridHome), settings));
  }

  /** The command line that starts the node; argument by argument, no shell involved. */
  static List<String> command(Path gridHome, NodeSettings settings) {
    List<String> command = new ArrayList<>();
    if (!settings.namespace().isEmpty()) {
      // ip execs java in the namespace: the process (and its pid) is the node itself.
      command.addAll(List.of("ip", "netns", "exec", settings.namespace()));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(BASE_JVM_OPTIONS);
    command.addAll(settings.jvmOptions());
    command.add("-cp");
    command.add(
        gridHome.resolve(GridHome.NODE_JAR) + ":" + gridHome.resolve(GridHome.NODE_LIB) + "/*");
    command.add(MAIN_CLASS);
    command.addAll(List.of("--name", settings.name()));
    if (!settings.clusterName().equals(NodeSettings.DEFAULT_CLUSTER_NAME)) {
      command.addAll(List.of("--cluster-name", settings.clusterName()));
    }
    if (!settings.host().equals(NodeSettings.LOOPBACK)) {
      command.addAll(List.of("--bind", settings.host()));
    }
    command.addAll(List.of("--port", Integer.toString(settings.port())));
    command.addAll(List.of("--http-port", Integer.toString(settings.httpPort())));
    if (!settings.members().isEmpty()) {
      command.addAll(List.of("--members", String.join(",", settings.members())));
    }
    command.addAll(List.of("--data-dir", settings.dataDir().toString()));
    command.addAll(List.of("--token-file", settings.tokenFile().toString()));
    if (Files.exists(settings.secretFile())) {
      command.addAll(List.of("--secret-file", settings.secretFile().toString()));
    }
    if (settings.tls()) {
      command.addAll(
          List.of(
              "--tls-cert",
              settings.tlsCert().toString(),
              "--tls-key",
              settings.tlsKey().toString()));
    }
    command.addAll(List.of("--slots", Integer.toString(settings.slots())));
    if (!settings.joinTimeout().equals(NodeSettings.DEFAULT_JOIN_TIMEOUT)) {
      command.addAll(List.of("--join-timeout", settings.joinTimeout().toSeconds() + "s"));
    }
    command.addAll(settings.nodeOptions());
    return command;
  }

  /** Runs any command as if it were the node: its output goes to the node's log. */
  static NodeProcess launch(NodeSettings settings, List<String> command) {
    try {
      Files.createDirectories(settings.dataDir());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      return new NodeProcess(settings, process);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start node " + settings.name() + ": " + command, e);
    }
  }

  /** What this process was started with. */
  public NodeSettings settings() {
    return settings;
  }

  /** The node's name. */
  public String name() {
    return settings.name();
  }

  /** The operating system's process id. */
  public long pid() {
    return process.pid();
  }

  /** The node's HTTP API base address, {@code http://HOST:PORT} ({@code https} with TLS). */
  public URI url() {
    return settings.url();
  }

  /** Whether the process is still running (a paused one is). */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Whether {@link #pause()} stopped it and {@link #resume()} has not yet continued it. */
  public boolean isPaused() {
    return paused;
  }

  /** The exit code, if the process has ended. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /**
   * Waits until {@code GET /api/health} answers 200 to the node's token. Fails with the end of the
   * node's log if the process exits first, the token is refused, or time runs out.
   */
  public void awaitReady(Duration timeout) {
    String token = readToken();
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastAnswer = "no answer yet";
    while (true) {
      if (!process.isAlive()) {
        throw failure("exited with code " + process.exitValue() + " before it was ready");
      }
      int status = Health.status(url(), token, settings.tls() ? settings.tlsCert() : null);
      if (status == 200) {
        return;
      }
      if (status == 401 || status == 403) {
        throw failure("refused the token in " + settings.tokenFile() + " (HTTP " + status + ")");
      }
      lastAnswer = status < 0 ? "not listening" : "HTTP " + status;
      if (System.nanoTime() - deadline > 0) {
        throw failure("was not ready within " + timeout + " (health: " + lastAnswer + ")");
      }
      awaitExit(Duration.ofMillis(100));
    }
  }

  /** SIGKILL: the node dies at once, as in a crash. Waits until it is gone. */
  public void kill() {
    process.destroyForcibly();
    if (!awaitExit(SIGNAL_WAIT)) {
      throw new IllegalStateException(describe() + " survived SIGKILL for " + SIGNAL_WAIT);
    }
    paused = false;
  }

  /** SIGTERM and a wait of up to 20 seconds; returns the exit code. */
  public int terminate() {
    return terminate(DEFAULT_STOP_WAIT);
  }

  /**
   * SIGTERM, then waits for the node to stop cleanly; returns its exit code. A paused node is
   * continued so it can act on the signal. If it has not stopped in time it is killed, and this
   * fails saying so.
   */
  public int terminate(Duration wait) {
    if (!process.isAlive()) {
      return process.exitValue();
    }
    signalTerminate(); // SIGTERM on Unix
    if (awaitExit(wait)) {
      return process.exitValue();
    }
    kill();
    throw failure("did not stop within " + wait + " of SIGTERM, so it was killed");
  }

  /** Sends SIGTERM without waiting (continuing a paused node so it can act on it). */
  void signalTerminate() {
    process.destroy();
    if (paused) {
      try {
        resume();
      } catch (IllegalStateException e) {
        // A stopped process whose SIGTERM is not handled dies of it at once, so SIGCONT can
        // find it gone (seen with sleep); only a process still there is a failure.
        if (!awaitExit(SIGNAL_WAIT)) {
          throw e;
        }
        paused = false;
      }
    }
  }

  /** Waits up to {@code wait} for the process to end; true if it has. */
  boolean awaitStopped(Duration wait) {
    return awaitExit(wait);
  }

  /** SIGSTOP: the node freezes, as a hung host would; its peers see it only stop answering. */
  public void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT: a paused node runs again. */
  public void resume() {
    signal("CONT");
    paused = false;
  }

  /** The last lines of the node's log, for failure messages. */
  public String logTail() {
    return tail(settings.logFile(), LOG_TAIL_LINES);
  }

  /** Kills the process if it is still running. Idempotent. */
  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private String describe() {
    return "node " + settings.name() + " (pid " + process.pid() + ")";
  }

  private IllegalStateException failure(String what) {
    return new IllegalStateException(
        describe() + " " + what + "; the end of " + settings.logFile() + ":\n" + logTail());
  }

  private boolean awaitExit(Duration wait) {
    try {
      process.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + describe(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for " + describe() + " failed", e);
    }
  }

  private void signal(String signal) {
    if (!process.isAlive()) {
      throw new IllegalStateException(describe() + " is not running: cannot send SIG" + signal);
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + signal + " " + pid() + " did not finish");
      }
      if (kill.exitValue() != 0) {
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalStateException(
            "kill -" + signal + " " + pid() + " failed: " + said.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kill -" + signal + " " + pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + describe(), e);
    }
  }

  private String readToken() {
    try {
      return Files.readString(settings.tokenFile(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + settings.tokenFile(), e);
    }
  }

  /** The last {@code lines} lines of a file, reading at most its last 64 KiB. */
  static String tail(Path file, int lines) {
    Objects.requireNonNull(file, "file");
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      int size = (int) Math.min(length, 64 * 1024);
      byte[] bytes = new byte[size];
      in.seek(length - size);
      in.readFully(bytes);
      String[] all = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      int end = all.length > 0 && all[all.length - 1].isEmpty() ? all.length - 1 : all.length;
      int from = Math.max(0, end - lines);
      return String.join("\n", Arrays.asList(all).subList(from, end));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Health probes over one shared JDK HTTP client (one per certificate trusted, for HTTPS). */
  private static final class Health {
    private static final Map<Path, HttpClient> CLIENTS = new ConcurrentHashMap<>();
    private static final HttpClient PLAIN = client(null);

    private static HttpClient client(Path trusted) {
      HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
      if (trusted != null) {
        builder.sslContext(Pem.trusting(trusted));
      }
      return builder.build();
    }

    /** The HTTP status of the node's health, or -1 if it did not answer. */
    static int status(URI base, String token, Path trusted) {
      HttpClient client =
          trusted == null ? PLAIN : CLIENTS.computeIfAbsent(trusted, Health::client);
      HttpRequest request =
          HttpRequest.newBuilder(base.resolve("/api/health"))
              .header("Authorization", "Bearer " + token)
              .timeout(Duration.ofSeconds(2))
              .GET()
              .build();
      try {
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while probing " + base, e);
      }
    }
  }
}
