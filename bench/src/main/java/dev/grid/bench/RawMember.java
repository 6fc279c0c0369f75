package dev.grid.bench;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.node.NodeConfig;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.SchedulerTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * A bare Hazelcast member for the raw executor's baseline ({@link RawExecutorRun}): the grid's own
 * member configuration ({@link ClusterSettings}), nothing of a node on top (no scheduler, no
 * worker, no blob store, no HTTP). It runs until its standard input closes, which happens when the
 * bench stops it or dies.
 *
 * <p>Arguments: {@code CLUSTER NAME PORT MEMBER,MEMBER,...}
 */
public final class RawMember {
  private RawMember() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: RawMember CLUSTER NAME PORT HOST:PORT,HOST:PORT,...");
      System.exit(2);
    }
    HazelcastInstance member =
        Hazelcast.newHazelcastInstance(
            settings(args[0], args[1], Integer.parseInt(args[2]), List.of(args[3].split(",")))
                .toConfig());
    System.in.transferTo(OutputStream.nullOutputStream()); // until the bench lets go
    member.getLifecycleService().terminate();
    System.exit(0);
  }

  static ClusterSettings settings(String cluster, String name, int port, List<String> members) {
    return new ClusterSettings(
        cluster,
        name,
        "127.0.0.1",
        port,
        members,
        NodeConfig.DEFAULT_PARTITIONS,
        SchedulerTypes.kryoClasses());
  }
}
