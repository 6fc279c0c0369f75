package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large put pushes the second copy while it writes the first: what happens when the stream breaks
 * on either side. The put ends with two copies (the second pulled from another node) or fails with
 * a clear error, and no node keeps a half-written temp file. Three members in this JVM, killed as a
 * crash would.
 */
class LargePutFailureTest {
  private static final Duration EVENTUALLY = Duration.ofSeconds(30);
  private static final int MIB = 1024 * 1024;
  private static final String KEY = "out/j7/0/stdout";

  @TempDir Path dataDirs;
  private TestMembers members;
  private final List<ReplicatedBlobStore> stores = new ArrayList<>();

  @BeforeEach
  void start() {
    members = TestMembers.start(3);
    await()
        .atMost(EVENTUALLY)
        .until(
            () ->
                members.member(0).getCluster().getMembers().size() == 3
                    && members.member(0).getPartitionService().isClusterSafe());
    // A short copy timeout: it is also how long a receiver waits for a silent sender.
    ReplicationSettings settings =
        ReplicationSettings.defaults(3)
            .withIntervals(Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ZERO)
            .withRestoreWait(Duration.ofSeconds(20))
            .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(2));
    for (int i = 0; i < 3; i++) {
      stores.add(
          ReplicatedBlobStore.start(
              members.member(i),
              TestMembers.name(i),
              new LocalDiskStore(dataDirs.resolve(TestMembers.name(i))),
              settings,
              Clock.systemUTC()));
    }
    stores.forEach(s -> assertThat(s.awaitRestored(EVENTUALLY)).isTrue());
  }

  @AfterEach
  void stop() {
    stores.forEach(
        s -> {
          if (s != null) {
            s.close();
          }
        });
    members.close();
  }

  @Test
  void when_the_pushed_to_node_dies_mid_stream_then_the_put_ends_with_a_pulled_second_copy() {
    int target = pushTarget();
    int third = 3 - target;
    byte[] content = random(6 * MIB, 1);

    store(0).put(KEY, after(content, 2 * MIB, () -> crash(target)));

    BlobMeta meta = store(0).blobs(KEY).get(0);
    assertThat(meta.replicas()).containsExactly("m0", TestMembers.name(third));
    assertThat(store(third).disk().describe(KEY))
        .hasValueSatisfying(b -> assertThat(b.sha256()).isEqualTo(meta.sha256()));
    assertThat(store(third).disk().verify(KEY)).isEmpty();
    assertThat(store(third).get(KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void when_the_content_fails_mid_stream_then_the_put_fails_and_no_node_keeps_a_temp_file() {
    int target = pushTarget();
    InputStream broken =
        after(
            random(6 * MIB, 2),
            3 * MIB,
            () -> {
              assertThat(tempFiles(target)).as("the copy being pushed to m%d", target).isNotEmpty();
              throw new IOException("the job's output file went away");
            });

    assertThatThrownBy(() -> store(0).put(KEY, broken))
        .hasMessageContaining("the job's output file went away");

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              for (int i = 0; i < 3; i++) {
                assertThat(tempFiles(i)).as("temp files of m%d", i).isEmpty();
                assertThat(store(i).receiver().openSessions()).isZero();
              }
            });
    assertThat(store(1).list("out/")).isEmpty();
  }

  @Test
  void when_the_writer_dies_mid_stream_then_the_receiver_deletes_its_temp_file() {
    int target = pushTarget();
    InputStream dying =
        after(
            random(6 * MIB, 3),
            3 * MIB,
            () -> {
              assertThat(tempFiles(target)).isNotEmpty();
              members.kill(0);
            });

    assertThatThrownBy(() -> store(0).put(KEY, dying)).isInstanceOf(RuntimeException.class);

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              assertThat(tempFiles(target)).isEmpty();
              assertThat(store(target).receiver().openSessions()).isZero();
            });
    assertThat(store(target).disk().describe(KEY)).isEmpty();
  }

  @Test
  void when_the_writer_stalls_past_the_timeout_then_the_receiver_gives_up_and_the_put_pulls()
      throws InterruptedException {
    int target = pushTarget();
    byte[] content = random(4 * MIB, 4);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread put =
        new Thread(
            () -> {
              try {
                store(0).put(KEY, after(content, 2 * MIB, () -> awaitQuietly(resume)));
              } catch (Throwable e) {
                failed.set(e);
              }
            },
            "test-stalled-put");
    put.start();

    await().atMost(EVENTUALLY).until(() -> !tempFiles(target).isEmpty());
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              assertThat(tempFiles(target)).isEmpty();
              assertThat(store(target).receiver().openSessions()).isZero();
            });
    resume.countDown();
    put.join(EVENTUALLY.toMillis());

    assertThat(put.isAlive()).isFalse();
    assertThat(failed.get()).isNull();
    BlobMeta meta = store(1).blobs(KEY).get(0);
    assertThat(meta.replicas()).hasSize(2).first().isEqualTo("m0");
    for (String holder : meta.replicas()) {
      int index = Integer.parseInt(holder.substring(1));
      assertThat(store(index).disk().verify(KEY)).as("copy on %s", holder).isEmpty();
    }
    assertThat(store(2).get(KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void when_a_stream_brings_a_wrong_token_then_it_is_refused_and_the_session_still_takes_its_own()
      throws IOException {
    BlobReceiver receiver = store(1).receiver();
    BlobReceiver.PushTicket ticket = receiver.open("s-1", KEY, "m0");
    byte[] wrong = ticket.token().clone();
    wrong[0] ^= 1;

    try (Socket stranger = new Socket(ticket.host(), ticket.port())) {
      BlobStreamServer.writeHeader(stranger.getOutputStream(), "s-1", wrong);
      stranger.setSoTimeout((int) EVENTUALLY.toMillis());
      assertThat(stranger.getInputStream().read()).as("the refused stream is closed").isEqualTo(-1);
    }
    byte[] content = random(3000, 5);
    try (Socket sender = new Socket(ticket.host(), ticket.port())) {
      DataOutputStream out = new DataOutputStream(sender.getOutputStream());
      BlobStreamServer.writeHeader(out, "s-1", ticket.token());
      out.writeInt(content.length);
      out.writeInt(DiskBlobFormat.crc32c(content, content.length));
      out.write(content);
      out.writeInt(0);
      out.flush();
      StoredBlob stored =
          receiver.finish("s-1", 1, content.length, ReplicatedBlobStore.sha256(content));
      assertThat(stored.size()).isEqualTo(content.length);
    }

    assertThat(store(1).disk().get(KEY)).hasValue(content);
    assertThat(store(1).disk().verify(KEY)).isEmpty();
  }

  /** The member m0's put pushes its second copy of {@link #KEY} to. */
  private static int pushTarget() {
    String name = Placement.replicas(KEY, List.of("m1", "m2"), 2).get(0);
    return Integer.parseInt(name.substring(1));
  }

  private ReplicatedBlobStore store(int index) {
    return stores.get(index);
  }

  private void crash(int index) {
    members.kill(index);
    stores.get(index).close();
    stores.set(index, null);
  }

  /** The '@tmp-' files in member {@code index}'s blob directory. */
  private List<Path> tempFiles(int index) throws IOException {
    Path root = dataDirs.resolve(TestMembers.name(index)).resolve("blobs");
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(DiskPaths::isTemp).toList();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** The content, running {@code action} once when {@code at} bytes of it have been read. */
  private static InputStream after(byte[] content, int at, Action action) {
    return new FilterInputStream(new ByteArrayInputStream(content)) {
      private int read;
      private boolean done;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (!done && read >= at) {
          done = true;
          try {
            action.run();
          } catch (IOException | RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        int n = super.read(b, off, read < at ? Math.min(len, at - read) : len);
        if (n > 0) {
          read += n;
        }
        return n;
      }
    };
  }

  private interface Action {
    void run() throws Exception;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(EVENTUALLY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
