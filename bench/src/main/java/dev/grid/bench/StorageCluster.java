package dev.grid.bench;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.node.NodeConfig;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.SchedulerTypes;
import dev.grid.storage.LocalDiskStore;
import dev.grid.storage.ReplicatedBlobStore;
import dev.grid.storage.ReplicationSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Hazelcast members in this JVM, each with the blob store a node has: the grid's own member
 * configuration ({@link ClusterSettings}, loopback TCP), a {@link LocalDiskStore} in a directory of
 * its own and the replicated store on top, as {@code GridNode} wires them. Only the storage part of
 * a node: no scheduler, worker or HTTP.
 */
final class StorageCluster implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(60);

  private final List<HazelcastInstance> members = new ArrayList<>();
  private final List<ReplicatedBlobStore> stores = new ArrayList<>();
  private boolean closed;

  private StorageCluster() {}

  /**
   * Starts {@code nodes} members named {@code n1, n2, ...} with stores under {@code base/nN},
   * keeping {@code replication} copies of each blob; returns once they form one cluster whose store
   * metadata is restored.
   */
  static StorageCluster start(Path base, int nodes, int replication) {
    String cluster = "storage-bench-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ports.add(freePort());
      addresses.add("127.0.0.1:" + ports.get(i));
    }
    StorageCluster started = new StorageCluster();
    try {
      for (int i = 0; i < nodes; i++) {
        String name = name(i);
        started.members.add(
            Hazelcast.newHazelcastInstance(
                new ClusterSettings(
                        cluster,
                        name,
                        "127.0.0.1",
                        ports.get(i),
                        addresses,
                        NodeConfig.DEFAULT_PARTITIONS,
                        SchedulerTypes.kryoClasses())
                    .toConfig()));
      }
      ReplicationSettings settings =
          ReplicationSettings.defaults(nodes).withReplication(replication);
      for (int i = 0; i < nodes; i++) {
        started.stores.add(
            ReplicatedBlobStore.start(
                started.members.get(i),
                name(i),
                new LocalDiskStore(base.resolve(name(i))),
                settings,
                Clock.systemUTC()));
      }
      started.awaitReady(nodes);
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  private void awaitReady(int nodes) {
    long deadline = System.nanoTime() + READY.toNanos();
    while (members.get(0).getCluster().getMembers().size() < nodes
        || !members.get(0).getPartitionService().isClusterSafe()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            nodes
                + " in-JVM members did not form one cluster within "
                + READY
                + ": is loopback TCP blocked?");
      }
      try {
        Thread.sleep(50); // polling a cluster forming; nothing to be notified by
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the members started", e);
      }
    }
    for (ReplicatedBlobStore store : stores) {
      if (!store.awaitRestored(READY)) {
        throw new IllegalStateException(
            "the blob store of node " + store.node() + " was not restored within " + READY);
      }
    }
  }

  static String name(int index) {
    return "n" + (index + 1);
  }

  /** The store of node {@code nN}, N = index + 1. */
  ReplicatedBlobStore store(int index) {
    return stores.get(index);
  }

  /** The store of the node with this name. */
  ReplicatedBlobStore store(String node) {
    for (ReplicatedBlobStore store : stores) {
      if (store.node().equals(node)) {
        return store;
      }
    }
    throw new IllegalArgumentException("no node " + node + " in this cluster");
  }

  int size() {
    return stores.size();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port for a member", e);
    }
  }

  /** Closes the stores and terminates the members; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stores.forEach(ReplicatedBlobStore::close);
    for (HazelcastInstance member : members) {
      member.getLifecycleService().terminate();
    }
  }
}
