package dev.grid.storage;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blob store over two Hazelcast maps with one synchronous backup each, so every blob is held by
 * two members once two are up and stays readable when the member that wrote it dies. Blobs are
 * cut into chunks of {@value #DEFAULT_CHUNK_SIZE} bytes under their own keys in {@value
 * #CHUNKS_MAP}, spread over the partitions; a small manifest (size, chunk size, CRC32C per chunk,
 * SHA-256 of the whole) goes to {@value #MANIFESTS_MAP} last. Writes and reads stream: at most a
 * few chunks of a blob are in memory at once. A blob of at most {@value #INLINE_LIMIT} bytes (a
 * job's exit record, most jobs' output) travels inside its manifest instead: one map write, not
 * two, on the path of every job that ends.
 *
 * <p>Add {@link #mapConfigs()} to the member's configuration. The store does not own the
 * Hazelcast instance: closing it leaves the instance running.
 *
 * <p>Concurrency: a put writes its chunks under keys that carry a random version of its own
 * ({@code key@version/index}), then swaps the manifest in with one atomic {@code put}, then
 * deletes the chunks of the manifest it replaced. So a reader sees a blob whole or not at all: a
 * half-written blob has no manifest, and chunks are only ever written under a version no manifest
 * names yet. Two puts of one key race only on the manifest swap; the last swap wins and each
 * writer deletes exactly the version it displaced, so nothing leaks. A reader that opened the
 * old version while it is deleted finds a chunk gone, sees that the manifest moved on, and gets
 * a {@link java.util.ConcurrentModificationException} rather than a mix of two blobs. A writer
 * that dies mid-put leaves unreferenced chunks behind (to be swept by the disk store of a later
 * issue); it never leaves a visible partial blob.
 */
public final class HazelcastBlobStore implements BlobStore {
  /** The map of manifests, by blob key. */
  public static final String MANIFESTS_MAP = "blob-manifests";

  /** The map of chunks, by {@code key@version/index}. */
  public static final String CHUNKS_MAP = "blob-chunks";

  /** Bytes per chunk. */
  public static final int DEFAULT_CHUNK_SIZE = 256 * 1024;

  /** Largest blob kept inside its manifest rather than in a chunk of its own. */
  static final int INLINE_LIMIT = 4096;

  private static final Logger log = LoggerFactory.getLogger(HazelcastBlobStore.class);
  private static final int CHUNKS_IN_FLIGHT = 4;

  private final IMap<String, byte[]> manifests;
  private final IMap<String, byte[]> chunks;
  private final int chunkSize;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A store over the given member's (or client's) maps, with the default chunk size. */
  public HazelcastBlobStore(HazelcastInstance hazelcast) {
    this(hazelcast, DEFAULT_CHUNK_SIZE);
  }

  HazelcastBlobStore(HazelcastInstance hazelcast, int chunkSize) {
    Objects.requireNonNull(hazelcast, "hazelcast");
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size " + chunkSize + " must be at least 1 byte");
    }
    this.manifests = hazelcast.getMap(MANIFESTS_MAP);
    this.chunks = hazelcast.getMap(CHUNKS_MAP);
    this.chunkSize = chunkSize;
  }

  /** The configuration of the store's maps (one synchronous backup each): add them to a member. */
  public static List<MapConfig> mapConfigs() {
    return List.of(
        new MapConfig(MANIFESTS_MAP).setBackupCount(1).setAsyncBackupCount(0),
        new MapConfig(CHUNKS_MAP).setBackupCount(1).setAsyncBackupCount(0));
  }

  @Override
  public void put(String key, InputStream content) {
    BlobStore.checkKey(key);
    Objects.requireNonNull(content, "content");
    checkOpen();
    String version = newVersion();
    AsyncWindow writes = new AsyncWindow(CHUNKS_IN_FLIGHT);
    Manifest manifest;
    try {
      manifest = writeChunks(key, version, content, writes);
    } catch (RuntimeException e) {
      abandon(key, version, writes);
      throw e;
    }
    swapIn(key, manifest);
  }

  /** Small content goes into its manifest at once, without a chunk-sized read buffer. */
  @Override
  public void put(String key, byte[] content) {
    Objects.requireNonNull(content, "content");
    if (!fitsInline(content.length)) {
      put(key, new ByteArrayInputStream(content));
      return;
    }
    BlobStore.checkKey(key);
    checkOpen();
    swapIn(key, inline(newVersion(), content));
  }

  private boolean fitsInline(int length) {
    return length > 0 && length <= INLINE_LIMIT && length < chunkSize;
  }

  private Manifest inline(String version, byte[] content) {
    CRC32C crc = new CRC32C();
    crc.update(content);
    return new Manifest(version, content.length, chunkSize, new int[] {(int) crc.getValue()},
        sha256().digest(content), content.clone());
  }

  private static String newVersion() {
    return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  /** Puts the manifest in, then deletes the chunks of the one it displaced. */
  private void swapIn(String key, Manifest manifest) {
    // If this put fails its outcome is unknown (the manifest may be in), so the chunks stay.
    byte[] displaced = manifests.put(key, manifest.encode());
    if (displaced != null) {
      try {
        Manifest old = Manifest.decode(key, displaced);
        deleteChunks(key, old.version(), old.storedChunkCount());
      } catch (BlobCorruptedException e) {
        log.warn("replaced blob '{}' whose old manifest was unreadable; its chunks stay", key, e);
      }
    }
  }

  /** Reads, checksums and writes chunk after chunk, then waits for every write. */
  private Manifest writeChunks(String key, String version, InputStream content, AsyncWindow writes) {
    MessageDigest sha256 = sha256();
    CRC32C crc = new CRC32C();
    int[] crcs = new int[16];
    long size = 0;
    int count = 0;
    while (true) {
      byte[] buffer = new byte[chunkSize];
      int n = readChunk(key, content, buffer);
      if (n == 0) {
        break;
      }
      byte[] chunk = n == chunkSize ? buffer : Arrays.copyOf(buffer, n);
      if (count == 0 && n < chunkSize && fitsInline(n)) { // the whole blob, and small
        return inline(version, chunk);
      }
      crc.reset();
      crc.update(chunk);
      sha256.update(chunk);
      if (count == crcs.length) {
        crcs = Arrays.copyOf(crcs, count * 2);
      }
      crcs[count] = (int) crc.getValue();
      String chunkKey = chunkKey(key, version, count);
      count++;
      writes.submit(() -> chunks.setAsync(chunkKey, chunk));
      size += n;
      if (n < chunkSize) {
        break;
      }
    }
    writes.awaitAll();
    return new Manifest(
        version, size, chunkSize, Arrays.copyOf(crcs, count), sha256.digest(), null);
  }

  private static int readChunk(String key, InputStream content, byte[] buffer) {
    try {
      return content.readNBytes(buffer, 0, buffer.length);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the content for blob '" + key + "' failed", e);
    }
  }

  @Override
  public Optional<InputStream> open(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    byte[] encoded = manifests.get(key);
    if (encoded == null) {
      return Optional.empty();
    }
    Manifest manifest = Manifest.decode(key, encoded);
    return Optional.of(new ChunkedBlobInputStream(key, manifest, chunks, manifests));
  }

  @Override
  public boolean delete(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    byte[] encoded = manifests.remove(key);
    if (encoded == null) {
      return false;
    }
    Manifest manifest = Manifest.decode(key, encoded);
    deleteChunks(key, manifest.version(), manifest.storedChunkCount());
    return true;
  }

  /**
   * Lists by a query on the manifests' keys, so chunks are never scanned; each member filters its
   * own partitions.
   */
  @Override
  public List<String> list(String prefix) {
    Prefixes.check(prefix);
    checkOpen();
    Set<String> keys =
        prefix.isEmpty()
            ? manifests.keySet()
            : manifests.keySet(Predicates.like("__key", prefix.replace("_", "\\_") + "%"));
    return keys.stream().sorted().toList();
  }

  /** Stops serving calls; the Hazelcast instance and the stored blobs stay. Idempotent. */
  @Override
  public void close() {
    closed.set(true);
  }

  static String chunkKey(String key, String version, int index) {
    return key + "@" + version + "/" + index;
  }

  private void deleteChunks(String key, String version, int count) {
    AsyncWindow deletes = new AsyncWindow(CHUNKS_IN_FLIGHT * 4);
    for (int i = 0; i < count; i++) {
      String chunkKey = chunkKey(key, version, i);
      deletes.submit(() -> chunks.deleteAsync(chunkKey));
    }
    deletes.awaitAll();
  }

  /** Removes what a failed put wrote, once its writes have ended; a failure here is only logged. */
  private void abandon(String key, String version, AsyncWindow writes) {
    try {
      writes.awaitAll();
    } catch (RuntimeException e) {
      log.debug("a chunk write of failed put of blob '{}' failed too", key, e);
    }
    try {
      deleteChunks(key, version, writes.submitted());
    } catch (RuntimeException e) {
      log.warn("could not remove the chunks of a failed put of blob '{}'", key, e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the Hazelcast blob store is closed");
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
