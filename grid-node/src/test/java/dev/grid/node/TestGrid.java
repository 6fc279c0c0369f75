package dev.grid.node;

import dev.grid.launch.FreePorts;
import dev.grid.scheduler.RetentionPolicy;
import dev.grid.storage.BlobMapStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Several nodes in one JVM on loopback, on free ports, with their own cluster name and data dirs.
 * Closing it halts every node still up.
 *
 * <p>Its nodes wait less than production's: the first node of a grid started while none of the
 * others runs forms the cluster at once ({@link NodeTimings#formingAlone}), a node restarted while
 * others run asks them for a master for 1 s (5 s by default), and a worker that left is written off
 * after 2.5 s, its watcher's quiet time being 2 s (4 s and 3 s by default).
 */
final class TestGrid implements AutoCloseable {
  static final String TOKEN = "test-token";
  static final Duration LEASE = Duration.ofMillis(1500);
  private static final Duration RESTORE = Duration.ofSeconds(30);
  static final NodeTimings TIMINGS =
      new NodeTimings(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(2500));

  private final List<NodeConfig> configs = new ArrayList<>();
  private final List<GridNode> nodes = new ArrayList<>();

  TestGrid(Path dir, int size, int slots) {
    String cluster = "test-" + UUID.randomUUID();
    List<String> members = new ArrayList<>();
    int[] ports = new int[size];
    for (int i = 0; i < size; i++) {
      ports[i] = freePort();
      members.add("127.0.0.1:" + ports[i]);
    }
    for (int i = 0; i < size; i++) {
      configs.add(
          new NodeConfig(
              "n" + (i + 1),
              cluster,
              "127.0.0.1",
              ports[i],
              0,
              size == 1 ? List.of() : members,
              dir.resolve("n" + (i + 1)),
              TOKEN,
              slots,
              7,
              LEASE,
              64 * 1024));
    }
  }

  /** Every node with this retention policy; call before {@link #start}. */
  TestGrid retention(RetentionPolicy policy) {
    configs.replaceAll(c -> c.withRetention(policy));
    return this;
  }

  /** Stops every node at the same time, cleanly, as a SIGTERM to each would. */
  void closeAllAtOnce() {
    List<Thread> stoppers = new ArrayList<>();
    for (GridNode n : nodes) {
      Thread t = new Thread(n::close, "test-stop-" + n.name());
      t.start();
      stoppers.add(t);
    }
    joinAll(stoppers);
  }

  /** Starts every node again, with the same configs and data dirs, after they all stopped. */
  TestGrid startAgain() {
    if (!live().isEmpty()) {
      throw new IllegalStateException(
          "nodes " + live().stream().map(GridNode::name).toList() + " still run: stop them first");
    }
    nodes.clear();
    return start();
  }

  /**
   * Starts the first node, which forms the cluster at once (none of the others runs: it asks no one
   * for a master), then every other in parallel: they find it and join at once. Started all
   * together, they each formed or joined the cluster a second apart (a member that finds no master
   * asks again a second later), up to 3 s for three nodes; and the first node alone, listing the
   * others, asked their closed ports for a master for its join timeout (1 s) first.
   */
  TestGrid start() {
    List<Thread> starters = new ArrayList<>();
    GridNode[] started = new GridNode[configs.size()];
    RuntimeException[] failure = new RuntimeException[1];
    started[0] = GridNode.start(configs.get(0), TIMINGS.formingAlone());
    for (int i = 1; i < configs.size(); i++) {
      int n = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  started[n] = GridNode.start(configs.get(n), TIMINGS);
                } catch (RuntimeException e) {
                  failure[0] = e;
                }
              },
              "test-start-" + i);
      t.start();
      starters.add(t);
    }
    joinAll(starters);
    nodes.addAll(List.of(started));
    if (failure[0] != null) {
      throw failure[0];
    }
    // Started means the blob store is restored from every node's disk: a node lost before it
    // reported (a test that crashes the first primary at once) would hold up the restore, and
    // with it the next primary's loading, for the whole restore wait (60 s).
    if (!started[0].blobs().awaitRestored(RESTORE)) {
      throw new IllegalStateException(
          "the blob store of the test grid was not restored within " + RESTORE);
    }
    return this;
  }

  /** Starts node {@code i} again (after a halt or close) with the same config and data dir. */
  GridNode restart(int i) {
    GridNode node = GridNode.start(configs.get(i), TIMINGS);
    nodes.set(i, node);
    return node;
  }

  GridNode node(int i) {
    return nodes.get(i);
  }

  /** Nodes not halted or closed. */
  List<GridNode> live() {
    return nodes.stream().filter(n -> n.hazelcast().getLifecycleService().isRunning()).toList();
  }

  List<GridNode> primaries() {
    return live().stream().filter(GridNode::isPrimary).toList();
  }

  int indexOf(GridNode node) {
    return nodes.indexOf(node);
  }

  GridNode byName(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  private static void joinAll(List<Thread> threads) {
    for (Thread t : threads) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static int freePort() {
    return FreePorts.one();
  }

  /**
   * Ends the test's grid: every node still up is halted at once (a simulated crash: its member,
   * HTTP API, threads and job processes end). A clean stop flushes the durable maps and hands
   * Hazelcast's partitions over, a second or more per node, which no test asserts on after its end;
   * the clean stop is what {@code closeAllAtOnce}, {@code GridNode.close} in the tests that stop a
   * node on purpose, and the process tests' SIGTERM (RestartProcessIT, LocalGridIT) check.
   */
  @Override
  public void close() {
    List<GridNode> up =
        nodes.stream()
            .filter(n -> n != null && n.hazelcast().getLifecycleService().isRunning())
            .toList();
    // Hazelcast's write-behind stores what it still holds as its member ends; on a member that
    // can no longer write it retried for 3 s (seen after 30 jobs) unless the durable maps were
    // told the node is stopping: then a failed write is given up at once.
    up.forEach(n -> n.hazelcast().getUserContext().put(BlobMapStore.STOPPING_KEY, Boolean.TRUE));
    // All at once: a member's terminate can take seconds (a member left alone took 3 s).
    List<Thread> halts = new ArrayList<>();
    for (GridNode n : up) {
      Thread t = new Thread(n::halt, "test-halt-" + n.name());
      t.start();
      halts.add(t);
    }
    joinAll(halts);
  }
}
