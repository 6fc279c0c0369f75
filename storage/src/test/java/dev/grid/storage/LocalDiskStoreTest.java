package dev.grid.storage;

import static dev.grid.storage.BlobStoreContract.random;
import static dev.grid.storage.BlobStoreContract.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a store on one disk does: survive a restart, sweep crashes, find rot, inventory. */
class LocalDiskStoreTest {
  private static final int CHUNK = 1024;

  @TempDir Path dataDir;
  private LocalDiskStore store;

  @BeforeEach
  void openStore() {
    store = new LocalDiskStore(dataDir, CHUNK);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private LocalDiskStore reopen() {
    store.close();
    store = new LocalDiskStore(dataDir, CHUNK);
    return store;
  }

  private Path fileOf(String key) {
    return new DiskPaths(store.root()).fileOf(key);
  }

  @Test
  void when_reopened_on_the_same_directory_then_every_blob_is_there_byte_for_byte() {
    Map<String, byte[]> written = new LinkedHashMap<>();
    written.put("out/j1/0/stdout", random(3 * CHUNK + 17, 1));
    written.put("out/j1/0/stderr", new byte[0]);
    written.put("out/j1/0", random(CHUNK, 2));
    written.put("res/j1/exit", utf8("0"));
    written.put("jars/app-1.0.jar", random(10 * CHUNK, 3));
    written.forEach(store::put);
    store.put("res/j1/exit", utf8("1")); // replaced before the restart
    written.put("res/j1/exit", utf8("1"));

    reopen();

    assertThat(store.list(""))
        .containsExactlyElementsOf(written.keySet().stream().sorted().toList());
    written.forEach(
        (key, content) ->
            assertThat(store.get(key))
                .as(key)
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(content)));
    assertThat(store.scrub()).isEmpty();
  }

  @Test
  void when_a_second_store_opens_the_same_directory_then_it_is_refused_until_the_first_closes() {
    assertThatThrownBy(() -> new LocalDiskStore(dataDir, CHUNK))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(store.root().toString())
        .hasMessageContaining("in use");

    store.put("k", utf8("v"));
    reopen();
    assertThat(store.get("k")).hasValueSatisfying(b -> assertThat(b).isEqualTo(utf8("v")));
  }

