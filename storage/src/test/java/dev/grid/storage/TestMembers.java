package dev.grid.storage;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.launch.FreePorts;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Small Hazelcast members in this JVM for the storage tests: loopback TCP-IP join on free ports,
 * multicast and Jet off, 7 partitions, few threads, a cluster name of their own, and the blob
 * store's maps. (The grid's ClusterSettings lives in the scheduler, which storage must not use.)
 */
final class TestMembers implements AutoCloseable {
  private final List<HazelcastInstance> members = new ArrayList<>();
  private final String clusterName = "blob-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private int voters;

  private TestMembers(int count) {
    for (int i = 0; i < count; i++) {
      ports.add(freePort());
    }
    ports.forEach(p -> addresses.add("127.0.0.1:" + p));
  }

  /**
   * Starts {@code count} members that form one cluster, named {@code m0, m1, ...} by the blob
   * store's node attribute.
   */
  static TestMembers start(int count) {
    TestMembers started = new TestMembers(count);
    try {
      for (int i = 0; i < count; i++) {
        started.members.add(started.newMember(i));
      }
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * The same, the first {@code voters} of them marked as voters of the grid ({@link
   * ReplicatedBlobStore#VOTER_ATTRIBUTE}), the others as workers.
   */
  static TestMembers start(int count, int voters) {
    TestMembers started = new TestMembers(count);
    started.voters = voters;
    try {
      for (int i = 0; i < count; i++) {
        started.members.add(started.newMember(i));
      }
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  HazelcastInstance member(int index) {
    return members.get(index);
  }

  /** The node name of member {@code index}. */
  static String name(int index) {
    return "m" + index;
  }

  /** Starts member {@code index} of a cluster that was started with fewer members. */
  HazelcastInstance add(int index) {
    while (ports.size() <= index) {
      int port = freePort();
      ports.add(port);
      addresses.add("127.0.0.1:" + port);
    }
    HazelcastInstance member = newMember(index);
    members.add(member);
    return member;
  }

  /** Kills the member as a crash would: no goodbye to the others. */
  void kill(int index) {
    members.get(index).getLifecycleService().terminate();
  }

  /** Starts member {@code index} again (after a kill), on its port and with its name. */
  HazelcastInstance restart(int index) {
    HazelcastInstance member = newMember(index);
    members.set(index, member);
    return member;
  }

  /**
   * A member started while none of the others runs lists only itself to join, and so forms the
   * cluster at once: listing the others, it asked their closed ports for a master for a second
   * first (Hazelcast's TCP-IP join), at every start of a cluster and every restart of a stopped
   * one. The members started after it list every member and join it.
   */
  private HazelcastInstance newMember(int index) {
    boolean alone = members.stream().noneMatch(m -> m.getLifecycleService().isRunning());
    List<String> join = alone ? List.of(addresses.get(index)) : List.copyOf(addresses);
    Config config = config(clusterName, ports.get(index), join);
    config.getMemberAttributeConfig().setAttribute(ReplicatedBlobStore.NODE_ATTRIBUTE, name(index));
    if (voters > 0) { // as in a grid: a voter carries its address, a worker an empty value
      config
          .getMemberAttributeConfig()
          .setAttribute(
              ReplicatedBlobStore.VOTER_ATTRIBUTE, index < voters ? addresses.get(index) : "");
    }
    return Hazelcast.newHazelcastInstance(config);
  }

  private static Config config(String clusterName, int port, List<String> addresses) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setInstanceName(clusterName + "-" + port + "-" + UUID.randomUUID());
    config.getJetConfig().setEnabled(false);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(false).setReuseAddress(true);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(addresses);
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.partition.count", "7");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.operation.thread.count", "2");
    config.setProperty("hazelcast.operation.generic.thread.count", "2");
    config.setProperty("hazelcast.io.thread.count", "1");
    config.setProperty("hazelcast.event.thread.count", "1");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "3");
    ReplicatedBlobStore.configure(config);
    return config;
  }

  /** A free port for a member: see {@link FreePorts}. */
  static int freePort() {
    return FreePorts.one();
  }

  /** Terminates every member still running. */
  @Override
  public void close() {
    for (HazelcastInstance member : members) {
      if (member.getLifecycleService().isRunning()) {
        member.getLifecycleService().terminate();
      }
    }
  }
}
