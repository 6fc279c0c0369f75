package dev.grid.storage;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The calls one node's store makes on another's disk. Each runs on the receiving node against its
 * own {@link LocalDiskStore}, found through the member's user context. They carry keys, checksums
 * and at most one chunk of content, so Java serialization is cheap enough.
 */
final class BlobTasks {
  private BlobTasks() {}

  /** A call that runs on the receiving node's store. */
  abstract static class Task<T> implements Callable<T>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance hz;

    @Override
    public final void setHazelcastInstance(HazelcastInstance instance) {
      this.hz = instance;
    }

    @Override
    public final T call() {
      Object store = hz.getUserContext().get(ReplicatedBlobStore.CONTEXT_KEY);
      if (!(store instanceof ReplicatedBlobStore replicated)) {
        throw new IllegalStateException("node " + hz.getName() + " has no blob store yet");
      }
      return run(replicated);
    }

    abstract T run(ReplicatedBlobStore store);
  }

  /**
   * Reads up to {@code length} bytes of the copy from {@code offset}, provided the copy has the
   * SHA-256 asked for; an empty array past the end. Fails with {@link BlobCorruptedException} if
   * the copy is damaged or holds other content, and with {@link IllegalStateException} if there is
   * no copy.
   */
  static final class ReadAt extends Task<byte[]> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String sha256;
    private final long offset;
    private final int length;

    ReadAt(String key, String sha256, long offset, int length) {
      this.key = key;
      this.sha256 = sha256;
      this.offset = offset;
      this.length = length;
    }

    @Override
    byte[] run(ReplicatedBlobStore store) {
      return store.local().read(key, sha256, offset, length);
    }
  }

  /** Stores a small blob whose whole content travels with the call; fails on another SHA-256. */
  static final class StoreCopy extends Task<StoredBlob> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String sha256;
    private final byte[] content;

    StoreCopy(String key, String sha256, byte[] content) {
      this.key = key;
      this.sha256 = sha256;
      this.content = content;
    }

    @Override
    StoredBlob run(ReplicatedBlobStore store) {
      return store.disk().write(key, new ByteArrayInputStream(content), sha256);
    }
  }

  /**
   * Copies the blob from another node onto this one, chunk by chunk, keeping it only if the whole
   * has the SHA-256 asked for. A copy this node already holds is kept as it is.
   */
  static final class PullCopy extends Task<StoredBlob> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String sha256;
    private final long size;
    private final String from;

    PullCopy(String key, String sha256, long size, String from) {
      this.key = key;
      this.sha256 = sha256;
      this.size = size;
      this.from = from;
    }

    @Override
    StoredBlob run(ReplicatedBlobStore store) {
      return store.local().pull(key, sha256, size, from);
    }
  }

  /**
   * Begins a {@link BlobReceiver} session for a copy the sender pushes chunk by chunk; where to
   * stream them and the session's token.
   */
  static final class OpenPush extends Task<BlobReceiver.PushTicket> {
    private static final long serialVersionUID = 1L;
    private final String session;
    private final String key;
    private final String sender;

    OpenPush(String session, String key, String sender) {
      this.session = session;
      this.key = key;
      this.sender = sender;
    }

    @Override
    BlobReceiver.PushTicket run(ReplicatedBlobStore store) {
      return store.receiver().open(session, key, sender);
    }
  }

  /** Commits a pushed copy if it is whole and has the SHA-256 given; the copy stored. */
  static final class FinishPush extends Task<StoredBlob> {
    private static final long serialVersionUID = 1L;
    private final String session;
    private final long chunks;
    private final long size;
    private final String sha256;

    FinishPush(String session, long chunks, long size, String sha256) {
      this.session = session;
      this.chunks = chunks;
      this.size = size;
      this.sha256 = sha256;
    }

    @Override
    StoredBlob run(ReplicatedBlobStore store) {
      return store.receiver().finish(session, chunks, size, sha256);
    }
  }

  /** Gives up a pushed copy: its temp file is deleted. True if the session was still open. */
  static final class AbortPush extends Task<Boolean> {
    private static final long serialVersionUID = 1L;
    private final String session;

    AbortPush(String session) {
      this.session = session;
    }

    @Override
    Boolean run(ReplicatedBlobStore store) {
      return store.receiver().abort(session, "its sender gave it up");
    }
  }

  /** Deletes the copy if it has the SHA-256 named (any copy if none is named); true if it did. */
  static final class DropCopy extends Task<Boolean> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String sha256;

    DropCopy(String key, String sha256) {
      this.key = key;
      this.sha256 = sha256;
    }

    @Override
    Boolean run(ReplicatedBlobStore store) {
      return store.local().drop(key, sha256);
    }
  }

  /**
   * Deletes the node's copy of a deleted blob; with {@code remember}, also keeps a tombstone on the
   * node's disk (a node holding a copy is away).
   */
  static final class DeleteCopy extends Task<Boolean> {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final Tombstone tombstone;
    private final boolean remember;

    DeleteCopy(String key, Tombstone tombstone, boolean remember) {
      this.key = key;
      this.tombstone = tombstone;
      this.remember = remember;
    }

    @Override
    Boolean run(ReplicatedBlobStore store) {
      return store.local().delete(key, tombstone, remember);
    }
  }

  /**
   * What the node's disk holds, each copy marked recent if written within the grace and since the
   * cluster formed (a copy from before cannot belong to a put still in flight).
   */
  static final class Inventory extends Task<ArrayList<InventoryEntry>> {
    private static final long serialVersionUID = 1L;
    private final long graceMillis;
    private final long clusterSinceMillis;

    Inventory(long graceMillis, long clusterSinceMillis) {
      this.graceMillis = graceMillis;
      this.clusterSinceMillis = clusterSinceMillis;
    }

    @Override
    ArrayList<InventoryEntry> run(ReplicatedBlobStore store) {
      return store.local().inventory(graceMillis, clusterSinceMillis);
    }
  }

  /** Re-reads every copy on the node's disk; the damaged ones. */
  static final class Scrub extends Task<ArrayList<Corruption>> {
    private static final long serialVersionUID = 1L;

    @Override
    ArrayList<Corruption> run(ReplicatedBlobStore store) {
      return store.local().scrub();
    }
  }

  /** When the node's disk was last scrubbed (every copy re-read), or 0 if not since it started. */
  static final class LastScrub extends Task<Long> {
    private static final long serialVersionUID = 1L;

    @Override
    Long run(ReplicatedBlobStore store) {
      return store.local().lastScrubMillis();
    }
  }

  /** Copies the node's damaged copies again from good replicas; how many it replaced. */
  static final class RecopyDamaged extends Task<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    Integer run(ReplicatedBlobStore store) {
      return store.recopyDamagedLocal();
    }
  }

  /**
   * One copy as a node reports it.
   *
   * @param blob key, size and SHA-256 as the copy's trailer records them
   * @param recent whether it was written within the in-flight grace
   * @param writtenMillis when its file was written, by the node's clock; for a tombstone, when the
   *     blob was deleted
   * @param deleted whether this is not a copy but a tombstone the node keeps on disk (then {@code
   *     blob} names the deleted key and SHA-256, with size 0)
   */
  record InventoryEntry(StoredBlob blob, boolean recent, long writtenMillis, boolean deleted)
      implements Serializable {
    InventoryEntry {
      Objects.requireNonNull(blob, "blob");
    }
  }

  /**
   * Reads at most {@code length} bytes, fewer only at the end, straight into one array (a window is
   * a chunk or more: {@code readNBytes(int)} would gather it in 8 KiB pieces and copy it twice).
   */
  static byte[] readUpTo(InputStream in, int length, String key) {
    try {
      byte[] window = new byte[length];
      int n = in.readNBytes(window, 0, length);
      return n == length ? window : Arrays.copyOf(window, n);
    } catch (IOException e) {
      throw new UncheckedIOException("reading blob '" + key + "' failed", e);
    }
  }
}
