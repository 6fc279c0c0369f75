package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.storage.BlobStore;
import dev.grid.storage.InMemoryBlobStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whether the grid holds a jar: what a submit asks, and what an upload asks. */
class JarStoreTest {
  @TempDir Path dir;

  private final InMemoryBlobStore grid = new InMemoryBlobStore();
  private final AtomicInteger lookups = new AtomicInteger();

  /** The grid's blobs, counting every lookup this node makes. */
  private final BlobStore counted =
      new ForwardingBlobStore(grid) {
        @Override
        public Optional<InputStream> open(String key) {
          lookups.incrementAndGet();
          return super.open(key);
        }
      };

  @Test
  void when_a_jar_was_seen_once_then_a_submits_check_asks_the_store_no_more() {
    byte[] jar = "jar bytes".getBytes(StandardCharsets.UTF_8);
    String sha = sha256(jar);
    grid.put(JarStore.key(sha), jar); // uploaded through another node
    JarStore store = new JarStore(counted, dir);

    assertThat(store.has(sha)).isTrue();
    assertThat(store.has(sha)).isTrue();
    assertThat(store.has(sha)).isTrue();

    assertThat(lookups).hasValue(1);
  }

  @Test
  void when_a_jar_is_missing_then_every_check_asks_again_and_sees_it_once_uploaded() {
    byte[] jar = "later".getBytes(StandardCharsets.UTF_8);
    String sha = sha256(jar);
    JarStore store = new JarStore(counted, dir);

    assertThat(store.has(sha)).isFalse();
    assertThat(store.has(sha)).isFalse();
    grid.put(JarStore.key(sha), jar);

    assertThat(store.has(sha)).isTrue();
    assertThat(lookups).hasValue(3);
  }

  @Test
  void when_every_copy_of_a_known_jar_is_lost_then_an_upload_stores_it_again() {
    byte[] jar = "lost".getBytes(StandardCharsets.UTF_8);
    String sha = sha256(jar);
    JarStore store = new JarStore(counted, dir);
    assertThat(store.store(sha, new ByteArrayInputStream(jar))).isTrue();
    assertThat(store.has(sha)).isTrue();

    grid.delete(JarStore.key(sha)); // every copy lost

    assertThat(store.inGrid(sha)).isFalse();
    assertThat(store.store(sha, new ByteArrayInputStream(jar))).isTrue();
    assertThat(grid.get(JarStore.key(sha))).hasValue(jar);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
