package dev.grid.launch;

import dev.grid.api.GridClient;
import dev.grid.api.GridClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A grid of node processes on this machine, on free loopback ports, under one base directory:
 * {@code n1}, {@code n2}, ... each with its data directory {@code BASE/nI}, all sharing a random
 * token in {@code BASE/token}. For process tests, {@code bin/demo} and the benchmark.
 *
 * <pre>{@code
 * try (LocalGrid grid = new LocalGrid(dir, 3, 4).start()) {
 *   GridClient client = GridClient.connect(grid.urls(), grid.token());
 *   grid.node(0).kill();
 * }
 * }</pre>
 *
 * <p>{@link #inNamespaces} makes a grid whose nodes each run in a Linux network namespace of their
 * own, on an address of their own (see {@link NodeNetwork}), which {@link #partition} can cut in
 * two and {@link #heal} join again, while the caller still reaches every node's API. It needs root.
 *
 * <p>{@link #close()} stops every process, SIGTERM first and SIGKILL for any that linger, within a
 * bounded time, even after a failed start; a JVM shutdown hook kills them if the caller never gets
 * to close.
 */
public final class LocalGrid implements AutoCloseable {
  /** How long {@link #start()} waits for every node to be healthy. */
  public static final Duration DEFAULT_START_WAIT = Duration.ofSeconds(60);

  /**
   * JVM options every node of a local grid gets before the caller's (a later option wins): C1 only.
   * The nodes of a local grid share this machine's cores, and each JVM warms its own C2 up: in a
   * 1000-job bench run on 2 cores the C2 compiler threads took 5.7 s of the nodes' 13 s of CPU, and
   * nodes were still compiling after 30 s. C1 code settles within seconds and ran the grid faster
   * throughout (97 to 135 jobs/s over 1000 jobs; 170-190 against 200-240 jobs/s after 30 s). A node
   * on a machine of its own ({@code bin/grid-node}) keeps the default.
   */
  public static final List<String> NODE_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  /**
   * How long each node of a local grid looks for a running member before the members form the grid
   * ({@code --join-timeout}): they start together on this machine, and find each other within a
   * second, while every start of the grid waited out {@code bin/grid-node}'s 5 s (seen in a node's
   * log: every connection up 0.3 s after Hazelcast started, the grid formed 5 s later). A node that
   * starts when the grid is up joins it at once, whatever the timeout.
   */
  public static final Duration JOIN_TIMEOUT = Duration.ofSeconds(1);

  private static final Duration STOP_WAIT = Duration.ofSeconds(15);
  private static final int MEMBER_PORT = 15701;
  private static final int HTTP_PORT = 18701;

  private final Path baseDir;
  private final Path tokenFile;
  private final String token;
  private List<NodeSettings> settings;
  private volatile NodeProcess[] processes; // grows by addNode
  private final Path gridHome;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final NodeNetwork network;
  private final Thread shutdownHook = new Thread(this::killAll, "local-grid-shutdown");

  /** A grid of {@code nodes} nodes with {@code slots} slots each, not yet started. */
  public LocalGrid(Path baseDir, int nodes, int slots) {
    this(GridHome.find(), baseDir, nodes, slots, List.of());
  }

  /**
   * The same, with the grid home and extra JVM options for every node given (after {@link
   * #NODE_JVM_OPTIONS}).
   */
  public LocalGrid(Path gridHome, Path baseDir, int nodes, int slots, List<String> jvmOptions) {
    this(gridHome, baseDir, nodes, slots, jvmOptions, false);
  }

  /**
   * A grid like {@link #LocalGrid(Path, Path, int, int, List)} whose nodes each run in a network
   * namespace of their own, made now (see {@link NodeNetwork}; it needs root) and deleted by {@link
   * #close()}: call close even if the grid is never started.
   *
   * @throws IllegalStateException if the namespaces cannot be made (not root, no {@code ip}),
   *     saying what to do
   */
  public static LocalGrid inNamespaces(
      Path gridHome, Path baseDir, int nodes, int slots, List<String> jvmOptions) {
    return new LocalGrid(gridHome, baseDir, nodes, slots, jvmOptions, true);
  }

  private LocalGrid(
      Path gridHome,
      Path baseDir,
      int nodes,
      int slots,
      List<String> jvmOptions,
      boolean namespaces) {
    if (nodes < 1) {
      throw new IllegalArgumentException("a local grid needs at least 1 node, not " + nodes);
    }
    this.gridHome = GridHome.check(gridHome);
    this.baseDir = baseDir.toAbsolutePath();
    this.tokenFile = this.baseDir.resolve("token");
    this.token = newToken();
    writeToken(tokenFile, token);
    writeToken(tokenFile.resolveSibling(NodeSettings.SECRET_FILE), newToken() + newToken());
    // In namespaces every node has an address of its own, so the usual ports are free.
    this.network = namespaces ? NodeNetwork.create(nodes) : null;
    List<Integer> ports = namespaces ? null : FreePorts.pick(2 * nodes);
    List<String> hosts = new ArrayList<>();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      hosts.add(namespaces ? network.address(i) : NodeSettings.LOOPBACK);
      members.add(hosts.get(i) + ":" + (namespaces ? MEMBER_PORT : ports.get(2 * i)));
    }
    if (namespaces) {
      // Beyond loopback a node serves HTTPS only.
      try {
        LocalCertificate.write(
            tokenFile.resolveSibling(NodeSettings.TLS_CERT_FILE),
            tokenFile.resolveSibling(NodeSettings.TLS_KEY_FILE),
            hosts);
      } catch (RuntimeException e) {
        network.close();
        throw e;
      }
    }
    List<String> options = new ArrayList<>(NODE_JVM_OPTIONS);
    options.addAll(jvmOptions);
    // A name of its own: two local grids on one machine (two test runs, a demo beside a test)
    // must never merge, even when one takes a port the other has let go.
    String clusterName = "local-" + UUID.randomUUID().toString().substring(0, 8);
    List<NodeSettings> all = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      String name = "n" + (i + 1);
      all.add(
          new NodeSettings(
              name,
              namespaces ? MEMBER_PORT : ports.get(2 * i),
              namespaces ? HTTP_PORT : ports.get(2 * i + 1),
              members,
              this.baseDir.resolve(name),
              tokenFile,
              slots,
              options,
              hosts.get(i),
              namespaces ? network.namespace(i) : "",
              JOIN_TIMEOUT,
              clusterName));
    }
    this.settings = List.copyOf(all);
    this.processes = new NodeProcess[nodes];
  }

  /**
   * Gives node {@code index} more {@code bin/grid-node} flags ({@code --labels gpu}); before start.
   */
  public LocalGrid withNodeOptions(int index, List<String> options) {
    if (processes[index] != null) {
      throw new IllegalStateException("node " + index + " is started: give its options before");
    }
    List<NodeSettings> changed = new ArrayList<>(settings);
    List<String> all = new ArrayList<>(settings.get(index).nodeOptions());
    all.addAll(options);
    changed.set(index, settings.get(index).withNodeOptions(all));
    settings = List.copyOf(changed);
    return this;
  }

  /**
   * Makes the first {@code voters} nodes the grid's voters ({@code --voters}) and every other node
   * a worker that joins through them ({@code --join}), instead of every node a voter ({@code
   * --members}); before start.
   */
  public LocalGrid withVoters(int voters) {
    if (voters < 1 || voters > settings.size()) {
      throw new IllegalArgumentException(
          "voters " + voters + " is not between 1 and the " + settings.size() + " nodes");
    }
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < voters; i++) {
      addresses.add(settings.get(i).host() + ":" + settings.get(i).port());
    }
    List<NodeSettings> changed = new ArrayList<>();
    for (int i = 0; i < settings.size(); i++) {
      String option = i < voters ? "--voters" : "--join";
      changed.add(
          settings
              .get(i)
              .withMembers(List.of())
              .withNodeOptions(List.of(option, String.join(",", addresses))));
    }
    settings = List.copyOf(changed);
    return this;
  }

  /** Starts every node and waits until each is healthy; see {@link #start(Duration)}. */
  public LocalGrid start() {
    return start(DEFAULT_START_WAIT);
  }

  /**
   * Starts every node at once, then waits until each answers its health check. On any failure every
   * process is stopped and the failure (with the node's log tail) is thrown.
   */
  public LocalGrid start(Duration wait) {
    if (closed.get()) {
      throw new IllegalStateException("this local grid in " + baseDir + " is closed");
    }
    if (processes[0] != null) {
      throw new IllegalStateException("this local grid in " + baseDir + " is already started");
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      for (int i = 0; i < processes.length; i++) {
        processes[i] = NodeProcess.start(gridHome, settings.get(i));
      }
      for (NodeProcess process : processes) {
        process.awaitReady(wait);
      }
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts node {@code index} again with the same ports and data directory, after it was killed or
   * terminated, and waits until it is healthy.
   */
  public NodeProcess restart(int index, Duration wait) {
    NodeProcess old = node(index);
    if (old.isAlive()) {
      throw new IllegalStateException(old + " is still running: kill or terminate it first");
    }
    processes[index] = NodeProcess.start(gridHome, settings.get(index));
    processes[index].awaitReady(wait);
    return processes[index];
  }

  /**
   * Starts every node again at once, with the same ports and data directories, after {@link
   * #stopAll} (or after each was killed or terminated), and waits until each is healthy, as an
   * operator starting the whole grid again would.
   *
   * @throws IllegalStateException if a node is still running (stop it first), or one is not healthy
   *     in time (with its log tail)
   */
  public LocalGrid restartAll(Duration wait) {
    for (NodeProcess old : nodes()) {
      if (old.isAlive()) {
        throw new IllegalStateException(old + " is still running: stop the grid first");
      }
    }
    for (int i = 0; i < processes.length; i++) {
      processes[i] = NodeProcess.start(gridHome, settings.get(i));
    }
    for (NodeProcess process : processes) {
      process.awaitReady(wait);
    }
    return this;
  }

  /**
   * Starts one more node on loopback beside the running grid, with the grid's token, secret and JVM
   * options, no {@code --members}, and the flags {@code nodeOptions} makes from the node's own
   * member address (a worker: {@code self -> List.of("--join", HOST_PORT)}); waits until it is
   * healthy. It is node {@code size()} from then on, stopped with the others.
   */
  public NodeProcess addNode(Function<String, List<String>> nodeOptions, Duration wait) {
    if (network != null) {
      throw new IllegalStateException("a grid in network namespaces cannot grow: it has no room");
    }
    if (processes[0] == null || closed.get()) {
      throw new IllegalStateException("the local grid is not running: start() it first");
    }
    int index = processes.length;
    String name = "n" + (index + 1);
    List<Integer> ports = FreePorts.pick(2);
    NodeSettings first = settings.get(0);
    NodeSettings added =
        new NodeSettings(
                name,
                ports.get(0),
                ports.get(1),
                List.of(),
                baseDir.resolve(name),
                tokenFile,
                first.slots(),
                first.jvmOptions(),
                NodeSettings.LOOPBACK,
                "",
                JOIN_TIMEOUT,
                first.clusterName())
            .withNodeOptions(nodeOptions.apply(NodeSettings.LOOPBACK + ":" + ports.get(0)));
    List<NodeSettings> grown = new ArrayList<>(settings);
    grown.add(added);
    settings = List.copyOf(grown);
    NodeProcess[] more = Arrays.copyOf(processes, index + 1);
    more[index] = NodeProcess.start(gridHome, added);
    processes = more;
    more[index].awaitReady(wait);
    return more[index];
  }

  /** Node {@code index}, counted from 0 (its name is {@code n<index+1>}). */
  public NodeProcess node(int index) {
    if (index < 0 || index >= processes.length) {
      throw new IllegalArgumentException(
          "node index " + index + " is out of range 0-" + (processes.length - 1));
    }
    if (processes[index] == null) {
      throw new IllegalStateException("the local grid is not started: call start() first");
    }
    return processes[index];
  }

  /** Every node, in order. */
  public List<NodeProcess> nodes() {
    List<NodeProcess> all = new ArrayList<>();
    for (int i = 0; i < processes.length; i++) {
      all.add(node(i));
    }
    return all;
  }

  /** How many nodes the grid has. */
  public int size() {
    return settings.size();
  }

  /** What each node is started with, in order. */
  public List<NodeSettings> settings() {
    return settings;
  }

  /**
   * Every node's HTTP address, in order ({@code https} for a grid {@link #inNamespaces}: see {@link
   * #caFile()}).
   */
  public List<URI> urls() {
    return settings.stream().map(NodeSettings::url).toList();
  }

  /**
   * The certificate clients must trust, for a grid whose nodes serve HTTPS (one made {@link
   * #inNamespaces}); empty for one on loopback, which serves plain HTTP.
   */
  public Optional<Path> caFile() {
    NodeSettings first = settings.get(0);
    return first.tls() ? Optional.of(first.tlsCert()) : Optional.empty();
  }

  /**
   * A client builder for this grid: every node, the token and, with TLS, the certificate to trust.
   *
   * <pre>{@code
   * try (GridClient client = grid.clientBuilder().requestTimeout(Duration.ofSeconds(5)).build()) {
   * }</pre>
   */
  public GridClientBuilder clientBuilder() {
    GridClientBuilder builder = GridClient.builder().nodes(urls()).token(token);
    caFile().ifPresent(builder::caFile);
    return builder;
  }

  /** Whether the nodes run in network namespaces of their own ({@link #inNamespaces}). */
  public boolean partitionable() {
    return network != null;
  }

  /**
   * Cuts the nodes {@code side} (indexes from 0) off from the others: no packet passes between the
   * two sides until {@link #heal()}, while each node's API still answers the caller. Heals an
   * earlier cut first.
   *
   * @throws IllegalStateException if the grid was not made {@link #inNamespaces}
   */
  public void partition(Set<Integer> side) {
    requireNetwork().cut(side);
  }

  /** Joins the two sides of a {@link #partition} again; nothing to do if none is cut. */
  public void heal() {
    requireNetwork().heal();
  }

  /** The nodes cut off by the last {@link #partition}; empty when healed. */
  public Set<Integer> cutOff() {
    return network == null ? Set.of() : network.cutSide();
  }

  private NodeNetwork requireNetwork() {
    if (network == null) {
      throw new IllegalStateException(
          "the local grid in "
              + baseDir
              + " runs on loopback and"
              + " cannot be partitioned: make it with LocalGrid.inNamespaces (as root)");
    }
    return network;
  }

  /** The clients' bearer token. */
  public String token() {
    return token;
  }

  /** The file holding the token, as given to every node's {@code --token-file}. */
  public Path tokenFile() {
    return tokenFile;
  }

  /** The directory holding the token and the nodes' data directories. */
  public Path baseDir() {
    return baseDir;
  }

  /**
   * Stops every running node at once, as an operator stopping the whole grid would: SIGTERM to all,
   * then waits for each. The grid can be started again with {@link #restart}.
   *
   * @throws IllegalStateException naming the nodes that had not stopped within the wait (they are
   *     killed)
   */
  public void stopAll(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (NodeProcess process : processes) {
      if (process.isAlive()) {
        process.signalTerminate();
      }
    }
    List<String> late = new ArrayList<>();
    StringBuilder logs = new StringBuilder();
    for (NodeProcess process : processes) {
      if (!process.awaitStopped(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        late.add(process.name());
        logs.append("\n--- ").append(process.name()).append(" log ---\n").append(process.logTail());
        process.kill();
      }
    }
    if (!late.isEmpty()) {
      throw new IllegalStateException(
          "nodes "
              + late
              + " did not stop within "
              + wait
              + " of SIGTERM, so they were killed"
              + logs);
    }
  }

  /**
   * Stops every running node: SIGTERM to all, then SIGKILL to any still running after 15 seconds.
   * Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (NodeProcess process : processes) {
      if (process != null && process.isAlive()) {
        process.signalTerminate();
      }
    }
    for (NodeProcess process : processes) {
      if (process != null) {
        long left = Math.max(0, deadline - System.nanoTime());
        process.awaitStopped(Duration.ofNanos(left));
      }
    }
    killAll();
    if (network != null) {
      network.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // the JVM is already shutting down, or start() never registered the hook
    }
  }

  private void killAll() {
    for (NodeProcess process : processes) {
      if (process != null && process.isAlive()) {
        try {
          process.kill();
        } catch (RuntimeException e) {
          System.err.println("could not kill " + process + ": " + e.getMessage());
        }
      }
    }
    if (network != null && Thread.currentThread() == shutdownHook) {
      network.close();
    }
  }

  private static String newToken() {
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    return HexFormat.of().formatHex(secret);
  }

  /** Writes a token or secret to a file only its owner can read (the node refuses any other). */
  private static void writeToken(Path file, String token) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }
}
