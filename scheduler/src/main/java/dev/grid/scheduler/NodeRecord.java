package dev.grid.scheduler;

import dev.grid.api.NodeInfo;
import dev.grid.api.Resources;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node publishes about itself in the replicated {@code nodes} map, refreshed about once a
 * second, with the labels it declared and the CPUs and memory it offers. Entries of members that
 * left are ignored by readers (matched by {@code memberId}). Its role is {@link NodeInfo#VOTER},
 * {@link NodeInfo#WORKER} or {@link NodeInfo#REFUSED}.
 */
public record NodeRecord(
    String name,
    String memberId,
    String httpUrl,
    int slots,
    int running,
    boolean primary,
    long epoch,
    long updatedAtMillis,
    List<String> labels,
    Resources offers,
    String role) {

  /** Copies the labels into a plain list (Kryo cannot read unmodifiable wrappers). */
  public NodeRecord {
    labels = labels == null ? new ArrayList<>() : new ArrayList<>(labels);
  }

  public NodeInfo toInfo() {
    return new NodeInfo(
        name, httpUrl, primary, epoch, slots, running, updatedAtMillis, labels, offers, role);
  }
}
