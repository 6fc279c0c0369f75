package dev.grid.launch;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to start one node process: the flags of {@code bin/grid-node}, plus extra JVM options.
 *
 * @param name the node's name
 * @param port its Hazelcast member port
 * @param httpPort its HTTP API port
 * @param members every member's {@code host:port}, this one included; empty for a lone node
 * @param dataDir its data directory; its log goes to {@code node.log} there
 * @param tokenFile the file holding the clients' bearer token
 * @param slots how many jobs it runs at once
 * @param jvmOptions extra JVM options, such as {@code -Xmx256m}; may be empty
 * @param host the address its member port and HTTP API bind to ({@code 127.0.0.1} by default)
 * @param namespace the Linux network namespace it runs in ({@code ip netns exec}); empty for the
 *     caller's own
 * @param joinTimeout how long it looks for a running member before the members listed form the grid
 *     ({@code --join-timeout}; {@link #DEFAULT_JOIN_TIMEOUT} unless set)
 * @param clusterName its cluster name ({@code --cluster-name})
 * @param nodeOptions more flags of {@code bin/grid-node}, given after the others, such as {@code
 *     --job-user NAME}; may be empty
 */
public record NodeSettings(
    String name,
    int port,
    int httpPort,
    List<String> members,
    Path dataDir,
    Path tokenFile,
    int slots,
    List<String> jvmOptions,
    String host,
    String namespace,
    Duration joinTimeout,
    String clusterName,
    List<String> nodeOptions) {

  /** The name of the cluster secret's file, beside the token file ({@link #secretFile}). */
  public static final String SECRET_FILE = "cluster-secret";

  /** The names of the HTTP API's certificate and key files, beside the token file. */
  public static final String TLS_CERT_FILE = "tls-cert.pem";

  public static final String TLS_KEY_FILE = "tls-key.pem";

  /** The host of a node on loopback. */
  public static final String LOOPBACK = "127.0.0.1";

  /** {@code bin/grid-node}'s own cluster name. */
  public static final String DEFAULT_CLUSTER_NAME = "grid";

  /** {@code bin/grid-node}'s own join timeout. */
  public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(5);

  /** Validates eagerly; a bad value is named in the message. */
  public NodeSettings {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(tokenFile, "tokenFile");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(joinTimeout, "joinTimeout");
    if (clusterName == null || !clusterName.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "cluster name '" + clusterName + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    if (joinTimeout.toSeconds() < 1 || joinTimeout.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "join timeout "
              + joinTimeout
              + " is not a whole number of seconds of at least 1: give 1 s or more");
    }
    if (host == null || !host.matches("[0-9A-Za-z.:-]{1,253}")) {
      throw new IllegalArgumentException(
          "host '" + host + "' is not valid: give an address such as 127.0.0.1");
    }
    if (!namespace.isEmpty() && !namespace.matches("[A-Za-z0-9._-]{1,200}")) {
      throw new IllegalArgumentException(
          "network namespace '"
              + namespace
              + "' is not valid: use A-Z a-z 0-9 . _ - (or empty for none)");
    }
    members = List.copyOf(members);
    jvmOptions = List.copyOf(jvmOptions);
    nodeOptions = List.copyOf(nodeOptions);
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "node name '" + name + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    checkPort("port", port);
    checkPort("http port", httpPort);
    if (port == httpPort) {
      throw new IllegalArgumentException(
          "port and http port are both " + port + ": give the node two different ports");
    }
    if (slots < 1) {
      throw new IllegalArgumentException("slots " + slots + " must be at least 1");
    }
  }

  /** Settings with no more node flags. */
  public NodeSettings(
      String name,
      int port,
      int httpPort,
      List<String> members,
      Path dataDir,
      Path tokenFile,
      int slots,
      List<String> jvmOptions,
      String host,
      String namespace,
      Duration joinTimeout,
      String clusterName) {
    this(
        name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        joinTimeout,
        clusterName,
        List.of());
  }

  /** Settings with {@code bin/grid-node}'s own join timeout. */
  public NodeSettings(
      String name,
      int port,
      int httpPort,
      List<String> members,
      Path dataDir,
      Path tokenFile,
      int slots,
      List<String> jvmOptions,
      String host,
      String namespace) {
    this(
        name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        DEFAULT_JOIN_TIMEOUT,
        DEFAULT_CLUSTER_NAME);
  }

  /** Settings of a node on loopback in the caller's network namespace. */
  public NodeSettings(
      String name,
      int port,
      int httpPort,
      List<String> members,
      Path dataDir,
      Path tokenFile,
      int slots,
      List<String> jvmOptions) {
    this(name, port, httpPort, members, dataDir, tokenFile, slots, jvmOptions, LOOPBACK, "");
  }

  /** Settings with no extra JVM options. */
  public NodeSettings(
      String name,
      int port,
      int httpPort,
      List<String> members,
      Path dataDir,
      Path tokenFile,
      int slots) {
    this(name, port, httpPort, members, dataDir, tokenFile, slots, List.of());
  }

  /** These settings with the given extra JVM options. */
  public NodeSettings withJvmOptions(List<String> options) {
    return new NodeSettings(
        name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        options,
        host,
        namespace,
        joinTimeout,
        clusterName,
        nodeOptions);
  }

  /** These settings with the given join timeout (whole seconds, 1 s or more). */
  public NodeSettings withJoinTimeout(Duration timeout) {
    return new NodeSettings(
        name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        timeout,
        clusterName,
        nodeOptions);
  }

  /**
   * These settings with the given cluster name: only nodes of the same name join one grid, so two
   * local grids on one machine never merge, even when one takes a port the other let go.
   */
  public NodeSettings withClusterName(String name) {
    return new NodeSettings(
        this.name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        joinTimeout,
        name,
        nodeOptions);
  }

  /**
   * These settings with other members to join through ({@code --members}); empty: none, as for a
   * node given {@code --voters} or {@code --join} in its flags instead.
   */
  public NodeSettings withMembers(List<String> newMembers) {
    return new NodeSettings(
        name,
        port,
        httpPort,
        newMembers,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        joinTimeout,
        clusterName,
        nodeOptions);
  }

  /** These settings with more flags of {@code bin/grid-node}, given after the others. */
  public NodeSettings withNodeOptions(List<String> options) {
    return new NodeSettings(
        name,
        port,
        httpPort,
        members,
        dataDir,
        tokenFile,
        slots,
        jvmOptions,
        host,
        namespace,
        joinTimeout,
        clusterName,
        options);
  }

  /** The node's log file. */
  public Path logFile() {
    return dataDir.resolve("node.log");
  }

  private static void checkPort(String what, int value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException(what + " " + value + " is out of range 1-65535");
    }
  }

  /**
   * The grid's cluster secret, beside the token file; passed to the node as {@code --secret-file}
   * if it exists ({@link LocalGrid} writes one), else a one-node grid makes its own.
   */
  public Path secretFile() {
    return tokenFile.resolveSibling(SECRET_FILE);
  }

  /**
   * The HTTP API's certificate (PEM), beside the token file; when it is there the node serves HTTPS
   * with it and {@link #tlsKey()} (a node bound beyond loopback must), and clients trust it.
   */
  public Path tlsCert() {
    return tokenFile.resolveSibling(TLS_CERT_FILE);
  }

  /** The private key of {@link #tlsCert()}. */
  public Path tlsKey() {
    return tokenFile.resolveSibling(TLS_KEY_FILE);
  }

  /** Whether the node serves HTTPS: its certificate is there ({@link #tlsCert()}). */
  public boolean tls() {
    return Files.exists(tlsCert());
  }

  /** The node's HTTP API base address: {@code https://HOST:PORT} with TLS, else {@code http://}. */
  public URI url() {
    return URI.create((tls() ? "https://" : "http://") + host + ":" + httpPort);
  }
}