  @Test
  void when_a_temp_file_is_left_then_it_is_invisible_and_swept_on_open() throws IOException {
    store.put("out/j1/0/stdout", utf8("kept"));
    Path leftOver = fileOf("out/j2/0/stdout").resolveSibling(DiskPaths.TEMP_PREFIX + "crashed");
    Files.createDirectories(leftOver.getParent());
    Files.write(leftOver, random(2 * CHUNK, 4));
    Path atRoot = store.root().resolve(DiskPaths.TEMP_PREFIX + "other");
    Files.write(atRoot, random(10, 5));

    assertThat(store.list("")).containsExactly("out/j1/0/stdout");
    assertThat(store.inventory()).extracting(StoredBlob::key).containsExactly("out/j1/0/stdout");
    assertThat(store.open("out/j2/0/stdout")).isEmpty();

    reopen();

    assertThat(leftOver).doesNotExist();
    assertThat(atRoot).doesNotExist();
    assertThat(store.root().resolve("out").resolve("j2")).as("emptied directory").doesNotExist();
    assertThat(store.get("out/j1/0/stdout"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(utf8("kept")));
  }

  @Test
  void
      when_one_byte_of_a_chunk_is_flipped_then_open_fails_naming_key_and_chunk_and_scrub_reports_it()
          throws IOException {
    String key = "out/j9/0/stdout";
    store.put(key, random(3 * CHUNK, 6));
    store.put("out/j9/0/stderr", random(3 * CHUNK, 7));
    flipByte(fileOf(key), DiskBlobFormat.HEADER + CHUNK + 100);

    assertThatThrownBy(() -> store.get(key))
        .isInstanceOfSatisfying(
            BlobCorruptedException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining("chunk 1 of 3")
        .hasMessageContaining("CRC32C");
    try (InputStream in = store.open(key).orElseThrow()) {
      assertThat(in.readNBytes(CHUNK)).as("chunk 0 is intact").hasSize(CHUNK);
      assertThatThrownBy(in::read).isInstanceOf(BlobCorruptedException.class);
      assertThatThrownBy(in::read).as("stays failed").isInstanceOf(BlobCorruptedException.class);
    }
    assertThat(store.scrub())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.key()).isEqualTo(key);
              assertThat(c.problem()).contains("[1] of 3").contains("CRC32C");
            });
    assertThat(store.verify(key)).isPresent();
    assertThat(store.verify("out/j9/0/stderr")).isEmpty();
  }

  @Test
  void when_the_trailer_is_damaged_or_the_file_cut_then_open_fails_and_scrub_and_inventory_see_it()
      throws IOException {
    store.put("trailer", random(2 * CHUNK, 8));
    store.put("cut", random(2 * CHUNK, 9));
    store.put("fine", random(2 * CHUNK, 10));
    Path trailer = fileOf("trailer");
    flipByte(trailer, Files.size(trailer) - DiskBlobFormat.FOOTER - 5);
    try (FileChannel file = FileChannel.open(fileOf("cut"), StandardOpenOption.WRITE)) {
      file.truncate(DiskBlobFormat.HEADER + CHUNK);
    }

    assertThatThrownBy(() -> store.open("trailer"))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'trailer'");
    assertThatThrownBy(() -> store.open("cut"))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'cut'");
    assertThat(store.scrub()).extracting(Corruption::key).containsExactly("cut", "trailer");
    assertThat(store.inventory()).extracting(StoredBlob::key).containsExactly("fine");
    assertThat(store.list("")).containsExactly("cut", "fine", "trailer");
  }

  @Test
  void when_keys_have_many_segments_and_odd_characters_then_each_is_its_own_blob_inside_the_root()
      throws IOException {
    List<String> keys =
        List.of(
            "a",
            "a/b",
            "a/./b",
            "a/.",
            ".",
            "a.b/c",
            "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p",
            "x:y/z.z/-_/w",
            "-/_/:/.x",
            ".hidden/.x.",
            "s".repeat(200),
            "s".repeat(200) + "/t",
            "s".repeat(201),
            "s".repeat(200) + "./u",
            "L".repeat(300) + "/" + "M".repeat(211),
            "k".repeat(512));
    for (String key : keys) {
      store.put(key, utf8("content of " + key));
    }
    assertThatThrownBy(() -> store.put("a/../b", utf8("escape")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put("../x", utf8("escape")))
        .isInstanceOf(IllegalArgumentException.class);

    reopen();

    assertThat(store.list("")).containsExactlyElementsOf(keys.stream().sorted().toList());
    for (String key : keys) {
      assertThat(store.get(key))
          .as(key)
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(utf8("content of " + key)));
    }
    assertThat(store.list("a/.")).containsExactly("a/.", "a/./b");
    assertThat(store.list("s".repeat(200) + ".")).containsExactly("s".repeat(200) + "./u");
    assertThat(store.list("../")).isEmpty();
    assertThat(store.list("..")).isEmpty();
    try (Stream<Path> files = Files.walk(dataDir)) {
      assertThat(files.filter(Files::isRegularFile))
          .allSatisfy(f -> assertThat(f).startsWith(store.root()))
          .allSatisfy(f -> assertThat(f.getFileName().toString().length()).isLessThan(256));
    }
    for (String key : keys) {
      assertThat(store.delete(key)).as(key).isTrue();
    }
    try (Stream<Path> left = Files.list(store.root())) {
      assertThat(left)
          .as("deletes prune emptied directories")
          .extracting(p -> p.getFileName().toString())
          .containsExactly(DiskPaths.LOCK_NAME);
    }
  }

  @Test
  void when_files_not_of_the_store_lie_in_its_directory_then_they_are_passed_over()
      throws IOException {
    store.put("k", utf8("v"));
    Files.write(store.root().resolve("notes txt@"), utf8("not a blob"));
    Files.write(store.root().resolve("README"), utf8("not a blob"));
    Files.write(store.root().resolve("odd@name@"), utf8("not a blob"));
    Files.createDirectories(store.root().resolve("x y"));
    Files.write(store.root().resolve("x y").resolve("z@"), utf8("not a blob"));

    assertThat(store.list("")).containsExactly("k");
    assertThat(store.inventory()).extracting(StoredBlob::key).containsExactly("k");
    assertThat(store.scrub()).isEmpty();
    assertThat(reopen().list("")).containsExactly("k");
  }

  @Test
  void when_puts_and_deletes_race_in_one_directory_then_none_fails_and_pruning_never_loses_a_put()
      throws Exception {
    int threads = 3;
    ExecutorService pool = Executors.newFixedThreadPool(threads, BlobStoreContract.named("race"));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String key = "d/e/f/" + t;
        futures.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 150; round++) {
                    byte[] content = utf8(key + round);
                    store.put(key, content);
                    assertThat(store.get(key))
                        .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
                    assertThat(store.delete(key)).isTrue();
                  }
                  store.put(key, utf8("last"));
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(store.list("d/")).containsExactly("d/e/f/0", "d/e/f/1", "d/e/f/2");
    assertThat(store.inventory()).hasSize(threads);
  }

  @Test
  void when_reads_of_mixed_sizes_take_whole_chunks_and_parts_then_the_bytes_come_in_order()
      throws IOException {
    byte[] content = random(5 * CHUNK + 7, 21);
    store.put("mixed", content);
    int[] sizes = {1, 3 * CHUNK, CHUNK - 1, CHUNK, 2 * CHUNK};
    for (long offset : new long[] {0, 1, CHUNK}) {
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      try (InputStream in = store.openFrom("mixed", offset).orElseThrow().content()) {
        byte[] buffer = new byte[3 * CHUNK];
        for (int i = 0, n; (n = in.read(buffer, 0, sizes[i % sizes.length])) >= 0; i++) {
          read.write(buffer, 0, n);
        }
      }
      assertThat(read.toByteArray())
          .as("from offset %d", offset)
          .isEqualTo(Arrays.copyOfRange(content, (int) offset, content.length));
    }
  }

  @Test
  void when_asked_for_the_inventory_then_it_lists_exactly_what_is_on_disk_from_the_trailers()
      throws IOException {
    byte[] one = random(2 * CHUNK + 1, 11);
    byte[] two = new byte[0];
    byte[] three = utf8("three");
    store.put("out/1", one);
    store.put("out/2", two);
    store.put("res/3", random(5, 12));
    store.put("res/3", three);
    store.put("gone", utf8("gone"));
    store.delete("gone");
    Files.write(store.root().resolve(DiskPaths.TEMP_PREFIX + "half"), random(100, 13));

    assertThat(store.inventory())
        .containsExactly(
            new StoredBlob("out/1", one.length, sha256(one)),
            new StoredBlob("out/2", 0, sha256(two)),
            new StoredBlob("res/3", three.length, sha256(three)));
    assertThat(store.describe("out/1")).contains(new StoredBlob("out/1", one.length, sha256(one)));
    assertThat(store.describe("gone")).isEmpty();
    assertThat(reopen().inventory())
        .extracting(StoredBlob::key)
        .containsExactly("out/1", "out/2", "res/3");
  }

  @Test
  void when_a_copy_does_not_have_the_expected_checksum_then_nothing_is_stored() {
    byte[] good = random(3 * CHUNK, 14);
    byte[] bad = good.clone();
    bad[CHUNK] ^= 1;
    store.put("replica", utf8("old"));

    assertThatThrownBy(() -> store.write("replica", new ByteArrayInputStream(bad), sha256(good)))
        .isInstanceOf(BlobCorruptedException.class)
        .hasMessageContaining("'replica'")
        .hasMessageContaining(sha256(good));
    assertThat(store.get("replica")).hasValueSatisfying(b -> assertThat(b).isEqualTo(utf8("old")));

    assertThatThrownBy(() -> store.write("replica", new ByteArrayInputStream(good), "ABC"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'ABC'");

    StoredBlob stored = store.write("replica", new ByteArrayInputStream(good), sha256(good));
    assertThat(stored).isEqualTo(new StoredBlob("replica", good.length, sha256(good)));
    assertThat(store.get("replica")).hasValueSatisfying(b -> assertThat(b).isEqualTo(good));
  }

  @Test
  void when_a_blob_is_replaced_or_deleted_while_read_then_the_reader_finishes_the_old_one_whole()
      throws IOException {
    byte[] old = random(5 * CHUNK, 15);
    store.put("k", old);
    store.put("d", old);

    try (InputStream replaced = store.open("k").orElseThrow();
        InputStream deleted = store.open("d").orElseThrow()) {
      assertThat(replaced.read()).isEqualTo(old[0] & 0xff);
      store.put("k", random(5 * CHUNK, 16));
      store.delete("d");

      assertThat(replaced.readAllBytes()).isEqualTo(Arrays.copyOfRange(old, 1, old.length));
      assertThat(deleted.readAllBytes()).isEqualTo(old);
    }
    assertThat(store.get("k"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(5 * CHUNK, 16)));
  }

  @Test
  void when_a_blob_is_missing_then_verify_says_so_and_describe_is_empty() {
    assertThat(store.verify("none"))
        .hasValueSatisfying(
            c -> {
              assertThat(c.key()).isEqualTo("none");
              assertThat(c.problem()).contains("no blob");
            });
    assertThat(store.describe("none")).isEmpty();
  }

  @Test
  void when_closed_then_disk_calls_are_refused_too() {
    store.close();

    assertThatThrownBy(() -> store.inventory()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.scrub()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.verify("k")).isInstanceOf(IllegalStateException.class);
  }

  static void flipByte(Path file, long position) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, position);
      one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
      channel.write(one, position);
    }
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
