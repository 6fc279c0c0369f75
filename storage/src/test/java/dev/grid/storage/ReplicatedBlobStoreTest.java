package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import dev.grid.storage.StorageReport.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the replicated store does across nodes: where copies go, repair after a node is lost, read
 * repair of a damaged copy, the scrub, delete with a node away, the operator's report, and the
 * metadata rebuilt from the disks after every node restarts. Three members in this JVM, killed as a
 * crash would (no goodbye).
 */
class ReplicatedBlobStoreTest {
  private static final Duration EVENTUALLY = Duration.ofSeconds(30);

  /**
   * How long a store that must wait for more nodes is watched not to call itself restored: five of
   * its restore ticks (one each 200 ms, the first at once), so a store that did not wait would have
   * restored by then.
   */
  private static final Duration NOT_RESTORED = Duration.ofSeconds(1);

  private static final int MIB = 1024 * 1024;

  @TempDir Path dataDirs;
  private TestMembers members;
  private final List<ReplicatedBlobStore> stores = new ArrayList<>(List.of());

  @BeforeEach
  void start() {
    members = TestMembers.start(3);
    await()
        .atMost(EVENTUALLY)
        .until(
            () ->
                members.member(0).getCluster().getMembers().size() == 3
                    && members.member(0).getPartitionService().isClusterSafe());
    for (int i = 0; i < 3; i++) {
      stores.add(open(i, settings()));
    }
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

  private static ReplicationSettings settings() {
    return ReplicationSettings.defaults(3)
        .withIntervals(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ZERO)
        .withRestoreWait(Duration.ofSeconds(20))
        .withInFlightGrace(Duration.ofSeconds(3)); // the tests' puts take well under a second
  }

  private ReplicatedBlobStore open(int member, ReplicationSettings settings) {
    return open(member, settings, 0);
  }

  private ReplicatedBlobStore open(int member, ReplicationSettings settings, int streamPort) {
    return ReplicatedBlobStore.start(
        members.member(member),
        TestMembers.name(member),
        new LocalDiskStore(dataDirs.resolve(TestMembers.name(member))),
        settings,
        Clock.systemUTC(),
        streamPort);
  }

  private ReplicatedBlobStore store(int member) {
    return stores.get(member);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Crashes the member holding the key's second copy (store 0 holds the first); its index. */
  private int crashSecondHolder(String key) {
    int index = Integer.parseInt(store(0).blobs(key).get(0).replicas().get(1).substring(1));
    crash(index);
    return index;
  }

  /** Crashes the members still up, then starts all three again: a full restart of the grid. */
  private void restartAllAfterCrashing(int alreadyDown) {
    for (int i = 0; i < 3; i++) {
      if (i != alreadyDown) {
        crash(i);
      }
    }
    for (int i = 0; i < 3; i++) {
      members.restart(i);
      stores.set(i, open(i, settings()));
    }
  }

  /** The members whose disks hold a copy of the key. */
  private Set<String> holders(String key) {
    Set<String> holders = new HashSet<>();
    for (int i = 0; i < stores.size(); i++) {
      ReplicatedBlobStore s = stores.get(i);
      if (s != null
          && members.member(i).getLifecycleService().isRunning()
          && s.disk().describe(key).isPresent()) {
        holders.add(TestMembers.name(i));
      }
    }
    return holders;
  }

  @Test
  void when_a_blob_is_put_then_two_disks_hold_it_the_writer_first_and_the_metadata_names_them() {
    store(1).put("out/j1/0/stdout", random(3 * MIB + 5, 1));
    store(1).put("out/j1/0/exit", "0".getBytes());

    for (String key : List.of("out/j1/0/stdout", "out/j1/0/exit")) {
      BlobMeta meta = store(0).blobs(key).get(0);
      assertThat(meta.replicas()).hasSize(2).first().isEqualTo("m1");
      assertThat(holders(key)).isEqualTo(new HashSet<>(meta.replicas()));
    }
    assertThat(store(2).list("out/j1/")).containsExactly("out/j1/0/exit", "out/j1/0/stdout");
  }

  @Test
  void when_a_node_without_a_copy_reads_then_it_streams_the_blob_from_a_replica() {
    byte[] content = random(5 * MIB + 3, 2);
    store(0).put("big", content);
    int reader = 0;
    for (int i = 1; i < 3; i++) {
      if (!holders("big").contains(TestMembers.name(i))) {
        reader = i;
      }
    }
    assertThat(reader).as("a member without a copy").isNotZero();

    assertThat(store(reader).get("big")).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void when_a_node_is_killed_then_its_blobs_are_copied_again_until_two_copies_exist() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String key = "out/j" + i + "/0/stdout";
      store(i % 3).put(key, random(1000 + i * 7000, i));
      keys.add(key);
    }
    assertThat(keys).anyMatch(k -> holders(k).contains("m2"));

    crash(2);

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              for (String key : keys) {
                assertThat(holders(key)).as(key).containsExactlyInAnyOrder("m0", "m1");
                assertThat(store(0).blobs(key).get(0).replicas())
                    .as(key)
                    .containsExactlyInAnyOrder("m0", "m1");
              }
            });
    for (int i = 0; i < keys.size(); i++) {
      byte[] expected = random(1000 + i * 7000, i);
      assertThat(store(1).get(keys.get(i)))
          .as(keys.get(i))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(expected));
    }
    assertThat(store(0).check(true).healthy()).isTrue();
  }

  @Test
  void when_a_copy_is_damaged_on_disk_then_the_read_is_still_right_and_the_copy_is_repaired()
      throws IOException {
    byte[] content = random(3 * MIB + 11, 3);
    store(0).put("out/j7/0/stdout", content);
    corrupt(0, "out/j7/0/stdout", 2 * MIB + 100);
    assertThat(store(0).disk().verify("out/j7/0/stdout")).isPresent();

    assertThat(store(0).get("out/j7/0/stdout"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(store(0).disk().verify("out/j7/0/stdout")).isEmpty());
    assertThat(store(0).check(true).healthy()).isTrue();
  }

  @Test
  void when_a_damaged_copy_is_found_while_its_key_is_busy_then_it_is_copied_again_once_free()
      throws IOException {
    // No repair pass in this test's time: only the read's own recopy can replace the copy.
    for (int i = 0; i < 3; i++) {
      stores.get(i).close();
      stores.set(
          i,
          open(
              i,
              settings().withIntervals(Duration.ofHours(1), Duration.ofHours(1), Duration.ZERO)));
    }
    byte[] content = random(300_000, 21);
    store(0).put("out/j21/0/stdout", content);
    corrupt(0, "out/j21/0/stdout", 100_000);
    IMap<String, BlobMeta> meta = members.member(1).getMap(ReplicatedBlobStore.META_MAP);
    meta.lock("out/j21/0/stdout"); // as a repair pass re-replicating a killed node's blobs would
    try {
      assertThat(store(0).get("out/j21/0/stdout"))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
      await()
          .during(Duration.ofSeconds(1))
          .atMost(EVENTUALLY)
          .untilAsserted(() -> assertThat(store(0).disk().verify("out/j21/0/stdout")).isPresent());
    } finally {
      meta.unlock("out/j21/0/stdout");
    }

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(store(0).disk().verify("out/j21/0/stdout")).isEmpty());
  }

  @Test
  void when_the_scrub_finds_a_damaged_copy_then_it_is_copied_again_from_a_good_one()
      throws IOException {
    stores.get(1).close();
    ReplicationSettings scrubbing =
        settings()
            .withIntervals(Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(300));
    stores.set(1, open(1, scrubbing));
    store(1).put("results/r1", random(200_000, 4));
    corrupt(1, "results/r1", 5000);

    StorageReport report = store(2).check(true);
    assertThat(report.problems(Kind.CORRUPT))
        .singleElement()
        .satisfies(p -> assertThat(p.key()).isEqualTo("results/r1"))
        .satisfies(p -> assertThat(p.node()).isEqualTo("m1"));
    assertThat(report.problems(Kind.UNDER_REPLICATED))
        .extracting(StorageReport.Problem::key)
        .containsExactly("results/r1");

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(store(1).disk().verify("results/r1")).isEmpty());
    assertThat(store(2).check(true).healthy()).isTrue();
  }

  @Test
  void when_a_blob_is_deleted_while_a_holder_is_away_then_its_copy_does_not_come_back() {
    store(0).put("out/j9/0/stdout", random(1000, 5));
    int awayIndex = crashSecondHolder("out/j9/0/stdout");
    String away = TestMembers.name(awayIndex);

    assertThat(store(0).delete("out/j9/0/stdout")).isTrue();
    assertThat(store(0).open("out/j9/0/stdout")).isEmpty();
    members.restart(awayIndex);
    stores.set(awayIndex, open(awayIndex, settings()));
    assertThat(holders("out/j9/0/stdout")).containsExactly(away);

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(holders("out/j9/0/stdout")).isEmpty());
    assertThat(store(0).list("out/")).isEmpty();
  }

  @Test
  void when_a_blob_is_deleted_while_a_holder_is_away_then_it_stays_deleted_after_a_full_restart() {
    store(0).put("state/schedules/nightly", random(300, 13));
    store(0).put("state/schedules/kept", random(300, 14));
    int awayIndex = crashSecondHolder("state/schedules/nightly");
    assertThat(store(0).delete("state/schedules/nightly")).isTrue();
    restartAllAfterCrashing(awayIndex);

    assertThat(store(0).awaitRestored(EVENTUALLY)).isTrue();
    assertThat(store(0).list("state/")).containsExactly("state/schedules/kept");
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(holders("state/schedules/nightly")).isEmpty());
    assertThat(store(1).check(false).healthy()).isTrue();
  }

  @Test
  void when_repair_moved_a_blob_off_an_away_holder_then_a_delete_still_outlives_a_full_restart() {
    store(0).put("state/schedules/hourly", random(300, 16));
    int awayIndex = crashSecondHolder("state/schedules/hourly");
    String away = TestMembers.name(awayIndex);
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              store(0).repairNow();
              BlobMeta moved = store(0).blobs("state/schedules/hourly").get(0);
              assertThat(moved.replicas()).hasSize(2).doesNotContain(away);
              assertThat(moved.strays()).containsExactly(away);
            });
    assertThat(store(0).delete("state/schedules/hourly")).isTrue();
    restartAllAfterCrashing(awayIndex);

    assertThat(store(0).awaitRestored(EVENTUALLY)).isTrue();
    assertThat(store(0).list("state/")).isEmpty();
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(holders("state/schedules/hourly")).isEmpty());
  }

  @Test
  void when_a_key_is_put_again_after_a_delete_with_a_holder_away_then_the_new_content_stays() {
    store(0).put("out/j5/0/stdout", random(300, 15));
    int awayIndex = crashSecondHolder("out/j5/0/stdout");
    store(0).delete("out/j5/0/stdout");
    store(0).put("out/j5/0/stdout", random(300, 15)); // the same bytes again

    members.restart(awayIndex);
    stores.set(awayIndex, open(awayIndex, settings()));
    store(0).repairNow();

    assertThat(store(0).get("out/j5/0/stdout"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(300, 15)));
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(store(0).check(false).healthy()).isTrue());
  }

  @Test
  void when_a_key_is_reserved_for_tombstones_then_a_put_is_refused() {
    assertThatThrownBy(() -> store(0).put("_deleted/x", random(1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("_deleted/x");
  }

  /**
   * Runs {@code round} until 40 blobs were written meanwhile by {@code write} (called with 1, 2,
   * ... on a thread of its own), at least 10 rounds and at most 200, or until {@code found} holds
   * something; returns how many blobs were written.
   */
  private static int whileWriting(IntConsumer write, IntConsumer round, List<?> found)
      throws InterruptedException {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              while (writing.get()) {
                write.accept(written.incrementAndGet());
              }
            });
    writer.start();
    // Rounds until at least 10 ran and 40 blobs were written meanwhile, bounded in time rather than
    // in rounds: on a loaded machine a round can be much quicker than a replicated write.
    long deadline = System.nanoTime() + EVENTUALLY.toNanos();
    try {
      for (int i = 0;
          (i < 10 || written.get() < 40) && System.nanoTime() < deadline && found.isEmpty();
          i++) {
        round.accept(i);
      }
    } finally {
      writing.set(false);
      writer.join();
    }
    return written.get();
  }

  @Test
  void when_blobs_are_written_during_a_repair_pass_then_none_is_called_lost() throws Exception {
    // A pass reads the nodes' inventories and the metadata; a put landing between the two reads
    // must not look like metadata without a copy.
    List<Plan.Action> lost = new ArrayList<>();
    int written =
        whileWriting(
            n -> store(n % 2).put("state/jobs/w" + n, random(300, n)),
            pass ->
                store(2).repairNow().plan().actions().stream()
                    .filter(a -> a instanceof Plan.Lost)
                    .forEach(lost::add),
            lost);
    assertThat(lost).isEmpty();
    assertThat(written).as("blobs written during the passes").isGreaterThanOrEqualTo(40);
  }

  @Test
  void when_blobs_are_put_and_deleted_during_a_verifying_check_then_it_reports_none_of_them()
      throws Exception {
    // A check reads the metadata, the nodes' inventories and their verified copies; a put or a
    // delete landing meanwhile is neither lost, under-replicated, stale nor unrecorded.
    for (int i = 0; i < 3; i++) {
      assertThat(store(i).awaitRestored(EVENTUALLY)).isTrue();
    }
    List<StorageReport.Problem> problems = new ArrayList<>();
    int written =
        whileWriting(
            n -> {
              store(n % 2).put("state/jobs/c" + n, random(300, n));
              if (n % 3 == 0) {
                store(2).delete("state/jobs/c" + (n - 1));
              }
            },
            check -> problems.addAll(store(check % 3).check(true).problems()),
            problems);
    assertThat(problems).isEmpty();
    assertThat(written).as("blobs written during the checks").isGreaterThanOrEqualTo(40);
  }

  @Test
  void when_a_blob_is_replaced_then_no_copy_of_the_old_content_stays() {
    store(0).put("state/jobs/j1", random(500, 6));
    store(1).put("state/jobs/j1", random(700, 7));

    store(2).repairNow();

    BlobMeta meta = store(2).blobs("state/jobs/j1").get(0);
    assertThat(meta.version()).isEqualTo(2);
    assertThat(holders("state/jobs/j1")).isEqualTo(new HashSet<>(meta.replicas()));
    assertThat(store(2).get("state/jobs/j1"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(700, 7)));
    assertThat(store(2).check(false).healthy()).isTrue();
  }

  @Test
  void when_every_node_restarts_with_its_disk_then_every_blob_comes_back_byte_for_byte() {
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      contents.add(random(i == 0 ? 2 * MIB + 1 : 100 * i, 100 + i));
      store(i % 3).put("out/j" + i + "/0/stdout", contents.get(i));
    }
    for (int i = 0; i < 3; i++) {
      crash(i);
    }

    for (int i = 0; i < 3; i++) {
      members.restart(i);
      stores.set(i, open(i, settings()));
    }

    assertThat(store(0).awaitRestored(EVENTUALLY)).isTrue();
    for (int i = 0; i < 12; i++) {
      byte[] expected = contents.get(i);
      assertThat(store(i % 3).get("out/j" + i + "/0/stdout"))
          .as("blob %d", i)
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(expected));
    }
    StorageReport report = store(1).check(false);
    assertThat(report.blobs()).isEqualTo(12);
    assertThat(report.problems()).isEmpty();
  }

  @Test
  void when_a_cluster_starts_then_it_is_not_restored_until_the_expected_nodes_have_reported() {
    stores.forEach(ReplicatedBlobStore::close);
    stores.clear();
    members.close();
    members = TestMembers.start(1);
    ReplicationSettings waitForThree = settings().withRestoreWait(Duration.ofMinutes(5));
    stores.add(open(0, waitForThree));

    assertThat(store(0).awaitRestored(NOT_RESTORED)).isFalse();
  }

  @Test
  void when_a_node_is_alone_then_it_keeps_one_copy_and_gives_the_second_to_the_next_that_joins() {
    stores.forEach(ReplicatedBlobStore::close);
    stores.clear();
    members.close();
    members = TestMembers.start(1);
    stores.add(open(0, settings()));
    store(0).put("out/j1/0/stdout", random(300_000, 8));
    store(0).put("out/j1/0/exit", random(10, 9));
    assertThat(holders("out/j1/0/stdout")).containsExactly("m0");

    stores.add(null);
    stores.add(null);
    for (int i = 1; i < 3; i++) {
      members.add(i);
      stores.set(i, open(i, settings()));
    }

    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              assertThat(holders("out/j1/0/stdout")).hasSize(2).contains("m0");
              assertThat(holders("out/j1/0/exit")).hasSize(2).contains("m0");
            });
    assertThat(store(2).get("out/j1/0/stdout"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(300_000, 8)));
  }

  @Test
  void when_the_node_that_missed_an_update_restarts_first_then_the_newer_content_wins() {
    String key = "state/jobs/j1";
    store(0).put(key, random(500, 10));
    int awayIndex = crashSecondHolder(key);
    String away = TestMembers.name(awayIndex);
    await().atMost(EVENTUALLY).until(() -> !store(0).blobs(key).get(0).replicas().contains(away));
    store(0).put(key, random(500, 11)); // the update the away node misses
    for (int i = 0; i < 3; i++) {
      if (i != awayIndex) {
        crash(i);
      }
    }

    members.restart(awayIndex); // the node that was away starts first, alone for a while
    stores.set(awayIndex, open(awayIndex, settings()));
    assertThat(store(awayIndex).awaitRestored(NOT_RESTORED)).isFalse();
    for (int i = 0; i < 3; i++) {
      if (i != awayIndex) {
        members.restart(i);
        stores.set(i, open(i, settings()));
      }
    }

    assertThat(store(0).awaitRestored(EVENTUALLY)).isTrue();
    assertThat(store(0).get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(random(500, 11)));
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(() -> assertThat(store(0).check(true).healthy()).isTrue());
    assertThat(store(awayIndex).get(key))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(500, 11)));
  }

  @Test
  void
      when_the_node_that_gets_a_copy_holds_an_older_version_of_another_size_then_repair_copies_it() {
    String key = "state/jobs/j2";
    store(0).put(key, random(500, 20));
    List<String> replicas = store(0).blobs(key).get(0).replicas();
    int holder = Integer.parseInt(replicas.get(1).substring(1));
    int other = 3 - holder; // the node without a copy: it holds an older, shorter version
    store(other).disk().put(key, new ByteArrayInputStream(random(100, 21)));

    crash(holder);

    // The copy to the other node must read the 500 bytes of the version the metadata names, not
    // the 100 of the version it held (a job's record grows): each pass that read those failed.
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              assertThat(store(other).disk().get(key))
                  .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(500, 20)));
              assertThat(store(0).blobs(key).get(0).replicas())
                  .containsExactlyInAnyOrder("m0", TestMembers.name(other));
            });
  }

  @Test
  void when_the_last_node_up_writes_alone_then_its_content_wins_over_older_copies_on_more_disks() {
    String key = "state/jobs/j2";
    store(0).put(key, random(500, 20));
    List<String> oldHolders = store(0).blobs(key).get(0).replicas();
    int lone = 0;
    while (oldHolders.contains(TestMembers.name(lone))) {
      lone++;
    }
    // The holders of the old content stop cleanly, one after the other, as in a grid's stop.
    for (String holder : oldHolders) {
      int index = Integer.parseInt(holder.substring(1));
      stores.get(index).close();
      stores.set(index, null);
      members.member(index).shutdown();
    }
    int last = lone;
    await()
        .atMost(EVENTUALLY)
        .until(() -> members.member(last).getCluster().getMembers().size() == 1);
    store(lone).put(key, random(500, 21)); // the only copy: one node is left
    crash(lone);

    for (int i = 0; i < 3; i++) {
      members.restart(i);
      stores.set(i, open(i, settings()));
    }

    assertThat(store(0).awaitRestored(EVENTUALLY)).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(store(i).get(key))
          .as("read on m%d", i)
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(random(500, 21)));
    }
  }

  @Test
  void when_a_copy_has_a_damaged_trailer_then_repair_replaces_it() throws IOException {
    store(0).put("out/j1/0/stdout", random(1000, 12));
    String other = store(0).blobs("out/j1/0/stdout").get(0).replicas().get(1);
    int otherIndex = Integer.parseInt(other.substring(1));
    Path file = new DiskPaths(store(otherIndex).disk().root()).fileOf("out/j1/0/stdout");
    corrupt(otherIndex, "out/j1/0/stdout", Files.size(file) - DiskBlobFormat.FOOTER - 5);

    // A pass may find the key locked by the periodic pass busy with it; the next one fixes it.
    await()
        .atMost(EVENTUALLY)
        .untilAsserted(
            () -> {
              store(0).repairNow();
              assertThat(store(otherIndex).disk().verify("out/j1/0/stdout")).isEmpty();
            });
    assertThat(store(0).check(true).healthy()).isTrue();
  }

  /**
   * Kills the member as a crash would, and lets go of its disk (a new process would). First the
   * store the members formed is restored: a node lost before its report would leave the restore,
   * and repair with it, waiting out the whole restore wait (20 s here), which is a grid's start and
   * not what these tests are about.
   */
  private void crash(int index) {
    for (int i = 0; i < stores.size(); i++) {
      if (i != index
          && stores.get(i) != null
          && members.member(i).getLifecycleService().isRunning()) {
        assertThat(stores.get(i).awaitRestored(EVENTUALLY))
            .as("restored before m%d is lost", index)
            .isTrue();
        break;
      }
    }
    members.kill(index);
    stores.get(index).close();
    stores.set(index, null);
  }

  /** Flips one byte of member {@code index}'s copy of the key, at that offset in its file. */
  private void corrupt(int index, String key, long offset) throws IOException {
    Path file = new DiskPaths(store(index).disk().root()).fileOf(key);
    assertThat(Files.exists(file)).as("copy of %s on m%d", key, index).isTrue();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0xff);
    }
  }

  @Test
  void when_strangers_hold_idle_connections_to_the_stream_port_then_a_copy_still_streams_in()
      throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int node = 1; node < 3; node++) {
        InetSocketAddress port = store(node).receiver().streams().address();
        for (int i = 0; i < 20; i++) { // more than the streams a node takes at once
          idle.add(new Socket(port.getAddress(), port.getPort()));
        }
      }
      long before = streamed();
      store(0).put("idle/a", random(3 * MIB, 7));
      int copiesElsewhere = store(0).blobs("idle/a").get(0).replicas().size() - 1;
      assertThat(copiesElsewhere).isPositive();
      // Counted just after the stream's end woke the put: a moment later than the put returns.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(streamed() - before)
                      .as("copies streamed in")
                      .isEqualTo(copiesElsewhere));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> idle.stream().allMatch(ReplicatedBlobStoreTest::closedByPeer));
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void when_a_blob_port_is_given_then_copies_are_pushed_to_it_and_a_taken_one_fails_the_start()
      throws Exception {
    store(2).close();
    InetAddress address =
        members.member(2).getCluster().getLocalMember().getAddress().getInetAddress();
    int port;
    try (ServerSocket taken = new ServerSocket(0, 1, address)) {
      port = taken.getLocalPort();
      assertThatThrownBy(() -> open(2, settings(), taken.getLocalPort()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(address.getHostAddress() + ":" + port)
          .hasMessageContaining("pick another --blob-port");
    }
    stores.set(2, open(2, settings(), port)); // free again now
    assertThat(store(2).receiver().streams().address().getPort()).isEqualTo(port);

    String onThird = null;
    for (int i = 0; i < 40 && onThird == null; i++) {
      String key = "port/" + i;
      store(0).put(key, random(3 * MIB, i)); // large enough to be pushed as a stream
      if (store(0).blobs(key).get(0).replicas().contains(TestMembers.name(2))) {
        onThird = key;
      }
    }
    assertThat(onThird).as("a blob with a copy on the third node").isNotNull();
    await().atMost(EVENTUALLY).until(() -> store(2).receiver().streams().streamed() > 0);
  }

  @Test
  void when_a_verifying_check_has_reread_every_disk_then_a_check_says_when_each_node_scrubbed() {
    for (int i = 0; i < 3; i++) {
      assertThat(store(i).awaitRestored(EVENTUALLY)).isTrue();
    }
    store(0).put("state/jobs/s1", random(300, 1));
    assertThat(store(1).check(false).lastScrubMillis())
        .as("no node has scrubbed since it started (scrubs are off in these tests)")
        .isEmpty();
    long before = System.currentTimeMillis();

    store(1).check(true); // every node re-reads every copy

    Map<String, Long> last = store(2).check(false).lastScrubMillis();
    assertThat(last)
        .containsOnlyKeys(TestMembers.name(0), TestMembers.name(1), TestMembers.name(2));
    assertThat(last.values()).allMatch(at -> at >= before && at <= System.currentTimeMillis());
  }

  private long streamed() {
    return stores.stream().mapToLong(s -> s.receiver().streams().streamed()).sum();
  }

  /** Whether the other side has closed the connection (a read sees its end). */
  private static boolean closedByPeer(Socket s) {
    try {
      s.setSoTimeout(50);
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
