package dev.grid.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's disk as the other nodes' calls ({@link BlobTasks}) reach it: windows of its copies
 * for readers, copies pulled from another node, drops, its inventory and scrub. It also keeps the
 * keys of the copies here found damaged (by a read, a scrub, a verify or an unreadable trailer)
 * until they are copied again or deleted.
 */
final class LocalReplica {
  private static final Logger LOG = LoggerFactory.getLogger(LocalReplica.class);
  private final BlobPeers peers;
  private final String self;
  private final LocalDiskStore disk;
  private final ReplicationSettings settings;
  private final Clock clock;

  /** Keys whose copy on this disk was found damaged and not yet copied again. */
  private final Set<String> damaged = ConcurrentHashMap.newKeySet();

  LocalReplica(BlobPeers peers, LocalDiskStore disk, ReplicationSettings settings, Clock clock) {
    this.peers = peers;
    this.self = peers.self();
    this.disk = disk;
    this.settings = settings;
    this.clock = clock;
  }

  /** Serves {@link BlobTasks.ReadAt}: a window of this node's copy, if it has that content. */
  byte[] read(String key, String sha256, long offset, int length) {
    LocalDiskStore.OpenedBlob opened =
        disk.openFrom(key, offset)
            .orElseThrow(() -> new IllegalStateException("node " + self + " has no copy of it"));
    try (InputStream in = opened.content()) {
      if (!sha256.equals(opened.blob().sha256())) {
        throw new BlobCorruptedException(
            key,
            "the copy on node "
                + self
                + " has SHA-256 "
                + opened.blob().sha256()
                + ", "
                + sha256
                + " was asked for");
      }
      return BlobTasks.readUpTo(in, length, key);
    } catch (IOException e) {
      throw new UncheckedIOException("reading blob '" + key + "' failed", e);
    }
  }

  /** Serves {@link BlobTasks.PullCopy}: copies the blob here from another node. */
  StoredBlob pull(String key, String sha256, long size, String from) {
    Optional<StoredBlob> held;
    try {
      held = disk.describe(key);
    } catch (BlobCorruptedException e) { // a damaged trailer: as good as no copy, replace it
      held = Optional.empty();
    }
    if (held.isPresent() && held.get().sha256().equals(sha256) && disk.verify(key).isEmpty()) {
      damaged.remove(key);
      return held.get();
    }
    try (RemoteBlobInputStream in =
        new RemoteBlobInputStream(peers, from, key, sha256, size, 0, settings.callTimeout())) {
      StoredBlob written = disk.write(key, in, sha256);
      damaged.remove(key);
      return written;
    }
  }

  /** Serves {@link BlobTasks.DropCopy}. */
  boolean drop(String key, String sha256) {
    if (sha256 != null) {
      Optional<StoredBlob> held;
      try {
        held = disk.describe(key);
      } catch (BlobCorruptedException e) {
        held = Optional.empty();
      }
      if (held.isPresent() && !held.get().sha256().equals(sha256)) {
        return false;
      }
    }
    damaged.remove(key);
    return disk.delete(key);
  }

  /** Serves {@link BlobTasks.DeleteCopy}: deletes the copy, and keeps the tombstone if asked. */
  boolean delete(String key, Tombstone tombstone, boolean remember) {
    damaged.remove(key);
    if (remember) {
      disk.put(Tombstone.DISK_PREFIX + key, tombstone.encode());
    }
    return disk.delete(key);
  }

  /** Serves {@link BlobTasks.Scrub}: re-reads every copy here; the damaged ones are noted. */
  /** When the disk was last scrubbed, or 0 if not since the store opened. */
  long lastScrubMillis() {
    return disk.lastScrubMillis();
  }

  ArrayList<Corruption> scrub() {
    ArrayList<Corruption> found = new ArrayList<>(disk.scrub());
    found.forEach(c -> damaged.add(c.key()));
    return found;
  }

  /** Notes that this node's copy of the key is damaged, for the next repair to copy it again. */
  void noteDamaged(String key) {
    damaged.add(key);
  }

  /** The keys whose copy here is known to be damaged. */
  List<String> damagedKeys() {
    return List.copyOf(damaged);
  }

  /** Forgets a damaged copy (its blob was deleted). */
  void forget(String key) {
    damaged.remove(key);
  }

  /** Serves {@link BlobTasks.Inventory}. */
  ArrayList<BlobTasks.InventoryEntry> inventory(long graceMillis, long clusterSince) {
    long recentAfter = Math.max(clock.millis() - graceMillis, clusterSince);
    ArrayList<BlobTasks.InventoryEntry> entries = new ArrayList<>();
    for (LocalDiskStore.DiskEntry entry : disk.entries(damaged::add)) {
      String key = entry.blob().key();
      if (key.startsWith(Tombstone.DISK_PREFIX)) {
        tombstone(key).ifPresent(entries::add);
      } else {
        entries.add(
            new BlobTasks.InventoryEntry(
                entry.blob(), entry.writtenMillis() > recentAfter, entry.writtenMillis(), false));
      }
    }
    return entries;
  }

  /** The tombstone kept under the disk key, or empty if it has expired (then it is removed). */
  private Optional<BlobTasks.InventoryEntry> tombstone(String diskKey) {
    try {
      Optional<byte[]> bytes = disk.get(diskKey);
      if (bytes.isEmpty()) {
        return Optional.empty();
      }
      Tombstone t = Tombstone.decode(bytes.get());
      if (clock.millis() - t.deletedMillis() > TimeUnit.DAYS.toMillis(Tombstone.DISK_DAYS)) {
        disk.delete(diskKey);
        return Optional.empty();
      }
      String key = diskKey.substring(Tombstone.DISK_PREFIX.length());
      return Optional.of(
          new BlobTasks.InventoryEntry(
              new StoredBlob(key, 0, t.sha256()), false, t.deletedMillis(), true));
    } catch (RuntimeException e) {
      LOG.warn("tombstone {} cannot be read and is left out: {}", diskKey, e.toString());
      return Optional.empty();
    }
  }
}
