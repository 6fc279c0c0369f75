package dev.grid.scheduler;

import dev.grid.api.NodeInfo;

/**
 * What a node publishes about itself in the replicated {@code nodes} map, refreshed about once a
 * second. Entries of members that left are ignored by readers (matched by {@code memberId}).
 */
public record NodeRecord(
    String name,
    String memberId,
    String httpUrl,
    int slots,
    int running,
    boolean primary,
    long epoch,
    long updatedAtMillis) {

  public NodeInfo toInfo() {
    return new NodeInfo(name, httpUrl, primary, epoch, slots, running, updatedAtMillis);
  }
}
