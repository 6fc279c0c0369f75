package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link BlobStore} must do, written once and run against each implementation by a
 * subclass that says how to make a store.
 */
abstract class BlobStoreContract {
  /** The Hazelcast store's default chunk size, so sizes around it cross chunk boundaries. */
  static final int CHUNK = 256 * 1024;

  static final int FIVE_MIB = 5 * 1024 * 1024 + 7;

  /** A fresh, empty store. */
  protected abstract BlobStore newStore();

  protected BlobStore store;

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, FIVE_MIB})
  void when_a_blob_is_put_then_get_returns_it_byte_for_byte(int size) {
    byte[] content = random(size, size);

    store.put("out/j1/0/stdout", new ByteArrayInputStream(content));

    assertThat(store.get("out/j1/0/stdout"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void when_read_one_byte_at_a_time_across_a_chunk_boundary_then_bytes_and_end_are_exact()
      throws IOException {
    byte[] content = random(CHUNK + 1, 7);
    store.put("k", content);

    try (InputStream in = store.open("k").orElseThrow()) {
      for (int i = 0; i < content.length; i++) {
        assertThat(in.read()).as("byte %d", i).isEqualTo(content[i] & 0xff);
      }
      assertThat(in.read()).isEqualTo(-1);
      assertThat(in.read(new byte[10], 0, 10)).isEqualTo(-1);
    }
  }

  @Test
  void when_an_empty_blob_is_put_then_it_exists_and_is_empty() {
    store.put("empty", new byte[0]);

    assertThat(store.get("empty")).hasValueSatisfying(b -> assertThat(b).isEmpty());
    assertThat(store.list("")).containsExactly("empty");
    assertThat(store.exists("empty")).isTrue();
  }

  @Test
  void when_no_blob_has_the_key_then_open_and_get_are_empty_and_delete_is_false() {
    assertThat(store.open("nothing/here")).isEmpty();
    assertThat(store.exists("nothing/here")).isFalse();
    assertThat(store.get("nothing/here")).isEmpty();
    assertThat(store.delete("nothing/here")).isFalse();
  }

  @Test
  void when_a_key_is_put_again_then_the_new_content_replaces_the_old() {
    byte[] big = random(3 * CHUNK + 5, 1);
    byte[] small = utf8("small");
    store.put("k", big);

    store.put("k", small);
    assertThat(store.get("k")).hasValueSatisfying(b -> assertThat(b).isEqualTo(small));

    store.put("k", big);
    assertThat(store.get("k")).hasValueSatisfying(b -> assertThat(b).isEqualTo(big));
    assertThat(store.list("")).containsExactly("k");
  }

  @Test
  void when_a_blob_is_deleted_then_it_is_gone_and_others_stay() {
    store.put("a", random(CHUNK + 1, 2));
    store.put("b", utf8("b"));

    assertThat(store.delete("a")).isTrue();

    assertThat(store.open("a")).isEmpty();
    assertThat(store.exists("a")).isFalse();
    assertThat(store.delete("a")).isFalse();
    assertThat(store.list("")).containsExactly("b");
    assertThat(store.get("b")).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("b")));
  }

  @Test
  void when_listing_by_prefix_then_exactly_the_matching_keys_come_sorted() {
    List<String> keys =
        List.of(
            "out/j2/0/stdout",
            "out/j1/0/stdout",
            "out/j10/0/stdout",
            "out/j1/0/stderr",
            "outside",
            "res_a",
            "resXa",
            "res.b",
            "jars/a.jar");
    for (String key : keys) {
      store.put(key, utf8(key));
    }

    assertThat(store.list("out/j1/")).containsExactly("out/j1/0/stderr", "out/j1/0/stdout");
    assertThat(store.list("out/j1"))
        .containsExactly("out/j1/0/stderr", "out/j1/0/stdout", "out/j10/0/stdout");
    assertThat(store.list("out/"))
        .containsExactly(
            "out/j1/0/stderr", "out/j1/0/stdout", "out/j10/0/stdout", "out/j2/0/stdout");
    assertThat(store.list("res_")).as("'_' is not a wildcard").containsExactly("res_a");
    assertThat(store.list("res.")).as("'.' is not a wildcard").containsExactly("res.b");
    assertThat(store.list("out/j1/0/stdout")).containsExactly("out/j1/0/stdout");
    assertThat(store.list("absent/")).isEmpty();
    assertThat(store.list("")).isSortedAccordingTo(String::compareTo).hasSize(keys.size());
  }

  @ParameterizedTest(name = "key \"{0}\"")
  @ValueSource(strings = {"", "/abs", "trail/", "a//b", "a/../b", "..", "a b", "a@b", "é", "a#1"})
  void when_a_key_is_bad_then_every_call_refuses_it_naming_the_key(String key) {
    String named = "'" + key + "'";
    assertThatThrownBy(() -> store.put(key, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertThatThrownBy(() -> store.open(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
    assertThatThrownBy(() -> store.delete(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
  }

  @Test
  void when_a_key_or_prefix_is_null_or_too_long_then_it_is_refused() {
    String tooLong = "k".repeat(513);
    assertThatThrownBy(() -> store.put(null, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put(tooLong, utf8("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(tooLong);
    assertThatThrownBy(() -> store.list(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.list("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a b'");
    assertThatThrownBy(() -> store.list("a%")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void when_the_content_stream_fails_midway_then_the_put_fails_and_the_old_blob_stays() {
    byte[] old = utf8("old");
    store.put("k", old);
    InputStream failing = new FailingStream(2 * CHUNK + 10);

    assertThatThrownBy(() -> store.put("k", failing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("'k'");

    assertThat(store.get("k")).hasValueSatisfying(b -> assertThat(b).isEqualTo(old));
    assertThatThrownBy(() -> store.put("fresh", new FailingStream(CHUNK + 1)))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(store.open("fresh")).as("a half-written blob is invisible").isEmpty();
    assertThat(store.list("")).containsExactly("k");
  }

  @Test
  void when_many_threads_put_different_keys_then_every_blob_is_whole() throws Exception {
    int threads = 6;
    int perThread = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads, named("contract-put"));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    int size = (thread * perThread + i) * 9_001 % (CHUNK * 2);
                    store.put("c/" + thread + "/" + i, random(size, thread * 100L + i));
                  }
                }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(store.list("c/")).hasSize(threads * perThread);
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        byte[] expected = random((t * perThread + i) * 9_001 % (CHUNK * 2), t * 100L + i);
        assertThat(store.get("c/" + t + "/" + i))
            .hasValueSatisfying(b -> assertThat(b).isEqualTo(expected));
      }
    }
  }

  @Test
  void when_one_key_is_put_concurrently_then_one_whole_version_wins() throws Exception {
    List<byte[]> versions = List.of(random(2 * CHUNK + 1, 11), random(CHUNK, 12), utf8("tiny"));
    ExecutorService pool = Executors.newFixedThreadPool(versions.size(), named("contract-race"));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (byte[] version : versions) {
        futures.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 5; round++) {
                    store.put("same", version);
                  }
                }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    byte[] winner = store.get("same").orElseThrow();
    assertThat(versions).anySatisfy(v -> assertThat(winner).isEqualTo(v));
    assertThat(store.list("")).containsExactly("same");
  }

  @Test
  void when_closed_then_close_again_is_harmless_and_calls_are_refused() {
    store.close();
    store.close();

    assertThatThrownBy(() -> store.put("k", utf8("x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.open("k")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.list("")).isInstanceOf(IllegalStateException.class);
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Gives {@code failAfter} bytes, then throws, as a broken pipe or disk would. */
  static final class FailingStream extends InputStream {
    private int left;

    FailingStream(int failAfter) {
      this.left = failAfter;
    }

    @Override
    public int read() throws IOException {
      if (left == 0) {
        throw new IOException("the source broke");
      }
      left--;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        throw new IOException("the source broke");
      }
      int n = Math.min(len, left);
      Arrays.fill(b, off, off + n, (byte) 'x');
      left -= n;
      return n;
    }
  }
}
