package dev.grid.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many entries of a map in one blob, a <em>segment</em>: what a {@link BlobMapStore} in segmented
 * mode writes for each write-behind batch, instead of one blob per entry.
 *
 * <p>Why: storing a blob costs a cluster lock and its release, a copy to a second node, two {@code
 * fsync}s and a metadata write, whatever its size. Stored one per entry, job records took about
 * half of a job's node CPU (docs/BENCHMARKS.md, 2026-12-07); a segment pays it once for a batch (up
 * to 100 entries).
 *
 * <p>The layout: segments live under {@code PREFIX + "seg/"}, named {@code
 * <millis>-<writer>-<sequence>}, and are never changed once written. Each entry carries its key,
 * the value's {@code epoch} and {@code version} (the version grows with every change of the value)
 * and its bytes, or none for a deletion (a tombstone). The newest entry of a key, by epoch, then
 * version, then the time its segment was written, is the key's state (the order in which the grid
 * merges two copies of a record after a partition); a key whose newest entry is a tombstone is
 * gone, for good: segmented maps are for keys never used again once deleted.
 *
 * <p>Compaction ({@link #plan}) drops what no reader needs: a segment whose every entry is
 * superseded is deleted; segments mostly superseded, and small ones, are rewritten into fresh
 * segments (the live entries keep their versions) before the old ones go. A tombstone is kept while
 * an older value of its key is still stored somewhere, and for {@link #TOMBSTONE_KEEP_MILLIS} after
 * the deletion in any case, so a late write of an old value (a member's queue flushed after a
 * partition) cannot bring a deleted entry back. Two compactions at once are safe: each only drops
 * an entry after seeing a newer one stored, and only deletes a segment after its live entries are
 * written again.
 *
 * <p>Entries written by older versions of the grid, one blob per entry under {@code PREFIX +
 * escaped key}, are read as one-entry sources written at time 0, and compaction moves them into
 * segments.
 */
final class SegmentLog {
  /** Where the segments are, under the map's prefix. */
  static final String DIR = "seg/";

  /** How long a tombstone stays at least, in case an older write of its key comes late. */
  static final long TOMBSTONE_KEEP_MILLIS = 10 * 60_000L;

  /** A segment younger than this is left alone unless all of it is superseded. */
  static final long SETTLE_MILLIS = 60_000L;

  /** Live entries under which a settled segment counts as small (merged with other small ones). */
  static final int SMALL = 64;

  /** Small segments it takes before they are merged. */
  static final int SMALL_TO_MERGE = 4;

  /** The most live entries one compaction moves (the rest wait for the next). */
  static final int MAX_MOVED = 50_000;

  /** The most entries a segment written by compaction holds. */
  static final int MAX_ENTRIES = 2_000;

  private static final int MAGIC = 0x47534547; // "GSEG"
  private static final int FORMAT = 1;
  private static final int MAX_KEY_BYTES = 64 * 1024;

  /**
   * One entry: a key's value, or its deletion ({@code value == null}). Values are ordered by {@code
   * (epoch, version)}, as the grid's merge after a partition orders its records.
   *
   * @param key the map key as text
   * @param epoch the value's epoch (the newest primary that wrote it); a deletion's is the highest
   * @param version the value's version, +1 on each change; a deletion's is the highest
   * @param value the value's bytes, or null for a deletion
   * @param deletedAt for a deletion, when it was made (how long it is kept counts from then)
   */
  record Entry(String key, long epoch, long version, byte[] value, long deletedAt) {
    boolean deleted() {
      return value == null;
    }

    /** A value of the key. */
    static Entry value(String key, long epoch, long version, byte[] value) {
      return new Entry(key, epoch, version, value, 0);
    }

    /**
     * A deletion of the key, made at {@code nowMillis}; newer than every value, so a key once
     * deleted stays deleted (segmented maps are for keys that are never used again).
     */
    static Entry deletion(String key, long nowMillis) {
      return new Entry(key, Long.MAX_VALUE, Long.MAX_VALUE, null, nowMillis);
    }

    /** The same entry without its value's bytes (what a compaction plan needs). */
    Entry withoutValue() {
      return deleted() ? this : new Entry(key, epoch, version, NO_BYTES, 0);
    }
  }

  private static final byte[] NO_BYTES = new byte[0];

  /**
   * A blob holding entries: a segment, or an entry blob of the older layout ({@code writtenAt} 0).
   *
   * @param name the blob key
   * @param writtenAt when it was written (from the segment's name), 0 for an entry blob
   * @param entries its entries; for the plan, values may be left out (only deletion matters)
   */
  record Source(String name, long writtenAt, List<Entry> entries) {
    boolean isSegment() {
      return writtenAt > 0;
    }
  }

  /**
   * What a compaction does: write the live entries of {@code rewrite} into new segments, then
   * delete both lists' blobs.
   *
   * @param delete blobs with nothing live, deleted at once
   * @param rewrite blobs whose live entries move to new segments before they are deleted
   * @param live the live entries of the blobs in {@code rewrite}, by blob: {@link #liveKey}s
   */
  record Plan(List<String> delete, List<String> rewrite, Map<String, Set<String>> live) {
    boolean isEmpty() {
      return delete.isEmpty() && rewrite.isEmpty();
    }
  }

  private final String dir;
  private final String writer;
  private final AtomicLong sequence = new AtomicLong();

  /** The segments of the map whose blobs start with {@code prefix}. */
  SegmentLog(String prefix) {
    this.dir = prefix + DIR;
    byte[] tag = new byte[4];
    new SecureRandom().nextBytes(tag);
    this.writer = HexFormat.of().formatHex(tag);
  }

  /** The prefix of every segment's blob key. */
  String dir() {
    return dir;
  }

  /** A blob key no writer used before: the time, this writer's tag, a sequence number. */
  String newSegmentKey(long nowMillis) {
    return String.format(
        "%s%013d-%s-%08d", dir, Math.max(1, nowMillis), writer, sequence.incrementAndGet());
  }

  /** When the segment under {@code name} was written, from its name. */
  long writtenAt(String name) {
    String rest = name.substring(dir.length());
    int dash = rest.indexOf('-');
    try {
      return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "segment '" + name + "' has no time in its name; it was not written by the grid", e);
    }
  }

  // ---------------------------------------------------------------- format

  /** The bytes of a segment holding the entries. */
  static byte[] encode(List<Entry> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + entries.size() * 256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(FORMAT);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
        out.writeInt(key.length);
        out.write(key);
        out.writeLong(e.epoch());
        out.writeLong(e.version());
        if (e.deleted()) {
          out.writeInt(-1);
          out.writeLong(e.deletedAt());
        } else {
          out.writeInt(e.value().length);
          out.write(e.value());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  /** The entries of the segment {@code name}; throws naming it if the bytes are not a segment. */
  static List<Entry> decode(String name, byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC || in.readByte() != FORMAT) {
        throw new IllegalArgumentException("not a segment of format " + FORMAT);
      }
      int count = in.readInt();
      if (count < 0 || count > bytes.length) {
        throw new IllegalArgumentException("entry count " + count + " is impossible");
      }
      List<Entry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int keyLength = in.readInt();
        if (keyLength < 0 || keyLength > MAX_KEY_BYTES) {
          throw new IllegalArgumentException("key length " + keyLength + " of entry " + i);
        }
        String key = new String(in.readNBytes(keyLength), StandardCharsets.UTF_8);
        long epoch = in.readLong();
        long version = in.readLong();
        int length = in.readInt();
        if (length < -1 || length > in.available()) {
          throw new IllegalArgumentException("value length " + length + " of entry " + i);
        }
        entries.add(
            length < 0
                ? new Entry(key, epoch, version, null, in.readLong())
                : Entry.value(key, epoch, version, in.readNBytes(length)));
      }
      if (in.available() != 0) {
        throw new IllegalArgumentException(in.available() + " bytes after the last entry");
      }
      return entries;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "blob '"
              + name
              + "' ("
              + bytes.length
              + " bytes) is not a readable segment: "
              + e.getMessage()
              + "; it is left as it is, move it away to let the map load without it",
          e);
    }
  }

  // ---------------------------------------------------------------- reading

  /** Orders a key's entries: higher epoch, then version, then later source, then source name. */
  private static final Comparator<Located> NEWEST_LAST =
      Comparator.comparingLong((Located l) -> l.entry.epoch())
          .thenComparingLong(l -> l.entry.version())
          .thenComparingLong(l -> l.writtenAt)
          .thenComparing(l -> l.source);

  /**
   * An entry and where it is: the source's name and time only, so that a source whose entries are
   * all superseded can be let go while the others are read.
   */
  private record Located(String source, long writtenAt, Entry entry) {}

  /**
   * The newest entry of each key, merged one source at a time, so that what a newer entry
   * supersedes is let go as the sources are read.
   */
  static final class Merger {
    private final Map<String, Located> newest = new HashMap<>();
    private final Map<String, Integer> copies = new HashMap<>();

    /** Merges the source's entries in. */
    void add(Source s) {
      for (Entry e : s.entries()) {
        newest.merge(
            e.key(),
            new Located(s.name(), s.writtenAt(), e),
            (a, b) -> NEWEST_LAST.compare(a, b) >= 0 ? a : b);
        copies.merge(e.key(), 1, Integer::sum);
      }
    }

    /** The bytes of each key's newest entry, keys whose newest entry is a deletion left out. */
    Map<String, byte[]> values() {
      Map<String, byte[]> out = new HashMap<>(newest.size() * 2);
      newest.forEach(
          (k, l) -> {
            if (!l.entry().deleted()) {
              out.put(k, l.entry().value());
            }
          });
      return out;
    }
  }

  // ---------------------------------------------------------------- compaction

  /**
   * What to delete and rewrite among the sources, as of {@code nowMillis} (see the class). With
   * {@code complete} false (a listed blob could not be read, and may hold an older value of any
   * key), no deletion is dropped.
   */
  static Plan plan(List<Source> sources, long nowMillis, boolean complete) {
    Merger m = new Merger();
    sources.forEach(m::add);
    Map<String, Located> newest = m.newest;
    Map<String, Integer> copies = m.copies;
    List<Located> kept = new ArrayList<>();
    Map<String, Integer> liveCounts = new HashMap<>();
    for (Map.Entry<String, Located> n : newest.entrySet()) {
      Located l = n.getValue();
      boolean keep =
          !l.entry().deleted()
              || !complete
              || copies.get(n.getKey()) > 1
              || nowMillis - l.entry().deletedAt() < TOMBSTONE_KEEP_MILLIS;
      if (keep) {
        kept.add(l);
        liveCounts.merge(l.source(), 1, Integer::sum);
      }
    }
    List<String> delete = new ArrayList<>();
    List<Source> candidates = new ArrayList<>();
    List<Source> small = new ArrayList<>();
    for (Source s : sources) {
      int liveCount = liveCounts.getOrDefault(s.name(), 0);
      boolean settled = nowMillis - s.writtenAt() >= SETTLE_MILLIS;
      if (liveCount == 0) {
        delete.add(s.name());
      } else if (!s.isSegment()) {
        candidates.add(s); // an entry blob of the older layout moves into a segment
      } else if (settled && liveCount * 2 < s.entries().size()) {
        candidates.add(s);
      } else if (settled && liveCount < SMALL) {
        small.add(s);
      }
    }
    if (small.size() >= SMALL_TO_MERGE) {
      candidates.addAll(small);
    }
    List<String> rewrite = new ArrayList<>();
    int moving = 0;
    for (Source s : candidates) {
      int liveCount = liveCounts.get(s.name());
      if (!rewrite.isEmpty() && moving + liveCount > MAX_MOVED) {
        break; // the rest waits for the next pass: a pass holds what it moves in memory
      }
      rewrite.add(s.name());
      moving += liveCount;
    }
    Set<String> rewriting = new HashSet<>(rewrite);
    Map<String, Set<String>> live = new HashMap<>();
    for (Located l : kept) {
      if (rewriting.contains(l.source())) {
        live.computeIfAbsent(l.source(), x -> new HashSet<>()).add(liveKey(l.entry()));
      }
    }
    return new Plan(delete, rewrite, live);
  }

  /** How a plan names an entry that stays. */
  static String liveKey(Entry e) {
    return e.epoch() + ":" + e.version() + ":" + e.key();
  }
}
