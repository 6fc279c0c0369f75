package dev.grid.storage;

import java.io.Serializable;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the grid knows of one blob, kept in the replicated metadata map: its size and SHA-256, the
 * nodes that hold its copies (the preferred one first) and a version that grows by one with every
 * change, so a writer can replace exactly the entry it read ({@code IMap.replace(key, old, new)}).
 * Version 1 is an entry written where there was none (a put, or one rebuilt from the nodes'
 * inventories).
 *
 * <p>The metadata is the authority on which content a key holds: a copy whose SHA-256 differs is
 * stale. It is not the authority on where the copies are: the nodes' inventories are, and {@link
 * RepairPlanner} brings the replica list back in line with them.
 *
 * <p>The strays are what lets a delete reach every copy: a node that held a copy and was away when
 * repair moved the blob elsewhere still has that copy on its disk. Until the node reports again, a
 * delete keeps the blob's tombstone on the live nodes' disks, so that copy cannot bring the blob
 * back, not even through a full restart ({@link ReplicatedBlobStore#delete}). A node away through a
 * put that replaced the content is not a stray: its older copy is stale, and a tombstone names only
 * the content deleted (a limit the README states).
 *
 * @param key the blob's key
 * @param size content bytes
 * @param sha256 SHA-256 of the content, 64 lowercase hex digits
 * @param replicas node names holding a copy, distinct, at least one
 * @param version 1 for a new entry, one more for each change
 * @param strays other nodes that may still hold a copy of this content: named before, they have not
 *     reported their disk since
 */
public record BlobMeta(
    String key, long size, String sha256, List<String> replicas, long version, List<String> strays)
    implements Serializable {

  /** Checks the values, naming a bad one; the lists are copied. */
  public BlobMeta {
    BlobStore.checkKey(key);
    if (size < 0) {
      throw new IllegalArgumentException("blob '" + key + "' cannot have size " + size);
    }
    if (sha256 == null || !StoredBlob.HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "SHA-256 '" + sha256 + "' of blob '" + key + "' is not 64 lowercase hex digits");
    }
    Objects.requireNonNull(replicas, "replicas of blob '" + key + "'");
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException(
          "blob '" + key + "' has no replica nodes: record a blob once a copy is on a disk");
    }
    for (String node : replicas) {
      Placement.checkNode(node);
    }
    if (new HashSet<>(replicas).size() != replicas.size()) {
      throw new IllegalArgumentException(
          "replica nodes " + replicas + " of blob '" + key + "' name a node twice");
    }
    replicas = List.copyOf(replicas);
    Objects.requireNonNull(strays, "strays of blob '" + key + "'");
    for (String node : strays) {
      Placement.checkNode(node);
      if (replicas.contains(node)) {
        throw new IllegalArgumentException(
            "node '" + node + "' of blob '" + key + "' cannot be both a replica and a stray");
      }
    }
    strays = List.copyOf(new TreeSet<>(strays));
    if (version < 1) {
      throw new IllegalArgumentException(
          "version " + version + " of blob '" + key + "' is not valid: versions start at 1");
    }
  }

  /** An entry no other node may hold a copy of. */
  public BlobMeta(String key, long size, String sha256, List<String> replicas, long version) {
    this(key, size, sha256, replicas, version, List.of());
  }

  /** A first entry (version 1) for a copy as a disk holds it. */
  public static BlobMeta first(StoredBlob blob, List<String> replicas) {
    return new BlobMeta(blob.key(), blob.size(), blob.sha256(), replicas, 1);
  }

  /** This entry with other replica and stray lists and the next version. */
  public BlobMeta withReplicas(List<String> newReplicas, Collection<String> newStrays) {
    return new BlobMeta(key, size, sha256, newReplicas, version + 1, List.copyOf(newStrays));
  }

  /** The replicas and the strays: every node that may hold a copy of the key. */
  public Set<String> mayHold() {
    Set<String> nodes = new TreeSet<>(replicas);
    nodes.addAll(strays);
    return nodes;
  }

  /** Whether a copy on a disk holds this content (same SHA-256). */
  public boolean matches(StoredBlob copy) {
    return key.equals(copy.key()) && sha256.equals(copy.sha256());
  }
}
