package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A map persisted many entries to a blob: {@link BlobMapStore#segmented} and {@link SegmentLog}.
 */
class SegmentedMapStoreTest {
  private static final String PREFIX = "state/things/";
  private static final long MINUTE = 60_000L;

  /** Values "v<version>:<text>": the version is part of the value, as a record's is. */
  private static final BlobCodec<String> CODEC =
      new BlobCodec<>() {
        @Override
        public byte[] encode(String value) {
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8);
        }
      };

  private static long version(String value) {
    return Long.parseLong(value.substring(1, value.indexOf(':')));
  }

  /** Counts puts, so a test sees how many blobs a batch cost. */
  private static final class CountingStore implements BlobStore {
    final InMemoryBlobStore inner = new InMemoryBlobStore();
    final AtomicInteger puts = new AtomicInteger();

    @Override
    public void put(String key, InputStream content) {
      puts.incrementAndGet();
      inner.put(key, content);
    }

    @Override
    public Optional<InputStream> open(String key) {
      return inner.open(key);
    }

    @Override
    public boolean delete(String key) {
      return inner.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
      return inner.list(prefix);
    }
  }

  private final CountingStore blobs = new CountingStore();

  private BlobMapStore<String, String> newStore() {
    return BlobMapStore.of(PREFIX, CODEC).segmented(SegmentedMapStoreTest::version).over(blobs);
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
  void when_a_key_is_deleted_then_it_stays_gone_even_if_an_older_value_comes_later() {
    BlobMapStore<String, String> store = newStore();
    store.storeAll(new HashMap<>(Map.of("a", "v1:a", "b", "v1:b")));
    store.deleteAll(new ArrayList<>(List.of("a")));
    store.store("a", "v2:late");

    BlobMapStore<String, String> restarted = newStore();
    assertThat(restarted.keys()).containsExactly("b");
    assertThat(restarted.loadAll(List.of("a", "b"))).isEqualTo(Map.of("b", "v1:b"));
  }

  @Test
  void
      when_entries_of_the_one_blob_per_entry_layout_are_stored_then_they_load_and_move_to_segments() {
    BlobMapStore<String, String> old = BlobMapStore.of(PREFIX, CODEC).over(blobs);
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
    store.compact(now + 2 * MINUTE);
    assertThat(newStore().keys())
        .as("the deletion is kept while young: a late old value must not bring it back")
        .containsExactly("b");
    String deletion = segmentHolding("a");
    assertThat(deletion).isNotNull();

    store.compact(now + SegmentLog.TOMBSTONE_KEEP_MILLIS + 2 * MINUTE);

    assertThat(segmentHolding("a")).as("no entry of 'a' is stored any more").isNull();
    assertThat(newStore().loadAll(List.of("a", "b"))).isEqualTo(Map.of("b", "v1:b"));
  }

  @Test
  void when_two_compactions_run_over_the_same_blobs_then_every_live_entry_survives() {
    BlobMapStore<String, String> one = newStore();
    BlobMapStore<String, String> two = newStore();
    Map<String, String> all = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      one.store("k" + i, "v1:" + i);
      one.store("k" + i, "v2:" + i);
      all.put("k" + i, "v2:" + i);
    }
    long later = System.currentTimeMillis() + 2 * MINUTE;
    two.compact(later - MINUTE); // reads every segment now: its later pass works from this view

    one.compact(later);
    two.compact(later);

    assertThat(newStore().loadAll(all.keySet())).isEqualTo(all);
  }

  @Test
  void when_a_segment_is_damaged_then_it_is_named_and_the_rest_still_load() {
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
        entries.add(SegmentLog.Entry.value(name + i, 1, new byte[0]));
        if (i >= 30_000) {
          newer.add(SegmentLog.Entry.value(name + i, 2, new byte[0]));
        }
      }
      sources.add(new SegmentLog.Source(PREFIX + "seg/" + name, MINUTE, entries));
    }
    sources.add(new SegmentLog.Source(PREFIX + "seg/newer", now, newer));

    SegmentLog.Plan plan = SegmentLog.plan(sources, now);

    assertThat(plan.rewrite()).as("30,000 live entries each, 50,000 at most a pass").hasSize(1);
    assertThat(plan.live().get(plan.rewrite().get(0))).hasSize(30_000);
    assertThat(plan.delete()).isEmpty();
  }

  /** The segment holding an entry of the key, or null. */
  private String segmentHolding(String key) {
    for (String name : blobs.list(PREFIX)) {
      for (SegmentLog.Entry e : SegmentLog.decode(name, blobs.get(name).orElseThrow())) {
        if (e.key().equals(key)) {
          return name;
        }
      }
    }
    return null;
  }
}
