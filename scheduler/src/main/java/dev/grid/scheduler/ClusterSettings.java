package dev.grid.scheduler;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import dev.grid.storage.ReplicatedBlobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a node joins the cluster, and the one place that turns that into a Hazelcast {@link Config}:
 * TCP-IP join on a member list, multicast off, Jet off, the member port open to members only (no
 * Hazelcast clients, no REST), fast failure detection, few partitions and threads, Kryo for the
 * grid's types.
 *
 * @param clusterName members only join a cluster of the same name (a node's is derived from the
 *     grid's secret, so that only holders of the secret can join)
 * @param nodeName this node's name, published as the member attribute {@link #NAME_ATTRIBUTE}
 * @param bindHost the interface the member port binds to (loopback by default)
 * @param port the member port
 * @param members the {@code host:port} of every member, this one included; empty for a lone node
 * @param partitions Hazelcast partition count (small grids want few)
 * @param kryoClasses the grid's classes that travel through Hazelcast, in registration order
 */
public record ClusterSettings(
    String clusterName,
    String nodeName,
    String bindHost,
    int port,
    List<String> members,
    int partitions,
    List<Class<?>> kryoClasses) {

  /** The member attribute that carries the node's name. */
  public static final String NAME_ATTRIBUTE = ReplicatedBlobStore.NODE_ATTRIBUTE;

  /** The member attribute that carries the node's worker slots (absent: runs no jobs). */
  public static final String SLOTS_ATTRIBUTE = "grid.slots";

  /**
   * Every label a node of this grid has declared (label to the first node that did), written by
   * each node as it starts; not persisted: after a full restart, nodes declare theirs again.
   */
  public static final String LABELS_SEEN_MAP = "labels-seen";

  /** The member attribute holding a node's labels, comma-separated ({@code --labels}). */
  public static final String LABELS_ATTRIBUTE = "grid.labels";

  /** The member attribute holding the CPUs a node offers to jobs ({@code --cpus}). */
  public static final String CPUS_ATTRIBUTE = "grid.cpus";

  /** The member attribute holding the memory a node offers to jobs, in bytes ({@code --mem}). */
  public static final String MEMORY_ATTRIBUTE = "grid.mem";

  /** The replicated map of job records. */
  public static final String JOBS_MAP = "jobs";

  /** The replicated (and persisted) map of arrays' tasks, by block ({@link TaskBlock}). */
  public static final String TASK_BLOCKS_MAP = "task-blocks";

  /** The replicated map of node descriptions. */
  public static final String NODES_MAP = "nodes";

  /** The executor that carries messages between nodes (lease, dispatch, cancel). */
  public static final String MESSAGE_EXECUTOR = "grid-messages";

  /** Validates eagerly. */
  public ClusterSettings {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(bindHost, "bindHost");
    members = List.copyOf(members);
    kryoClasses = List.copyOf(kryoClasses);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions " + partitions + " must be at least 1");
    }
  }

  /** The Hazelcast configuration for these settings. */
  public Config toConfig() {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setInstanceName("grid-" + nodeName + "-" + port);
    config.getJetConfig().setEnabled(false);
    config.getMemberAttributeConfig().setAttribute(NAME_ATTRIBUTE, nodeName);

    // The member port speaks the member protocol only: with Hazelcast's plain network config it
    // also takes Hazelcast clients, which authenticate with nothing but the cluster name, and a
    // client can read and write every map (and so make any node run any command). With the
    // advanced network config and no client endpoint, a client's handshake is refused. Members
    // must still know the cluster name, which a node derives from the grid's secret.
    AdvancedNetworkConfig network = config.getAdvancedNetworkConfig().setEnabled(true);
    ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
    // A node restarted at once binds its port again even while old connections linger
    // (TIME_WAIT), as an operator restarting it expects.
    member.setPort(port).setPortAutoIncrement(false).setReuseAddress(true);
    member.getInterfaces().setEnabled(true).addInterface(bindHost);
    network.setMemberEndpointConfig(member);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    List<String> tcpMembers = new ArrayList<>(members);
    if (tcpMembers.isEmpty()) {
      tcpMembers.add(bindHost + ":" + port);
    }
    join.getTcpIpConfig().setEnabled(true).setMembers(tcpMembers);

    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.partition.count", Integer.toString(partitions));
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "3");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // A clean stop hands partitions over; when every node stops at once there may be nobody to
    // take them, and the default wait is 10 minutes. The durable state is flushed before.
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "20");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Hazelcast starts every log line with "[address] [cluster name] [version]": the cluster name
    // is derived from the grid's secret and is what a member joins with, so it stays out of logs.
    config.setProperty("hazelcast.logging.details.enabled", "false");
    // Partition operation threads ("hazelcast.partition.operation.thread.count" is no Hazelcast
    // property: it was silently ignored, and the count followed the cores).
    config.setProperty("hazelcast.operation.thread.count", "2");
    config.setProperty("hazelcast.operation.generic.thread.count", "2");
    // A connection opened to a member that is frozen (SIGSTOP, a long GC pause: its kernel still
    // accepts TCP, the process never answers) stays in protocol negotiation, and Hazelcast 5.7's
    // output thread that owns it spins on it (seen: 4-15 s of CPU per 40 s). Other connections on
    // that thread starve: the healthy members missed each other's heartbeats, split, and could
    // not merge while the frozen one stayed frozen. Four output threads, and the IO balancer
    // moving the busiest connection every second, keep the healthy connections on other threads.
    // Measured with a frozen member and the two others split on purpose: they merged again 3 of 3
    // times (in 6-20 s) with these settings, 0 of 3 times within 60 s with two IO threads each
    // way. FrozenWorkerProcessIT freezes a member.
    config.setProperty("hazelcast.io.input.thread.count", "2");
    config.setProperty("hazelcast.io.output.thread.count", "4");
    config.setProperty("hazelcast.io.balancer.interval.seconds", "1");
    config.setProperty("hazelcast.event.thread.count", "2");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");

    config.addMapConfig(new MapConfig(NODES_MAP).setBackupCount(1));
    // jobs, task-blocks, schedules and schedule-runs: persisted through the blob store
    DurableMaps.mapConfigs().forEach(config::addMapConfig);
    ReplicatedBlobStore.configure(config);
    config.getExecutorConfig(MESSAGE_EXECUTOR).setPoolSize(4).setStatisticsEnabled(false);

    // Kryo is registered for each of the grid's classes by name, so it takes precedence over Java
    // serialization for them (entry processors and predicates are Serializable by interface)
    // while Hazelcast's own types, exceptions included, keep Hazelcast's serializers.
    KryoSerializer kryo = new KryoSerializer(kryoClasses);
    for (Class<?> c : kryoClasses) {
      config
          .getSerializationConfig()
          .addSerializerConfig(new SerializerConfig().setTypeClass(c).setImplementation(kryo));
    }
    return config;
  }
}
