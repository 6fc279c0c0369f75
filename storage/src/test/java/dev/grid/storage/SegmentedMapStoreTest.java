package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A map persisted many entries to a blob: {@link BlobMapStore#segmented} and {@link SegmentLog}.
 */
class SegmentedMapStoreTest {
  private static final String PREFIX = "state/things/";
  private static final long MINUTE = 60_000L;

  /**
   * Values "v<version>:<text>" or "e<epoch>v<version>:<text>" (epoch 0 when left out): the order is
   * part of the value, as a record's is.
   */
  private static long version(String value) {
    return Long.parseLong(value.substring(value.indexOf('v') + 1, value.indexOf(':')));
  }

  private static long epoch(String value) {
    return value.startsWith("e") ? Long.parseLong(value.substring(1, value.indexOf('v'))) : 0;
  }

  /**
   * An in-memory store that counts puts, can fail reads, can run something just before a put, and
   * can be "not yet restored" (hiding some blobs from its listing, as a replicated store does
   * before every node has reported).
   */
  private static final class TestBlobs implements BlobStore, Restorable {
    final InMemoryBlobStore inner = new InMemoryBlobStore();
    final AtomicInteger puts = new AtomicInteger();
    volatile Predicate<String> failRead = k -> false;
    volatile Runnable beforeNextPut;
    volatile boolean restored = true;
    final Set<String> hiddenUntilRestored = ConcurrentHashMap.newKeySet();

    @Override
    public void put(String key, InputStream content) {
      Runnable hook = beforeNextPut;
      if (hook != null) {
        beforeNextPut = null;
        hook.run();
      }
      puts.incrementAndGet();
      inner.put(key, content);
    }

    @Override
    public Optional<InputStream> open(String key) {
      if (failRead.test(key)) {
        throw new IllegalStateException("reading '" + key + "' timed out (a test's failure)");
      }
      return inner.open(key);
    }

    @Override
    public boolean delete(String key) {
      return inner.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
      List<String> all = new ArrayList<>(inner.list(prefix));
      if (!restored) {
        all.removeAll(hiddenUntilRestored);
      }
      return all;
    }

    @Override
    public boolean awaitRestored(Duration timeout) {
      return restored;
    }
  }

  private final TestBlobs blobs = new TestBlobs();

  private BlobMapStore<String, String> newStore() {
    return BlobMapStore.of(PREFIX, BlobMapStoreContract.TEXT)
        .segmented(SegmentedMapStoreTest::epoch, SegmentedMapStoreTest::version)
        .over(blobs);
  }

  @Test
  void when_a_batch_is_stored_then_it_is_one_blob_and_every_entry_loads_back_exactly() {
    BlobMapStore<String, String> store = newStore();
    Map<String, String> batch = new HashMap<>();
    for (String key : BlobMapStoreContract.AWKWARD_KEYS) {
      batch.put(key, "v1:value of " + key);
    }
    Map<String, String> expected = new HashMap<>(batch);

    store.storeAll(batch);

    assertThat(blobs.puts.get()).isEqualTo(1);
    assertThat(blobs.list(PREFIX)).hasSize(1).allMatch(k -> k.startsWith(PREFIX + "seg/"));
    assertThat(batch).as("the batch is emptied once stored").isEmpty();
    BlobMapStore<String, String> restarted = newStore();
    assertThat(restarted.keys()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    assertThat(restarted.loadAll(expected.keySet())).isEqualTo(expected);
    assertThat(restarted.load("plain")).isEqualTo("v1:value of plain");
  }

  @Test
  void when_a_key_is_stored_several_times_then_the_highest_version_wins_whatever_the_order() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "v3:third");
    store.store("a", "v1:first"); // an older value written late (a member's late flush)
    store.store("a", "v2:second");

    assertThat(newStore().loadAll(List.of("a"))).containsEntry("a", "v3:third");
  }

  @Test
  void when_copies_differ_in_epoch_then_the_higher_epoch_wins_over_a_higher_version() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "e2v3:written by the newer primary");
    store.store("a", "e1v7:the stale side went on alone"); // a partition's losing side

    assertThat(newStore().loadAll(List.of("a")))
        .containsEntry("a", "e2v3:written by the newer primary");
  }

  @Test
  void when_a_key_is_deleted_then_it_stays_gone_whatever_is_written_under_it_later() {
    BlobMapStore<String, String> store = newStore();
    store.storeAll(new HashMap<>(Map.of("a", "v1:a", "b", "v1:b")));
    store.deleteAll(new ArrayList<>(List.of("a")));
    store.store("a", "v1:a"); // the same value flushed late by another member
    store.store("a", "e9v9:a"); // keys of segmented maps are never used again: a deletion is final

    BlobMapStore<String, String> restarted = newStore();
    assertThat(restarted.keys()).containsExactly("b");
    assertThat(restarted.loadAll(List.of("a", "b"))).isEqualTo(Map.of("b", "v1:b"));
  }

  @Test
  void
      when_entries_of_the_one_blob_per_entry_layout_are_stored_then_they_load_and_move_to_segments() {
    BlobMapStore<String, String> old =
        BlobMapStore.of(PREFIX, BlobMapStoreContract.TEXT).over(blobs);
    old.store("x/y", "v1:old x/y");
    old.store("kept", "v4:old kept");
    BlobMapStore<String, String> store = newStore();
    store.store("kept", "v2:older than the entry blob");

    assertThat(newStore().loadAll(List.of("x/y", "kept")))
        .isEqualTo(Map.of("x/y", "v1:old x/y", "kept", "v4:old kept"));

    store.compact(System.currentTimeMillis());

    assertThat(blobs.list(PREFIX)).allMatch(k -> k.startsWith(PREFIX + "seg/"));
    assertThat(newStore().loadAll(List.of("x/y", "kept")))
        .isEqualTo(Map.of("x/y", "v1:old x/y", "kept", "v4:old kept"));
  }

  @Test
  void when_every_entry_of_a_segment_is_superseded_then_compaction_deletes_it() {
    BlobMapStore<String, String> store = newStore();
    store.storeAll(new HashMap<>(Map.of("a", "v1:a", "b", "v1:b")));
    String first = blobs.list(PREFIX).get(0);
    store.storeAll(new HashMap<>(Map.of("a", "v2:a", "b", "v2:b")));

    BlobMapStore.Compaction c = store.compact(System.currentTimeMillis());

    assertThat(c.deleted()).isEqualTo(1);
    assertThat(blobs.list(PREFIX)).hasSize(1).doesNotContain(first);
    assertThat(newStore().loadAll(List.of("a", "b"))).isEqualTo(Map.of("a", "v2:a", "b", "v2:b"));
  }

  @Test
  void when_segments_are_small_and_settled_then_compaction_merges_them_and_loses_nothing() {
    BlobMapStore<String, String> store = newStore();
    Map<String, String> all = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      store.store("k" + i, "v1:" + i);
      all.put("k" + i, "v1:" + i);
    }
    assertThat(blobs.list(PREFIX)).hasSize(10);

    assertThat(store.compact(System.currentTimeMillis()).rewritten())
        .as("segments younger than a minute are left alone")
        .isZero();
    assertThat(store.compact(System.currentTimeMillis() + 2 * MINUTE).rewritten())
        .as("nothing was written since the last pass, which is recent: no pass")
        .isZero();
    BlobMapStore.Compaction c = store.compact(System.currentTimeMillis() + 6 * MINUTE);

    assertThat(c.rewritten()).isEqualTo(10);
    assertThat(c.moved()).isEqualTo(10);
    assertThat(blobs.list(PREFIX)).hasSize(1);
    assertThat(newStore().loadAll(all.keySet())).isEqualTo(all);
  }

  @Test
  void when_a_deletion_is_old_and_nothing_older_is_stored_then_compaction_drops_it() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "v1:a");
    store.store("b", "v1:b");
    store.deleteAll(new ArrayList<>(List.of("a")));
    long now = System.currentTimeMillis();

    store.compact(now); // the first value of "a" is superseded: its segment goes
    assertThat(blobs.list(PREFIX)).hasSize(2);
    store.store("c", "v1:c"); // something new, so that the next pass looks again
    assertThat(store.compact(now + 2 * MINUTE).sources()).isEqualTo(3);
    assertThat(newStore().keys())
        .as("the deletion is kept while young: a late old value must not bring it back")
        .containsExactlyInAnyOrder("b", "c");
    String deletion = segmentHolding("a");
    assertThat(deletion).isNotNull();

    store.compact(now + SegmentLog.TOMBSTONE_KEEP_MILLIS + 2 * MINUTE);

    assertThat(segmentHolding("a")).as("no entry of 'a' is stored any more").isNull();
    assertThat(newStore().loadAll(List.of("a", "b", "c")))
        .isEqualTo(Map.of("b", "v1:b", "c", "v1:c"));
  }

  @Test
  void when_a_listed_segment_does_not_decode_then_no_deletion_is_dropped() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "v1:a");
    store.deleteAll(new ArrayList<>(List.of("a")));
    blobs.put(PREFIX + "seg/0000000000001-bad-00000001", "not a segment".getBytes());
    long later = System.currentTimeMillis() + SegmentLog.TOMBSTONE_KEEP_MILLIS + 2 * MINUTE;

    store.compact(later);
    store.store("b", "v1:b");
    store.compact(later + MINUTE);

    assertThat(segmentHolding("a"))
        .as("the damaged segment may hold an older value of 'a': its deletion stays")
        .isNotNull();
    assertThat(newStore().keys()).containsExactly("b");
  }

  @Test
  void when_a_segment_cannot_be_read_during_a_rewrite_then_nothing_is_deleted_and_nothing_lost() {
    BlobMapStore<String, String> store = newStore();
    Map<String, String> all = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      store.store("k" + i, "v1:" + i);
      all.put("k" + i, "v1:" + i);
    }
    List<String> before = blobs.list(PREFIX);
    String unreadable = before.get(2);
    store.compact(System.currentTimeMillis()); // reads every segment once: young, none rewritten
    blobs.failRead = unreadable::equals;

    assertThatThrownBy(() -> store.compact(System.currentTimeMillis() + 6 * MINUTE))
        .hasMessageContaining("timed out");

    assertThat(blobs.list(PREFIX)).containsExactlyElementsOf(before);
    blobs.failRead = k -> false;
    assertThat(newStore().loadAll(all.keySet())).isEqualTo(all);
  }

  @Test
  void
      when_a_read_through_comes_before_the_store_is_restored_then_the_load_after_sees_everything() {
    BlobMapStore<String, String> store = newStore();
    store.store("early", "v1:early");
    store.store("on-a-late-node", "v1:late");
    blobs.hiddenUntilRestored.addAll(blobs.list(PREFIX).subList(1, 2));
    blobs.restored = false;
    BlobMapStore<String, String> restarted = newStore();

    assertThat(restarted.load("early")).isEqualTo("v1:early");
    assertThat(restarted.load("on-a-late-node")).as("not listed yet").isNull();
    blobs.restored = true;

    // The primary lists the keys; each member loads its partitions' share with its own store.
    assertThat(newStore().keys()).containsExactlyInAnyOrder("early", "on-a-late-node");
    assertThat(restarted.loadAll(List.of("early", "on-a-late-node")))
        .isEqualTo(Map.of("early", "v1:early", "on-a-late-node", "v1:late"));
  }

  @Test
  void when_a_read_fails_then_the_load_fails_rather_than_load_an_older_value() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "v1:a");
    store.store("a", "v2:a");
    String newest = blobs.list(PREFIX).get(1);
    blobs.failRead = newest::equals;

    assertThatThrownBy(() -> newStore().keys()).hasMessageContaining("timed out");
  }

  @Test
  void when_a_compaction_runs_in_the_middle_of_another_then_every_live_entry_survives() {
    BlobMapStore<String, String> one = newStore();
    BlobMapStore<String, String> two = newStore();
    Map<String, String> all = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      one.store("k" + i, "v1:" + i);
      one.store("k" + i, "v2:" + i);
      all.put("k" + i, "v2:" + i);
      if (i % 2 == 0) {
        one.deleteAll(new ArrayList<>(List.of("k" + i)));
        all.remove("k" + i);
      }
    }
    long later = System.currentTimeMillis() + 30 * MINUTE;
    // The second runs a whole pass just as the first writes what it moves: the first has planned
    // from blobs the second then deletes or rewrites.
    blobs.beforeNextPut = () -> two.compact(later);

    BlobMapStore.Compaction first = one.compact(later);

    assertThat(first.rewritten()).as("the first pass got as far as writing").isPositive();
    assertThat(newStore().keys()).containsExactlyInAnyOrderElementsOf(all.keySet());
    assertThat(newStore().loadAll(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7")))
        .isEqualTo(all);
    one.store("k9", "v1:9"); // a change, so that both look again
    one.compact(later + 6 * MINUTE);
    two.compact(later + 6 * MINUTE);
    all.put("k9", "v1:9");
    assertThat(newStore().loadAll(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k9")))
        .isEqualTo(all);
  }

  @Test
  void when_a_segment_does_not_decode_then_it_is_named_and_the_rest_still_load() {
    BlobMapStore<String, String> store = newStore();
    store.store("a", "v1:a");
    blobs.put(PREFIX + "seg/0000000000001-bad-00000001", "not a segment".getBytes());

    assertThat(newStore().loadAll(List.of("a"))).isEqualTo(Map.of("a", "v1:a"));
    assertThatThrownBy(() -> SegmentLog.decode("state/things/seg/x", "not a segment".getBytes()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("state/things/seg/x")
        .hasMessageContaining("not a readable segment");
  }

  @Test
  void when_more_entries_would_move_than_a_pass_may_hold_then_the_rest_waits_for_the_next() {
    long now = 100 * MINUTE;
    List<SegmentLog.Source> sources = new ArrayList<>();
    List<SegmentLog.Entry> newer = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      List<SegmentLog.Entry> entries = new ArrayList<>();
      for (int i = 0; i < 70_000; i++) {
        entries.add(SegmentLog.Entry.value(name + i, 0, 1, new byte[0]));
        if (i >= 30_000) {
          newer.add(SegmentLog.Entry.value(name + i, 0, 2, new byte[0]));
        }
      }
      sources.add(new SegmentLog.Source(PREFIX + "seg/" + name, MINUTE, entries));
    }
    sources.add(new SegmentLog.Source(PREFIX + "seg/newer", now, newer));

    SegmentLog.Plan plan = SegmentLog.plan(sources, now, true);

    assertThat(plan.rewrite()).as("30,000 live entries each, 50,000 at most a pass").hasSize(1);
    assertThat(plan.live().get(plan.rewrite().get(0))).hasSize(30_000);
    assertThat(plan.delete()).isEmpty();
  }

  /** The segment holding an entry of the key, or null. */
  private String segmentHolding(String key) {
    for (String name : blobs.list(PREFIX)) {
      if (name.contains("-bad-")) {
        continue; // put there by a test, not a segment
      }
      for (SegmentLog.Entry e : SegmentLog.decode(name, blobs.get(name).orElseThrow())) {
        if (e.key().equals(key)) {
          return name;
        }
      }
    }
    return null;
  }
}
