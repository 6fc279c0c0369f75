package dev.grid.storage;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapLoaderLifecycleSupport;
import com.hazelcast.map.MapStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hazelcast map persisted through a {@link BlobStore}: each entry is one blob under {@code prefix
 * + escaped key}, written by {@link #store} and removed by {@link #delete}. It knows nothing of
 * what the values mean: a {@link BlobCodec} makes their bytes.
 *
 * <pre>{@code
 * new MapStoreConfig().setEnabled(true)
 *     .setImplementation(BlobMapStore.of("state/schedules/", codec))
 *     .setWriteDelaySeconds(1);
 * }</pre>
 *
 * <p>The store is found in the member's user context under {@link #CONTEXT_KEY} when first needed
 * (the node puts it there after the member starts), or given by {@link #over}.
 *
 * <p>Loading is explicit. {@link #loadAllKeys} returns nothing, so Hazelcast's own initial load
 * (run at the first touch of the map, before a restarted grid's store knows its blobs, and holding
 * up every call on the map while it runs) loads nothing. Whoever knows the store is restored loads
 * the entries with {@code IMap.loadAll(store.keys(), false)}; Hazelcast then calls {@link
 * #loadAll(Collection)} on each partition's owner.
 *
 * <p>Segmented ({@link #segmented}): each write-behind batch is one blob of many entries instead
 * (see {@link SegmentLog}), which costs a batch what one entry cost; {@link #compact} drops what
 * newer entries superseded. Entry blobs of the one-per-entry layout are still read, and compaction
 * moves them into segments.
 *
 * @param <K> the map's key type, written as text by the given functions
 * @param <V> the map's value type
 */
public final class BlobMapStore<K, V> implements MapStore<K, V>, MapLoaderLifecycleSupport {
  /** The user-context key under which a member keeps its blob store. */
  public static final String CONTEXT_KEY = ReplicatedBlobStore.CONTEXT_KEY;

  /**
   * Put in the member's user context (any value) once the node has written everything out and is
   * stopping. From then on a write or delete that fails is logged and given up instead of thrown:
   * Hazelcast's own flush at the end of a shutdown runs when the member can no longer reach the
   * cluster, and it would retry a failed write for ever, holding up the stop. What it holds then
   * was written by the node's flushes before (queues of backups promoted while members left
   * together); writes that still can be made, while partitions move away, are made.
   */
  public static final String STOPPING_KEY = "grid.blob-map-store.stopping";

  private static final Logger LOG = LoggerFactory.getLogger(BlobMapStore.class);
  private static final Duration STORE_WAIT = Duration.ofSeconds(30);

  /** The longest a read-through {@link #load} waits for the blob store by default. */
  public static final Duration LOAD_TIMEOUT = Duration.ofSeconds(5);

  /** Threads that read the blobs of read-through loads, so that a caller's wait is bounded. */
  private static final ExecutorService LOADS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "grid-map-load");
            t.setDaemon(true);
            return t;
          });

  private final String prefix;
  private final Function<K, String> keyText;
  private final Function<String, K> keyOf;
  private final BlobCodec<V> codec;
  private volatile BlobStore store;
  private volatile ConcurrentMap<String, Object> context;
  private volatile Duration loadTimeout = LOAD_TIMEOUT;
  private volatile HazelcastInstance member;
  private volatile String loadedFlagMap;
  private volatile String loadedFlagKey;
  private volatile boolean loadedSeen;
  private volatile SegmentedStore<V> segments;

  /**
   * A store for keys of any type.
   *
   * @param prefix the blob key prefix, ending with {@code /}, such as {@code state/jobs/}
   * @param keyText a key as text (any text; it is escaped into a blob key)
   * @param keyOf the key that text stands for
   * @param codec the values' bytes
   */
  public BlobMapStore(
      String prefix, Function<K, String> keyText, Function<String, K> keyOf, BlobCodec<V> codec) {
    Objects.requireNonNull(prefix, "prefix");
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("blob prefix '" + prefix + "' must end with '/'");
    }
    BlobStore.checkKey(prefix.substring(0, prefix.length() - 1));
    this.prefix = prefix;
    this.keyText = Objects.requireNonNull(keyText, "keyText");
    this.keyOf = Objects.requireNonNull(keyOf, "keyOf");
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /** A store for a map with string keys. */
  public static <V> BlobMapStore<String, V> of(String prefix, BlobCodec<V> codec) {
    return new BlobMapStore<>(prefix, Function.identity(), Function.identity(), codec);
  }

  /** Uses the given store rather than the one in the member's user context. */
  public BlobMapStore<K, V> over(BlobStore blobs) {
    this.store = Objects.requireNonNull(blobs, "blobs");
    return this;
  }

  /** Bounds each read-through {@link #load} by another wait than {@link #LOAD_TIMEOUT}. */
  public BlobMapStore<K, V> loadTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("load timeout " + timeout + " must be positive");
    }
    this.loadTimeout = timeout;
    return this;
  }

  /**
   * Reads through ({@link #load}) only until the entry {@code flagKey} is in the map {@code
   * flagMap}: whoever loads the stored entries into the map sets it once they all are, and from
   * then on the map holds everything the store does, so a call that misses in memory (a new job's
   * id, a cron fire's {@code putIfAbsent}) need not read the store. Such a read costs a metadata
   * lookup and a disk read, 6-37 ms on a loaded 2-core grid, on the path of every cron fire.
   */
  public BlobMapStore<K, V> readThroughUntil(String flagMap, String flagKey) {
    this.loadedFlagMap = Objects.requireNonNull(flagMap, "flagMap");
    this.loadedFlagKey = Objects.requireNonNull(flagKey, "flagKey");
    return this;
  }

  /** Whether the map was loaded in this cluster life (remembered once seen: it stays so). */
  private boolean loaded() {
    if (!loadedSeen && loadedFlagMap != null && member != null) {
      loadedSeen = member.getMap(loadedFlagMap).containsKey(loadedFlagKey);
    }
    return loadedSeen;
  }

  /**
   * Writes each write-behind batch as one segment of many entries (see {@link SegmentLog}), the
   * values of a key ordered by {@code (epoch, version)}: the version must grow with every change of
   * a key's value. For maps whose keys are never used again once deleted: a deletion outranks every
   * value.
   */
  public BlobMapStore<K, V> segmented(ToLongFunction<V> epoch, ToLongFunction<V> version) {
    this.segments =
        new SegmentedStore<>(
            prefix,
            codec,
            Objects.requireNonNull(epoch, "epoch"),
            Objects.requireNonNull(version, "version"),
            this::blobs);
    return this;
  }

  /**
   * {@link #loaded}, asked on a thread of its own and waited for at most {@code wait} (false if it
   * took longer): Hazelcast may call a loader on a partition thread, which must not wait on a call
   * to another map.
   */
  private boolean loadedWithin(Duration wait) {
    if (loadedSeen) {
      return true;
    }
    Future<Boolean> asked = LOADS.submit(this::loaded);
    try {
      return asked.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      asked.cancel(true);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The blob key prefix. */
  public String prefix() {
    return prefix;
  }

  /** The blob key of a map key. */
  public String blobKey(K key) {
    return BlobStore.checkKey(prefix + MapKeys.escape(keyText.apply(key)));
  }

  /** Every key with a stored entry, as the store lists them now. */
  public Set<K> keys() {
    if (segments != null) {
      Set<K> keys = new LinkedHashSet<>();
      for (String text : segments.values(true).keySet()) {
        keys.add(keyOf.apply(text));
      }
      return keys;
    }
    List<String> blobKeys = blobs().list(prefix);
    Set<K> keys = new LinkedHashSet<>(blobKeys.size() * 2);
    for (String blobKey : blobKeys) {
      String segment = blobKey.substring(prefix.length());
      try {
        keys.add(keyOf.apply(MapKeys.unescape(segment)));
      } catch (IllegalArgumentException e) {
        LOG.error(
            "blob '{}' names no entry of this map and is left out: {}", blobKey, e.getMessage());
      }
    }
    return keys;
  }

  @Override
  public void init(HazelcastInstance hz, Properties properties, String mapName) {
    context = hz.getUserContext();
    member = hz;
  }

  @Override
  public void destroy() {}

  @Override
  public void store(K key, V value) {
    if (segments != null) {
      storeAll(new HashMap<>(Map.of(key, value)));
      return;
    }
    try {
      blobs().put(blobKey(key), codec.encode(value));
    } catch (RuntimeException e) {
      givenUpWhenStopping("write", key, e);
    }
  }

  /** Rethrows, unless the node is stopping (see {@link #STOPPING_KEY}): then logs it. */
  private void givenUpWhenStopping(String what, Object key, RuntimeException e) {
    ConcurrentMap<String, Object> ctx = context;
    if (ctx == null || !ctx.containsKey(STOPPING_KEY)) {
      throw e;
    }
    LOG.info(
        "stopping: the {} of {} under {} is left to the flush the node made before ({})",
        what,
        key,
        prefix,
        e.toString());
  }

  /**
   * Stores each entry. Entries stored are removed from the map as they go, so that if one fails
   * Hazelcast's write-behind retries only the rest (as {@link MapStore#storeAll} asks).
   */
  @Override
  public void storeAll(Map<K, V> entries) {
    if (segments != null) {
      segments.dropIdle();
      List<SegmentLog.Entry> batch = new ArrayList<>(entries.size());
      entries.forEach((k, v) -> batch.add(segments.entry(keyText.apply(k), v)));
      writeSegment(batch, entries.keySet());
      return;
    }
    boolean removable = true;
    for (Iterator<Map.Entry<K, V>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<K, V> e = it.next();
      store(e.getKey(), e.getValue());
      removable = removable && removed(it);
    }
  }

  @Override
  public void delete(K key) {
    if (segments != null) {
      deleteAll(new ArrayList<>(List.of(key)));
      return;
    }
    try {
      blobs().delete(blobKey(key));
    } catch (RuntimeException e) {
      givenUpWhenStopping("delete", key, e);
    }
  }

  /** Deletes each key, removing it from the collection once done (see {@link #storeAll}). */
  @Override
  public void deleteAll(Collection<K> keys) {
    if (segments != null) {
      long now = System.currentTimeMillis();
      List<SegmentLog.Entry> batch = new ArrayList<>(keys.size());
      keys.forEach(k -> batch.add(SegmentLog.Entry.deletion(keyText.apply(k), now)));
      writeSegment(batch, keys);
      return;
    }
    boolean removable = true;
    for (Iterator<K> it = keys.iterator(); it.hasNext(); ) {
      delete(it.next());
      removable = removable && removed(it);
    }
  }

  /**
   * Writes the batch as one segment; once it is stored the keys are removed from {@code written}
   * (Hazelcast retries whatever a failed call leaves there). A failure while the node stops is
   * logged, as for one entry.
   */
  private void writeSegment(List<SegmentLog.Entry> batch, Collection<K> written) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      segments.write(batch);
    } catch (RuntimeException e) {
      givenUpWhenStopping(
          "write of " + batch.size() + " entries", "a segment under " + segments.segmentsDir(), e);
      return;
    }
    try {
      written.clear();
    } catch (UnsupportedOperationException e) {
      // an unmodifiable batch: Hazelcast does not look at it again
    }
  }

  /**
   * Reads one entry through, for a map call that missed it in memory (a new job's id, say), waiting
   * at most the load timeout; once the map is loaded (see {@link #readThroughUntil}), nothing.
   *
   * <p>Bounded, because Hazelcast queues every call that may touch the store behind a load in
   * progress on the same map partition: one load waiting on a node that is cut off held up the
   * primary's writes to that partition (the fire of a schedule, the dispatch of a job) for as long
   * as it waited. A load that times out fails its map call, which its caller retries.
   */
  @Override
  public V load(K key) {
    if (loadedSeen) {
      if (segments != null) {
        segments.dropView();
      }
      return null; // see readThroughUntil
    }
    String blobKey = segments != null ? prefix + SegmentLog.DIR + "*" : blobKey(key);
    BlobStore blobs = blobs();
    Future<Optional<byte[]>> read =
        LOADS.submit(
            () -> {
              if (loaded()) {
                return Optional.<byte[]>empty();
              }
              if (segments != null) {
                return Optional.ofNullable(segments.values(false).get(keyText.apply(key)));
              }
              return blobs.get(blobKey);
            });
    Optional<byte[]> bytes;
    try {
      bytes = read.get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      read.cancel(true);
      throw new IllegalStateException(
          "reading blob '"
              + blobKey
              + "' took over "
              + loadTimeout.toMillis()
              + " ms (a node holding it may be unreachable); try again");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException("reading blob '" + blobKey + "' failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading blob '" + blobKey + "'", e);
    }
    return bytes.isEmpty() ? null : decode(blobKey, bytes.get());
  }

  /** The entries stored for the keys; keys without one, or with a bad blob, are left out. */
  @Override
  public Map<K, V> loadAll(Collection<K> keys) {
    Map<K, V> out = new HashMap<>(keys.size() * 2);
    if (segments != null) {
      if (loadedWithin(loadTimeout)) {
        segments.dropView();
        return out; // the map holds all the store does: a miss is no entry (readThroughUntil)
      }
      Map<String, byte[]> values = segments.values(false);
      for (K key : keys) {
        byte[] bytes = values.get(keyText.apply(key));
        if (bytes == null) {
          continue;
        }
        try {
          out.put(key, decode(prefix + SegmentLog.DIR + "(" + key + ")", bytes));
        } catch (RuntimeException e) {
          LOG.error("entry '{}' under {} could not be decoded and is left out", key, prefix, e);
        }
      }
      return out;
    }
    for (K key : keys) {
      String blobKey = blobKey(key);
      try {
        blobs().get(blobKey).ifPresent(bytes -> out.put(key, decode(blobKey, bytes)));
      } catch (RuntimeException e) {
        // One bad blob must not stop the rest of its partition from loading.
        LOG.error("entry '{}' could not be loaded from blob '{}' and is left out", key, blobKey, e);
      }
    }
    return out;
  }

  /** Nothing: loading is explicit, see the class comment. */
  @Override
  public Iterable<K> loadAllKeys() {
    return List.of();
  }

  /**
   * What one {@link #compact} did.
   *
   * @param sources segments and entry blobs looked at
   * @param deleted blobs deleted because nothing in them was live
   * @param rewritten blobs whose live entries moved to new segments
   * @param moved entries moved
   */
  public record Compaction(int sources, int deleted, int rewritten, int moved) {}

  /**
   * Drops what newer entries superseded (segmented mode; see {@link SegmentLog}): deletes blobs
   * with nothing live and rewrites mostly superseded or small ones into new segments, the new ones
   * stored before any old one is deleted. Reads each segment once over the store's life (they never
   * change) and the ones to rewrite once more. Safe beside writes and beside another compaction.
   */
  public Compaction compact(long nowMillis) {
    return segments == null ? new Compaction(0, 0, 0, 0) : segments.compact(nowMillis);
  }

  /** Removes the current element; false if the collection cannot be changed (then stop trying). */
  private static boolean removed(Iterator<?> it) {
    try {
      it.remove();
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    }
  }

  private V decode(String blobKey, byte[] bytes) {
    try {
      return codec.decode(bytes);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "blob '"
              + blobKey
              + "' ("
              + bytes.length
              + " bytes) does not decode: "
              + e.getMessage()
              + "; fix or delete the blob",
          e);
    }
  }

  /** The store, waiting a bounded time for the node to put it in the user context. */
  private BlobStore blobs() {
    BlobStore s = store;
    if (s != null) {
      return s;
    }
    long deadline = System.nanoTime() + STORE_WAIT.toNanos();
    while (true) {
      ConcurrentMap<String, Object> ctx = context;
      Object found = ctx == null ? null : ctx.get(CONTEXT_KEY);
      if (found instanceof BlobStore b) {
        store = b;
        return b;
      }
      if (found != null) {
        throw new IllegalStateException(
            "the user context holds a "
                + found.getClass().getName()
                + " under "
                + CONTEXT_KEY
                + ", not a BlobStore");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "no blob store under '"
                + CONTEXT_KEY
                + "' in this member's user context after "
                + STORE_WAIT.toSeconds()
                + "s: the node puts it there when it starts; for "
                + prefix);
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }
}
