package dev.grid.storage;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * A deleted blob: the SHA-256 it had and when it was deleted. Repair drops a copy with that SHA-256
 * written before then, instead of bringing the blob back from it. Kept in memory for a day ({@link
 * ReplicatedBlobStore#TOMBSTONE_MAP}) and, when a node holding a copy was away at the delete, also
 * on the live nodes' disks for {@link #DISK_DAYS} days, so that it outlives a full restart of the
 * grid.
 *
 * @param sha256 the deleted content's SHA-256
 * @param deletedMillis when it was deleted, by the deleting node's clock
 */
record Tombstone(String sha256, long deletedMillis) implements Serializable {
  /** Where a node keeps its tombstones on disk: {@code _deleted/<key>}; no blob key starts so. */
  static final String DISK_PREFIX = "_deleted/";

  /** How long a tombstone stays on disk. */
  static final long DISK_DAYS = 30;

  /** Whether a copy with this content, written then, is one the delete was meant for. */
  boolean covers(String copySha256, long writtenMillis) {
    return sha256.equals(copySha256) && writtenMillis <= deletedMillis;
  }

  byte[] encode() {
    return (sha256 + " " + deletedMillis).getBytes(StandardCharsets.UTF_8);
  }

  static Tombstone decode(byte[] bytes) {
    String[] parts = new String(bytes, StandardCharsets.UTF_8).split(" ");
    return new Tombstone(parts[0], Long.parseLong(parts[1]));
  }
}
