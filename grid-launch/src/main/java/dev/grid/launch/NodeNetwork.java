package dev.grid.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network of Linux network namespaces, one per node, that a test can cut into two sides: the
 * network a partition test needs, made with {@code ip} (iproute2) and nothing else. Needs root.
 *
 * <p>Node {@code i} (from 0) lives in namespace {@code gridnet-<pid>-<run>-n<i+1>} with the address
 * {@code 10.234.<net>.<i+1>}. It has:
 *
 * <ul>
 *   <li>a <b>client link</b> to the root namespace (veth {@code root} inside, {@code
 *       g<pid>x<run>r<i+1>} outside): the test JVM reaches every node's HTTP API through it, from
 *       {@code 10.234.<net>.254}. Only that address is routed over it, so no node reaches another
 *       through the root namespace, whatever its forwarding setting;
 *   <li>a <b>pair link</b> to every other node (veth {@code p<j+1>} in node {@code i}'s namespace,
 *       {@code p<i+1>} in node {@code j}'s), with a host route to the peer's address: all
 *       node-to-node traffic, Hazelcast's included, goes over it.
 * </ul>
 *
 * <p>{@link #cut(Set)} sets the pair links between the two sides down at both ends: the kernel then
 * drops that traffic (a send fails at once with "network unreachable", an established connection
 * gets no more packets through), while the client links stay up, so the test still talks to every
 * node. {@link #heal()} sets them up and puts the host routes back (the kernel removes a route when
 * its link goes down).
 *
 * <p>{@link #close()} deletes the namespaces (with them every link and route of this network);
 * {@link #create} first deletes those of an earlier run whose JVM is gone (a killed test), killing
 * any process still left inside them.
 */
public final class NodeNetwork implements AutoCloseable {
  /** Every namespace of this scheme starts so; the owner's pid follows. */
  static final String PREFIX = "gridnet-";

  private static final Pattern NAMESPACE = Pattern.compile("gridnet-(\\d+)-(\\d+)-n(\\d+)");
  private static final Pattern ROOT_LINK = Pattern.compile("g([0-9a-z]+)x([0-9a-z]+)r(\\d+)");
  private static final AtomicInteger RUNS = new AtomicInteger();
  private static final long IP_WAIT_SECONDS = 10;

  private final int nodes;
  private final int net;
  private final String runTag;
  private final String linkTag;
  private final Set<Integer> cutSide = new HashSet<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private NodeNetwork(int nodes, int net, long pid, int run) {
    this.nodes = nodes;
    this.net = net;
    this.runTag = PREFIX + pid + "-" + run + "-n";
    this.linkTag = "g" + Long.toString(pid, 36) + "x" + Integer.toString(run, 36) + "r";
  }

  /**
   * Makes the namespaces and links of a network of {@code nodes} nodes, after deleting those of
   * earlier runs whose JVM is gone.
   *
   * @throws IllegalStateException if this JVM is not root or {@code ip} is missing, saying what to
   *     do; or if a command fails (what was made is deleted again)
   */
  public static NodeNetwork create(int nodes) {
    if (nodes < 1 || nodes > 250) {
      throw new IllegalArgumentException("a node network needs 1 to 250 nodes, not " + nodes);
    }
    checkCanRun();
    cleanStale();
    // Another network may be made at the same moment (two test JVMs, a test beside bin/chaos):
    // both could find the same subnet free. Each looks from a random one, and takes another if
    // its route turns out to be taken.
    for (int attempt = 1; ; attempt++) {
      int net = freeNet(ThreadLocalRandom.current().nextInt(256));
      NodeNetwork network =
          new NodeNetwork(nodes, net, ProcessHandle.current().pid(), RUNS.incrementAndGet());
      try {
        network.build();
        return network;
      } catch (RuntimeException e) {
        network.close();
        if (attempt >= 5 || !String.valueOf(e.getMessage()).contains("File exists")) {
          throw e;
        }
      }
    }
  }

  /** How many nodes the network has. */
  public int size() {
    return nodes;
  }

  /** Node {@code i}'s namespace, for {@code ip netns exec}. */
  public String namespace(int i) {
    checkIndex(i);
    return runTag + (i + 1);
  }

  /** Node {@code i}'s address: its member port and HTTP API bind to it. */
  public String address(int i) {
    checkIndex(i);
    return "10.234." + net + "." + (i + 1);
  }

  /** The root namespace's address on every client link (where the test's calls come from). */
  public String clientAddress() {
    return "10.234." + net + ".254";
  }

  /**
   * Cuts every pair link between the nodes in {@code side} and the others: after it, the two sides
   * exchange no packet until {@link #heal()}. Heals an earlier cut first.
   */
  public synchronized void cut(Set<Integer> side) {
    checkOpen();
    side.forEach(this::checkIndex);
    if (side.isEmpty() || side.size() == nodes) {
      throw new IllegalArgumentException(
          "side "
              + side
              + " does not cut "
              + nodes
              + " nodes in two: give some of the node indexes 0-"
              + (nodes - 1)
              + ", not all");
    }
    heal();
    cutSide.addAll(side);
    for (int i : side) {
      for (int j = 0; j < nodes; j++) {
        if (!side.contains(j)) {
          ip("-n", namespace(i), "link", "set", pairLink(j), "down");
          ip("-n", namespace(j), "link", "set", pairLink(i), "down");
        }
      }
    }
  }

  /** Which nodes were cut off from the others by the last {@link #cut}; empty when healed. */
  public synchronized Set<Integer> cutSide() {
    return Set.copyOf(new TreeSet<>(cutSide));
  }

  /** Sets every pair link up again and restores its route; nothing to do if nothing is cut. */
  public synchronized void heal() {
    checkOpen();
    if (cutSide.isEmpty()) {
      return;
    }
    for (int i : cutSide) {
      for (int j = 0; j < nodes; j++) {
        if (!cutSide.contains(j)) {
          connect(i, j);
        }
      }
    }
    cutSide.clear();
  }

  /** Deletes every namespace of this network, with its links and routes. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (int i = 0; i < nodes; i++) {
      deleteNamespace(namespace(i));
    }
    // A client link whose namespace never came to be (a failed build) is deleted by name.
    for (int i = 0; i < nodes; i++) {
      run(List.of("ip", "link", "del", linkTag + (i + 1)));
    }
  }

  @Override
  public String toString() {
    return "node network 10.234." + net + ".0/24 (" + runTag + "1-" + nodes + ")";
  }

  private void build() {
    for (int i = 0; i < nodes; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      ip("-n", ns, "link", "set", "lo", "up");
      String outside = linkTag + (i + 1);
      ip("link", "add", outside, "type", "veth", "peer", "name", "root", "netns", ns);
      ip("-n", ns, "addr", "add", address(i) + "/32", "dev", "root");
      ip("-n", ns, "link", "set", "root", "up");
      ip("-n", ns, "route", "add", clientAddress() + "/32", "dev", "root");
      ip("addr", "add", clientAddress() + "/32", "dev", outside);
      ip("link", "set", outside, "up");
      ip("route", "add", address(i) + "/32", "dev", outside, "src", clientAddress());
    }
    for (int i = 0; i < nodes; i++) {
      for (int j = i + 1; j < nodes; j++) {
        ip(
            "link",
            "add",
            pairLink(j),
            "netns",
            namespace(i),
            "type",
            "veth",
            "peer",
            "name",
            pairLink(i),
            "netns",
            namespace(j));
        connect(i, j);
      }
    }
  }

  /** Sets the pair link of nodes i and j up at both ends, with a host route at each. */
  private void connect(int i, int j) {
    ip("-n", namespace(i), "link", "set", pairLink(j), "up");
    ip("-n", namespace(j), "link", "set", pairLink(i), "up");
    ip("-n", namespace(i), "route", "replace", address(j) + "/32", "dev", pairLink(j));
    ip("-n", namespace(j), "route", "replace", address(i) + "/32", "dev", pairLink(i));
  }

  /** The name, in any node's namespace, of its pair link to node {@code peer}. */
  private static String pairLink(int peer) {
    return "p" + (peer + 1);
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= nodes) {
      throw new IllegalArgumentException("node index " + i + " is out of range 0-" + (nodes - 1));
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  /** Fails, saying what to do, unless this JVM runs as root and {@code ip} runs. */
  static void checkCanRun() {
    Optional<String> why = whyUnavailable();
    if (why.isPresent()) {
      throw new IllegalStateException(why.get());
    }
  }

  /**
   * Why this JVM cannot make network namespaces, saying what to do; empty if it can. They need
   * Linux, root and iproute2's {@code ip}: the partition tests skip with this reason elsewhere, and
   * {@link #create} fails with it.
   */
  public static Optional<String> whyUnavailable() {
    return whyUnavailable(Path.of("/proc/self/status"), List.of("ip", "-V"));
  }

  /**
   * {@link #whyUnavailable()} from this process status file and this {@code ip} version command.
   */
  static Optional<String> whyUnavailable(Path procStatus, List<String> ipVersion) {
    String uid = "?";
    try {
      for (String line : Files.readAllLines(procStatus)) {
        if (line.startsWith("Uid:")) {
          uid = line.split("\\s+")[2]; // the effective uid
        }
      }
    } catch (IOException e) {
      return Optional.of(
          "network namespaces need Linux (no "
              + procStatus
              + "): run partition tests on Linux, as root");
    }
    if (!uid.equals("0")) {
      return Optional.of(
          "network namespaces need root, and this JVM runs as uid "
              + uid
              + ": run the partition test or bin/chaos with --faults partition as root (sudo),"
              + " or leave partitions out");
    }
    Result version = run(ipVersion);
    if (version.exit != 0) {
      return Optional.of(
          "the 'ip' command (iproute2) is missing or failed ("
              + version.output.strip()
              + "): install it, e.g. apt-get install -y iproute2");
    }
    return Optional.empty();
  }

  /**
   * Deletes the namespaces and client links of earlier runs whose JVM is gone, killing any process
   * still inside (a node of a test that was itself killed).
   */
  static void cleanStale() {
    for (String ns : lines(ip("netns", "list"))) {
      String name = ns.split("\\s+")[0];
      Matcher m = NAMESPACE.matcher(name);
      if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
        deleteNamespace(name);
      }
    }
    for (String line : lines(ip("-o", "link", "show"))) {
      String[] f = line.split(":\\s+");
      if (f.length < 2) {
        continue;
      }
      String link = f[1].split("@")[0];
      Matcher m = ROOT_LINK.matcher(link);
      if (m.matches() && !alive(Long.parseLong(m.group(1), 36))) {
        run(List.of("ip", "link", "del", link));
      }
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The first 10.234.X.0/24 no address or route of the root namespace uses. */
  /** The first 10.234.X.0/24 from {@code start} on (wrapping) that no address or route uses. */
  private static int freeNet(int start) {
    String used = ip("-o", "addr", "show") + "\n" + ip("route", "show");
    for (int i = 0; i < 256; i++) {
      int x = (start + i) % 256;
      if (!used.contains("10.234." + x + ".")) {
        return x;
      }
    }
    throw new IllegalStateException(
        "every 10.234.X.0/24 is in use on this machine: delete stale"
            + " '"
            + PREFIX
            + "*' namespaces (ip netns list) or free some of 10.234.0.0/16");
  }

  private static void deleteNamespace(String ns) {
    Result pids = run(List.of("ip", "netns", "pids", ns));
    if (pids.exit == 0) {
      for (String pid : lines(pids.output)) {
        ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    run(List.of("ip", "netns", "del", ns));
  }

  private static List<String> lines(String text) {
    return text.lines().filter(l -> !l.isBlank()).toList();
  }

  /** Runs {@code ip ARGS}; its output, or an exception naming the command and what it said. */
  private static String ip(String... args) {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(List.of(args));
    Result result = run(command);
    if (result.exit != 0) {
      throw new IllegalStateException(
          "'"
              + String.join(" ", command)
              + "' failed (exit "
              + result.exit
              + "): "
              + result.output.strip());
    }
    return result.output;
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(IP_WAIT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(
            -1, String.join(" ", command) + " did not finish in " + IP_WAIT_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }
}
