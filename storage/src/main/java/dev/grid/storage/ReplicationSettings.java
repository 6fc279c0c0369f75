package dev.grid.storage;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ReplicatedBlobStore} replicates, repairs and scrubs. One record, checked eagerly.
 *
 * @param replication copies of each blob; 0 means the default, min(2, live nodes)
 * @param expectedNodes nodes whose disks must have reported before a store that starts with an
 *     empty metadata map (a full restart) calls itself restored; usually the members list's size
 * @param restoreWait how long a restore waits for the expected nodes before it goes on with the
 *     nodes that came (and logs which did not)
 * @param repairEvery how often the coordinator compares the metadata with every disk, besides after
 *     each membership change
 * @param repairDelay how long after a membership change the repair starts (changes close together
 *     make one repair); until it is restored, a store also asks the nodes for their disks this
 *     often, at least every second
 * @param scrubEvery how often each node re-reads every copy on its disk to find silent corruption;
 *     {@link Duration#ZERO} turns scrubbing off
 * @param inFlightGrace a copy written less than this long ago that the metadata does not name yet
 *     belongs to a put still in flight: repair leaves its key alone
 * @param callTimeout the longest wait for one small call to another node (a chunk, a drop)
 * @param copyTimeout the longest wait for a node to copy one blob from another; also how long a
 *     node keeps a copy being pushed to it whose sender sends nothing more
 */
public record ReplicationSettings(
    int replication,
    int expectedNodes,
    Duration restoreWait,
    Duration repairEvery,
    Duration repairDelay,
    Duration scrubEvery,
    Duration inFlightGrace,
    Duration callTimeout,
    Duration copyTimeout) {

  /** Checks every value, naming a bad one. */
  public ReplicationSettings {
    if (replication < 0) {
      throw new IllegalArgumentException(
          "replication "
              + replication
              + " is not valid: give the number of copies (1 or more), or 0 for min(2, live nodes)");
    }
    if (expectedNodes < 1) {
      throw new IllegalArgumentException(
          "expected nodes " + expectedNodes + " is not valid: at least this node (1) is expected");
    }
    positive("restoreWait", restoreWait);
    positive("repairEvery", repairEvery);
    positive("repairDelay", repairDelay);
    Objects.requireNonNull(scrubEvery, "scrubEvery");
    if (scrubEvery.isNegative()) {
      throw new IllegalArgumentException(
          "scrubEvery "
              + scrubEvery
              + " is negative: give 0 to"
              + " turn scrubbing off, or a positive interval");
    }
    positive("inFlightGrace", inFlightGrace);
    positive("callTimeout", callTimeout);
    positive("copyTimeout", copyTimeout);
  }

  /** The defaults for a grid of {@code expectedNodes} nodes. */
  public static ReplicationSettings defaults(int expectedNodes) {
    return new ReplicationSettings(
        0,
        expectedNodes,
        Duration.ofSeconds(60),
        Duration.ofMinutes(1),
        Duration.ofSeconds(1),
        Duration.ofHours(6),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        Duration.ofMinutes(10));
  }

  /** These settings with another replication (0 for the default). */
  public ReplicationSettings withReplication(int copies) {
    return new ReplicationSettings(
        copies,
        expectedNodes,
        restoreWait,
        repairEvery,
        repairDelay,
        scrubEvery,
        inFlightGrace,
        callTimeout,
        copyTimeout);
  }

  /** These settings with other repair and scrub intervals. */
  public ReplicationSettings withIntervals(Duration repair, Duration delay, Duration scrub) {
    return new ReplicationSettings(
        replication,
        expectedNodes,
        restoreWait,
        repair,
        delay,
        scrub,
        inFlightGrace,
        callTimeout,
        copyTimeout);
  }

  /** These settings with another restore wait. */
  public ReplicationSettings withRestoreWait(Duration wait) {
    return new ReplicationSettings(
        replication,
        expectedNodes,
        wait,
        repairEvery,
        repairDelay,
        scrubEvery,
        inFlightGrace,
        callTimeout,
        copyTimeout);
  }

  /** These settings with another in-flight grace. */
  public ReplicationSettings withInFlightGrace(Duration grace) {
    return new ReplicationSettings(
        replication,
        expectedNodes,
        restoreWait,
        repairEvery,
        repairDelay,
        scrubEvery,
        grace,
        callTimeout,
        copyTimeout);
  }

  /** These settings with other timeouts for one call and for one copy. */
  public ReplicationSettings withTimeouts(Duration call, Duration copy) {
    return new ReplicationSettings(
        replication,
        expectedNodes,
        restoreWait,
        repairEvery,
        repairDelay,
        scrubEvery,
        inFlightGrace,
        call,
        copy);
  }

  /** The copies a blob should have when {@code liveNodes} nodes are up. */
  public int copies(int liveNodes) {
    int wanted = replication == 0 ? Placement.defaultReplication(liveNodes) : replication;
    return Math.max(1, Math.min(wanted, liveNodes));
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " " + value + " must be positive");
    }
  }
}
