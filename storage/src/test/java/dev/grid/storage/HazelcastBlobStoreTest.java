package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on two members in this JVM (blobs written through one member's store, so half the
 * traffic crosses to the other), plus what only a chunked, checksummed store does.
 */
class HazelcastBlobStoreTest extends BlobStoreContract {
  private static TestMembers members;

  @BeforeAll
  static void startMembers() {
    members = TestMembers.start(2);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> members.member(0).getCluster().getMembers().size() == 2
            && members.member(0).getPartitionService().isClusterSafe());
  }

  @AfterAll
  static void stopMembers() {
    members.close();
  }

  @Override
  protected BlobStore newStore() {
    members.member(0).getMap(HazelcastBlobStore.MANIFESTS_MAP).clear();
    members.member(0).getMap(HazelcastBlobStore.CHUNKS_MAP).clear();
    return new HazelcastBlobStore(members.member(0));
  }

  private static IMap<String, byte[]> chunks() {
    return members.member(1).getMap(HazelcastBlobStore.CHUNKS_MAP);
  }

  private static List<String> chunkKeysOf(String key) {
    return chunks().keySet().stream().filter(k -> k.startsWith(key + "@")).sorted().toList();
  }

  @Test
  void when_a_blob_is_put_then_it_is_cut_into_chunks_and_listing_shows_only_the_blob() {
    store.put("big", random(3 * CHUNK + 1, 3));

    assertThat(chunkKeysOf("big")).hasSize(4);
    assertThat(store.list("")).containsExactly("big");
  }

  @Test
  void when_a_blob_is_small_then_it_travels_in_its_manifest_and_no_chunk_is_stored() {
    byte[] small = random(HazelcastBlobStore.INLINE_LIMIT, 13);
    store.put("exit", small);
    store.put("streamed", new java.io.ByteArrayInputStream(small));
    store.put("bigger", random(HazelcastBlobStore.INLINE_LIMIT + 1, 14));

    assertThat(chunkKeysOf("exit")).isEmpty();
    assertThat(chunkKeysOf("streamed")).isEmpty();
    assertThat(store.get("streamed")).hasValueSatisfying(b -> assertThat(b).isEqualTo(small));
    assertThat(chunkKeysOf("bigger")).hasSize(1);
    try (BlobStore other = new HazelcastBlobStore(members.member(1))) {
      assertThat(other.get("exit")).hasValueSatisfying(b -> assertThat(b).isEqualTo(small));
    }
  }

  @Test
  void when_a_small_blob_replaces_a_chunked_one_then_its_chunks_are_removed() {
    store.put("k", random(2 * CHUNK, 15));
    store.put("k", utf8("state=SUCCEEDED"));

    assertThat(chunkKeysOf("k")).isEmpty();
    assertThat(store.get("k")).hasValueSatisfying(
        b -> assertThat(b).isEqualTo(utf8("state=SUCCEEDED")));
  }

  @Test
  void when_replaced_or_deleted_then_the_old_chunks_are_removed() {
    store.put("k", random(2 * CHUNK, 4));
    store.put("k", random(CHUNK + 1, 5));
    assertThat(chunkKeysOf("k")).hasSize(2);

    store.delete("k");

    assertThat(chunks().size()).isZero();
  }

  @Test
  void when_a_chunk_is_corrupted_then_reading_fails_naming_the_key_and_chunk() {
    store.put("out/j9/0/stdout", random(2 * CHUNK, 6));
    String second = chunkKeysOf("out/j9/0/stdout").get(1);
    byte[] bytes = chunks().get(second);
    bytes[100] ^= 1;
    chunks().set(second, bytes);

    assertThatThrownBy(() -> store.get("out/j9/0/stdout"))
        .isInstanceOfSatisfying(
            BlobCorruptedException.class, e -> assertThat(e.key()).isEqualTo("out/j9/0/stdout"))
        .hasMessageContaining("'out/j9/0/stdout'")
        .hasMessageContaining("chunk 1 of 2")
        .hasMessageContaining("CRC32C");
  }

  @Test
  void when_a_chunk_is_truncated_or_missing_then_reading_fails_naming_the_key() {
    store.put("cut", random(2 * CHUNK, 7));
    store.put("gone", random(2 * CHUNK, 8));
    chunks().set(chunkKeysOf("cut").get(0), new byte[10]);
    chunks().delete(chunkKeysOf("gone").get(1));

    assertThatThrownBy(() -> store.get("cut"))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'cut'")
        .hasMessageContaining("has 10 bytes");
    assertThatThrownBy(() -> store.get("gone"))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'gone'")
        .hasMessageContaining("missing");
  }

  @Test
  void when_a_manifest_is_garbage_then_opening_fails_naming_the_key() {
    store.put("m", utf8("content"));
    members.member(1).<String, byte[]>getMap(HazelcastBlobStore.MANIFESTS_MAP)
        .set("m", utf8("not a manifest"));

    assertThatThrownBy(() -> store.open("m"))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'m'");
  }

  @Test
  void when_a_blob_is_replaced_while_read_then_the_reader_is_told_not_given_a_mix()
      throws IOException {
    store.put("k", random(5 * CHUNK, 9));

    try (InputStream in = store.open("k").orElseThrow()) {
      assertThat(in.read()).isNotNegative();
      store.put("k", random(5 * CHUNK, 10));

      assertThatThrownBy(() -> in.transferTo(OutputStreamNull.INSTANCE))
          .isInstanceOf(ConcurrentModificationException.class)
          .hasMessageContaining("'k'");
    }
  }

  @Test
  void when_the_other_member_reads_then_it_sees_the_same_blobs() {
    byte[] content = random(2 * CHUNK + 3, 12);
    store.put("shared", content);

    try (BlobStore other = new HazelcastBlobStore(members.member(1))) {
      assertThat(other.get("shared")).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
      assertThat(other.list("sh")).containsExactly("shared");
    }
  }

  /** Discards what is written. */
  static final class OutputStreamNull extends java.io.OutputStream {
    static final OutputStreamNull INSTANCE = new OutputStreamNull();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
