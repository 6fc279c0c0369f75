package dev.grid.storage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmented mode of a {@link BlobMapStore}: writes a batch as one segment, reads the newest
 * value of every key for a load, and compacts. The layout and the rules are {@link SegmentLog}'s.
 *
 * <p>Reads for a load ({@link #values}) see every blob only once the store is restored (a
 * replicated store learns what its nodes hold when they join): a view built from a listing before
 * that is used for the one read that asked and never kept. A blob that cannot be read fails the
 * view (the load is tried again); one that is read but cannot be decoded is logged and left out, as
 * an entry blob that does not decode always was.
 *
 * @param <V> the values
 */
final class SegmentedStore<V> {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedStore.class);

  /** A view for loads is kept this long after its last use: a restart's loads come together. */
  private static final long VIEW_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** What compaction knows is let go when no compaction ran for this long (no longer primary). */
  private static final long COMPACTION_IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final String prefix;
  private final SegmentLog log;
  private final BlobCodec<V> codec;
  private final ToLongFunction<V> epochOf;
  private final ToLongFunction<V> versionOf;
  private final Supplier<BlobStore> blobs;

  private final Object viewLock = new Object();
  private volatile View view;

  private final ReentrantLock compaction = new ReentrantLock();
  private final Map<String, SegmentLog.Source> compactionSeen = new HashMap<>();
  private long lastFullCompactionMillis = Long.MIN_VALUE / 2;
  private volatile long lastCompactionNanos = System.nanoTime();

  /** The values of a view, and when a load last used them. */
  private static final class View {
    final Map<String, byte[]> values;
    volatile long usedAtNanos = System.nanoTime();

    View(Map<String, byte[]> values) {
      this.values = values;
    }

    boolean idle() {
      return System.nanoTime() - usedAtNanos >= VIEW_IDLE_NANOS;
    }
  }

  SegmentedStore(
      String prefix,
      BlobCodec<V> codec,
      ToLongFunction<V> epochOf,
      ToLongFunction<V> versionOf,
      Supplier<BlobStore> blobs) {
    this.prefix = prefix;
    this.log = new SegmentLog(prefix);
    this.codec = codec;
    this.epochOf = epochOf;
    this.versionOf = versionOf;
    this.blobs = blobs;
  }

  /** The entry of a value under the key. */
  SegmentLog.Entry entry(String key, V value) {
    return SegmentLog.Entry.value(
        key, epochOf.applyAsLong(value), versionOf.applyAsLong(value), codec.encode(value));
  }

  /** Writes the entries as one new segment; returns its blob key. */
  String write(List<SegmentLog.Entry> batch) {
    String name = log.newSegmentKey(System.currentTimeMillis());
    blobs.get().put(name, SegmentLog.encode(batch));
    return name;
  }

  /** Where this map's segments are (for an error message). */
  String segmentsDir() {
    return log.dir();
  }

  // ---------------------------------------------------------------- loads

  /**
   * The newest value of every key, by key text. {@code fresh}: read the blobs again even if a view
   * is kept (a whole load starts so, after the store was restored).
   */
  Map<String, byte[]> values(boolean fresh) {
    View v = view;
    if (!fresh && v != null && !v.idle()) {
      v.usedAtNanos = System.nanoTime();
      return v.values;
    }
    synchronized (viewLock) {
      v = view;
      if (!fresh && v != null && !v.idle()) {
        v.usedAtNanos = System.nanoTime();
        return v.values;
      }
      BlobStore store = blobs.get();
      boolean restored = !(store instanceof Restorable r) || r.awaitRestored(Duration.ZERO);
      SegmentLog.Merger merger = new SegmentLog.Merger();
      for (String name : store.list(prefix)) {
        read(name).ifPresent(merger::add); // a read that fails throws: no partial view
      }
      Map<String, byte[]> values = merger.values();
      View built = new View(values);
      view = restored ? built : null; // a view from before the restore may miss blobs
      return values;
    }
  }

  /** Lets go of a view no load used for a while, and of what compaction knew if it stopped. */
  void dropIdle() {
    View v = view;
    if (v != null && v.idle()) {
      view = null;
    }
    if (System.nanoTime() - lastCompactionNanos > COMPACTION_IDLE_NANOS && compaction.tryLock()) {
      try {
        compactionSeen.clear();
      } finally {
        compaction.unlock();
      }
    }
  }

  /** Lets go of the view at once (the map is loaded: no load will ask again). */
  void dropView() {
    view = null;
  }

  /**
   * The blob {@code name} as a source of entries: a segment, or an entry blob of the older layout
   * (its version read from its value). Empty if it is gone or is neither (a blob under a deeper
   * path), or if its bytes do not decode (logged). A failed read throws.
   */
  private Optional<SegmentLog.Source> read(String name) {
    String rest = name.substring(prefix.length());
    boolean segment = name.startsWith(log.dir());
    if (!segment && rest.contains("/")) {
      return Optional.empty();
    }
    Optional<byte[]> bytes = blobs.get().get(name);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      if (segment) {
        return Optional.of(
            new SegmentLog.Source(name, log.writtenAt(name), SegmentLog.decode(name, bytes.get())));
      }
      V value = codec.decode(bytes.get());
      return Optional.of(
          new SegmentLog.Source(
              name,
              0,
              List.of(
                  SegmentLog.Entry.value(
                      MapKeys.unescape(rest),
                      epochOf.applyAsLong(value),
                      versionOf.applyAsLong(value),
                      bytes.get()))));
    } catch (RuntimeException e) {
      LOG.error(
          "blob '{}' ({} bytes) does not decode as entries of {} and is left out; move it away"
              + " once its records are known to be elsewhere",
          name,
          bytes.get().length,
          prefix,
          e);
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- compaction

  /** See {@link BlobMapStore#compact}. */
  BlobMapStore.Compaction compact(long nowMillis) {
    compaction.lock();
    try {
      lastCompactionNanos = System.nanoTime();
      return compactLocked(nowMillis);
    } finally {
      compaction.unlock();
    }
  }

  private BlobMapStore.Compaction compactLocked(long nowMillis) {
    BlobStore store = blobs.get();
    List<String> names = store.list(prefix);
    Set<String> listed = new HashSet<>(names);
    if (listed.equals(compactionSeen.keySet())
        && nowMillis - lastFullCompactionMillis < SegmentLog.SETTLE_MILLIS * 5) {
      // Nothing was written since the last pass: only age could change its plan, and that waits.
      return new BlobMapStore.Compaction(listed.size(), 0, 0, 0);
    }
    compactionSeen.keySet().retainAll(listed);
    boolean complete = true;
    for (String name : names) {
      if (!compactionSeen.containsKey(name)) {
        Optional<SegmentLog.Source> s = read(name); // a read that fails ends the pass
        if (s.isPresent()) {
          compactionSeen.put(name, withoutValues(s.get()));
        } else if (store.exists(name) && isSourceName(name)) {
          complete = false; // listed, there, and not readable as entries
        }
      }
    }
    lastFullCompactionMillis = nowMillis;
    SegmentLog.Plan plan =
        SegmentLog.plan(new ArrayList<>(compactionSeen.values()), nowMillis, complete);
    if (plan.isEmpty()) {
      return new BlobMapStore.Compaction(compactionSeen.size(), 0, 0, 0);
    }
    List<SegmentLog.Entry> moving = new ArrayList<>();
    List<String> rewritten = new ArrayList<>();
    for (String name : plan.rewrite()) {
      Set<String> live = plan.live().getOrDefault(name, Set.of());
      Optional<SegmentLog.Source> s = read(name); // a read that fails ends the pass: none deleted
      if (s.isEmpty()) {
        continue; // gone (another compaction moved it) or no longer decodable: leave it be
      }
      List<SegmentLog.Entry> found =
          s.get().entries().stream().filter(e -> live.contains(SegmentLog.liveKey(e))).toList();
      if (found.size() != live.size()) {
        throw new IllegalStateException(
            "segment '" + name + "' changed since it was read; compaction stops and tries again");
      }
      moving.addAll(found);
      rewritten.add(name);
    }
    for (int from = 0; from < moving.size(); from += SegmentLog.MAX_ENTRIES) {
      List<SegmentLog.Entry> chunk =
          moving.subList(from, Math.min(moving.size(), from + SegmentLog.MAX_ENTRIES));
      store.put(log.newSegmentKey(nowMillis), SegmentLog.encode(chunk));
    }
    int sources = compactionSeen.size();
    for (String name : plan.delete()) {
      store.delete(name);
      compactionSeen.remove(name);
    }
    for (String name : rewritten) {
      store.delete(name);
      compactionSeen.remove(name);
    }
    return new BlobMapStore.Compaction(
        sources, plan.delete().size(), rewritten.size(), moving.size());
  }

  /** Whether the blob is a segment or an entry blob of the map (not a blob under a deeper path). */
  private boolean isSourceName(String name) {
    return name.startsWith(log.dir()) || !name.substring(prefix.length()).contains("/");
  }

  private static SegmentLog.Source withoutValues(SegmentLog.Source s) {
    return new SegmentLog.Source(
        s.name(), s.writtenAt(), s.entries().stream().map(SegmentLog.Entry::withoutValue).toList());
  }
}
