package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large blobs stream through a bounded heap, and a put cut short mid-stream leaves nothing. */
class LocalDiskStoreStreamingTest {
  private static final int MIB = 1024 * 1024;

  @TempDir Path dataDir;

  /**
   * Counts the bytes this thread allocates while 50 MiB go in and out: a store that held the blob,
   * or a fresh buffer per chunk, would allocate at least 50 MiB; streaming through reused buffers
   * stays at a few chunks.
   */
  @Test
  void when_a_50_mib_blob_is_put_and_read_then_it_streams_through_a_bounded_heap()
      throws IOException {
    long size = 50L * MIB + 123;
    try (LocalDiskStore store = new LocalDiskStore(dataDir)) {
      GeneratedStream source = new GeneratedStream(size, 42);
      byte[] readBuffer = new byte[64 * 1024];
      MessageDigest readDigest = sha256();
      long allocatedBefore = allocatedByThisThread();

      StoredBlob stored = store.write("out/big/0/stdout", source);
      long read = 0;
      try (InputStream in = store.open("out/big/0/stdout").orElseThrow()) {
        for (int n; (n = in.read(readBuffer)) > 0; ) {
          readDigest.update(readBuffer, 0, n);
          read += n;
        }
      }

      long allocated = allocatedByThisThread() - allocatedBefore;
      String written = HexFormat.of().formatHex(source.digest.digest());
      assertThat(read).isEqualTo(size);
      assertThat(stored).isEqualTo(new StoredBlob("out/big/0/stdout", size, written));
      assertThat(HexFormat.of().formatHex(readDigest.digest())).isEqualTo(written);
      assertThat(allocated).as("bytes allocated for 50 MiB in and out").isLessThan(8L * MIB);
      assertThat(store.verify("out/big/0/stdout")).isEmpty();
    }
  }

  @Test
  void when_a_put_is_cut_short_then_a_copy_of_the_disk_at_that_moment_shows_no_blob()
      throws Exception {
    Path crashed = dataDir.resolve("crashed");
    Path live = dataDir.resolve("live");
    ExecutorService writer =
        Executors.newSingleThreadExecutor(BlobStoreContract.named("test-writer"));
    CountDownLatch resume = new CountDownLatch(1);
    try (LocalDiskStore store = new LocalDiskStore(live, 1024)) {
      store.put("out/j1/0/stdout", BlobStoreContract.utf8("old"));
      Future<?> put =
          writer.submit(
              () -> store.put("out/j1/0/stdout", new PausingStream(10_000, 5_000, resume)));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  tempFiles(store.root()).size() == 1
                      && Files.size(tempFiles(store.root()).get(0)) >= 4_000);

      copyTree(store.root(), crashed.resolve("blobs")); // what the disk held at the crash
      resume.countDown();
      put.get(10, TimeUnit.SECONDS);
      assertThat(store.get("out/j1/0/stdout"))
          .hasValueSatisfying(b -> assertThat(b).hasSize(10_000));
    } finally {
      resume.countDown();
      writer.shutdownNow();
    }

    assertThat(tempFiles(crashed.resolve("blobs"))).hasSize(1);
    try (LocalDiskStore restarted = new LocalDiskStore(crashed, 1024)) {
      assertThat(restarted.list("")).containsExactly("out/j1/0/stdout");
      assertThat(restarted.get("out/j1/0/stdout"))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(BlobStoreContract.utf8("old")));
      assertThat(tempFiles(restarted.root())).as("swept on open").isEmpty();
      assertThat(restarted.scrub()).isEmpty();
    }
  }

  private static List<Path> tempFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(DiskPaths::isTemp).toList();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static long allocatedByThisThread() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code size} pseudo-random bytes made on the fly (nothing held), digested as handed out. */
  static final class GeneratedStream extends InputStream {
    final MessageDigest digest = sha256();
    private long left;
    private long state;

    GeneratedStream(long size, long seed) {
      this.left = size;
      this.state = seed | 1;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      for (int i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
        b[off + i] = (byte) state;
      }
      digest.update(b, off, n);
      left -= n;
      return n;
    }
  }

  /** Gives {@code pauseAt} bytes, waits for the latch, then gives the rest up to {@code size}. */
  static final class PausingStream extends InputStream {
    private final CountDownLatch resume;
    private final int pauseAt;
    private int left;

    PausingStream(int size, int pauseAt, CountDownLatch resume) {
      this.left = size;
      this.pauseAt = pauseAt;
      this.resume = resume;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int given = 10_000 - left;
      if (given == pauseAt) {
        try {
          if (!resume.await(30, TimeUnit.SECONDS)) {
            throw new IOException("the test never resumed the put");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new IOException("interrupted", e));
        }
      }
      int n = Math.min(len, given < pauseAt ? pauseAt - given : left);
      Arrays.fill(b, off, off + n, (byte) 'y');
      left -= n;
      return n;
    }
  }
}
