package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a map persisted through a blob store must do, run against each store. */
abstract class BlobMapStoreContract {
  /** Keys that are not blob keys as they are: each must come back exactly. */
  static final List<String> AWKWARD_KEYS =
      List.of(
          "plain",
          "daily@1700000000000",
          ".",
          "..",
          "a..b",
          ".hidden",
          "x/y",
          "/",
          "_",
          "_41",
          "a_2E",
          "sp ace",
          "über-ß",
          "100%",
          "tab\tnl\n",
          "cron.nightly.1700000000000",
          "j0mf3k2x9a-04f2k1qz",
          "x".repeat(150));

  /** Values as UTF-8 text; a value starting with "corrupt" does not decode. */
  static final BlobCodec<String> TEXT =
      new BlobCodec<>() {
        @Override
        public byte[] encode(String value) {
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          String s = new String(bytes, StandardCharsets.UTF_8);
          if (s.startsWith("corrupt")) {
            throw new IllegalArgumentException("not a value: " + s);
          }
          return s;
        }
      };

  private BlobStore blobs;
  private BlobMapStore<String, String> store;

  protected abstract BlobStore newStore();

  @BeforeEach
  void open() {
    blobs = newStore();
    store = BlobMapStore.of("state/things/", TEXT).over(blobs);
  }

  @AfterEach
  void close() {
    blobs.close();
  }

  @Test
  void when_keys_are_not_blob_keys_then_each_is_stored_under_a_valid_key_and_comes_back_exactly() {
    for (String key : AWKWARD_KEYS) {
      store.store(key, "value of " + key);
    }

    assertThat(store.keys()).containsExactlyInAnyOrderElementsOf(AWKWARD_KEYS);
    assertThat(blobs.list("state/things/"))
        .hasSize(AWKWARD_KEYS.size())
        .allSatisfy(
            k ->
                assertThat(BlobStore.checkKey(k))
                    .doesNotContain("..")
                    .satisfies(
                        x ->
                            assertThat(x.substring("state/things/".length())).doesNotContain("/")));
    for (String key : AWKWARD_KEYS) {
      assertThat(store.load(key)).isEqualTo("value of " + key);
    }
  }

  @Test
  void when_an_entry_is_stored_again_then_the_newest_value_is_loaded() {
    store.store("a", "first");
    store.store("a", "second");

    assertThat(store.load("a")).isEqualTo("second");
    assertThat(store.keys()).containsExactly("a");
  }

  @Test
  void when_an_entry_is_deleted_then_it_is_gone_and_the_others_stay() {
    store.store("a", "1");
    store.store("b", "2");

    store.delete("a");
    store.delete("never-stored");

    assertThat(store.load("a")).isNull();
    assertThat(store.load("b")).isEqualTo("2");
    assertThat(store.keys()).containsExactly("b");
  }

  @Test
  void when_entries_are_stored_in_a_batch_then_all_are_stored_and_the_batch_is_emptied() {
    Map<String, String> batch = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      batch.put("k" + i, "v" + i);
    }
    Map<String, String> expected = new HashMap<>(batch);

    store.storeAll(batch);

    assertThat(batch).as("entries stored are taken off the batch").isEmpty();
    assertThat(store.loadAll(expected.keySet())).isEqualTo(expected);
    List<String> some = new ArrayList<>(List.of("k1", "k2", "k3"));
    store.deleteAll(some);
    assertThat(some).isEmpty();
    assertThat(store.keys()).hasSize(47).doesNotContain("k1", "k2", "k3");
  }

  @Test
  void when_a_batch_is_unmodifiable_then_every_entry_is_still_stored() {
    store.storeAll(Map.of("x", "1", "y", "2"));

    assertThat(store.loadAll(List.of("x", "y"))).isEqualTo(Map.of("x", "1", "y", "2"));
  }

  @Test
  void when_loading_many_then_missing_and_undecodable_entries_are_left_out() {
    store.store("good", "fine");
    store.store("bad", "corrupt bytes");

    assertThat(store.loadAll(List.of("good", "bad", "missing"))).isEqualTo(Map.of("good", "fine"));
    assertThatThrownBy(() -> store.load("bad"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("state/things/bad")
        .hasMessageContaining("does not decode");
  }

  @Test
  void when_other_blobs_share_the_store_then_only_this_prefix_is_listed() {
    blobs.put("state/thingsx/a", "other".getBytes(StandardCharsets.UTF_8));
    blobs.put("state/other/b", "other".getBytes(StandardCharsets.UTF_8));
    blobs.put("out/j1/0/stdout", "other".getBytes(StandardCharsets.UTF_8));
    store.store("mine", "1");

    assertThat(store.keys()).containsExactly("mine");
  }

  @Test
  void when_hazelcast_asks_for_all_keys_then_it_gets_none_because_loading_is_explicit() {
    store.store("a", "1");

    assertThat(store.loadAllKeys()).isEmpty();
  }
}
