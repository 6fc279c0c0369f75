package dev.grid.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Which nodes hold a blob's copies: rendezvous (highest-random-weight) hashing over the live nodes.
 * Every node gets a weight for the key, the first 8 bytes of SHA-256 over the key and the node's
 * name; the {@code r} heaviest nodes are the replicas, heaviest first (the preferred one).
 *
 * <p>Why this shape: the weights depend on the key and the node alone, so every JVM computes the
 * same answer (no {@code String.hashCode}, nothing seeded per JVM); a node that leaves moves only
 * the keys it held, and a node that joins takes about {@code r/n} of the keys, each from exactly
 * one other node. Ties of weight (never seen in practice) fall to the smaller node name.
 *
 * <pre>{@code
 * int r = Placement.defaultReplication(live.size());
 * List<String> nodes = Placement.replicas("out/j1/0/stdout", live, r); // preferred first
 * }</pre>
 */
public final class Placement {
  private Placement() {}

  /**
   * The nodes that should hold the key's copies, heaviest first.
   *
   * @param key the blob's key
   * @param liveNodes the node names to choose from; duplicates count once
   * @param r how many copies; must be at least 1
   * @return {@code min(r, distinct nodes)} distinct names; empty if there are no nodes
   * @throws IllegalArgumentException if {@code r < 1} or a node name is blank
   */
  public static List<String> replicas(String key, Collection<String> liveNodes, int r) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(liveNodes, "liveNodes");
    if (r < 1) {
      throw new IllegalArgumentException(
          "replication factor r=" + r + " is not valid: a blob needs at least 1 copy");
    }
    MessageDigest sha256 = DiskBlobWriter.sha256();
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    List<Weighted> weighted = new ArrayList<>(liveNodes.size());
    for (String node : new LinkedHashSet<>(liveNodes)) {
      checkNode(node);
      weighted.add(new Weighted(node, weight(sha256, keyBytes, node)));
    }
    weighted.sort(Weighted::heavierFirst);
    List<String> chosen = new ArrayList<>(Math.min(r, weighted.size()));
    for (int i = 0; i < weighted.size() && i < r; i++) {
      chosen.add(weighted.get(i).node());
    }
    return List.copyOf(chosen);
  }

  /**
   * The replication factor a grid of this many live nodes uses unless configured: {@code min(2,
   * liveNodes)}.
   *
   * @throws IllegalArgumentException if {@code liveNodes} is negative
   */
  public static int defaultReplication(int liveNodes) {
    if (liveNodes < 0) {
      throw new IllegalArgumentException("live node count " + liveNodes + " cannot be negative");
    }
    return Math.min(2, liveNodes);
  }

  static String checkNode(String node) {
    if (node == null || node.isBlank()) {
      throw new IllegalArgumentException(
          "node name '" + node + "' is not valid: give each node a non-blank name");
    }
    return node;
  }

  /** SHA-256 of (key length, key, node), first 8 bytes; the length keeps "ab"+"c" from "a"+"bc". */
  private static long weight(MessageDigest sha256, byte[] key, String node) {
    sha256.reset();
    sha256.update(ByteBuffer.allocate(4).putInt(key.length).array());
    sha256.update(key);
    sha256.update(node.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(sha256.digest()).getLong();
  }

  private record Weighted(String node, long weight) {
    int heavierFirst(Weighted other) {
      int byWeight = Long.compareUnsigned(other.weight, weight);
      return byWeight != 0 ? byWeight : node.compareTo(other.node);
    }
  }
}
