package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.StorageHealth;
import dev.grid.cli.GridCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees of the blob store on a three-node grid in one JVM, through the HTTP API,
 * {@link GridClient} and {@code bin/storage}: job output with its two replicas, a copy damaged on
 * one node's disk found by a verifying check, and healthy again once it is repaired.
 *
 * <p>The tests share one grid: none stops a node, each works on the output of its own jobs, and
 * each leaves the store healthy (it checks so at its end), as the next one expects.
 */
class StorageClusterTest {
  private static final Duration FAILOVER = Duration.ofSeconds(10);
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static TestGrid grid;
  private static GridClient client;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void start() {
    grid = new TestGrid(dir, 3, 2).start();
    await().atMost(FAILOVER).until(() -> grid.primaries().size() == 1);
    client = clientOf(grid.node(0));
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (grid != null) {
      grid.close();
    }
  }

  private static GridClient clientOf(GridNode node) {
    return GridClient.connect(List.of(URI.create(node.httpUrl())), TestGrid.TOKEN);
  }

  private Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env =
        Map.of("GRID_URL", grid.node(1).httpUrl(), "GRID_TOKEN", TestGrid.TOKEN);
    int code =
        GridCli.newCommandLine(env, new PrintStream(out, true), new PrintStream(err, true))
            .execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private JobId runJobWithOutput(String text) {
    JobId id = client.submit(JobSpec.shell("echo " + text + "; echo warn >&2"));
    await().atMost(JOB).until(() -> client.status(id).state() == JobState.SUCCEEDED);
    return id;
  }

  /** The file of a node's copy of a blob: {@code <data-dir>/blobs/a/b/c@} for key {@code a/b/c}. */
  private Path copyFile(String node, String key) {
    Path blobs = dir.resolve(node).resolve("blobs");
    String[] segments = key.split("/");
    Path expected = blobs;
    for (int i = 0; i < segments.length - 1; i++) {
      expected = expected.resolve(segments[i]);
    }
    Path file = expected.resolve(segments[segments.length - 1] + "@");
    try (Stream<Path> all = Files.walk(blobs)) {
      assertThat(all.filter(Files::isRegularFile).toList())
          .as("the files of node %s", node)
          .contains(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Flips one byte of the content (after the 8-byte header), as a failing disk might. */
  private static void flipFirstContentByte(Path file) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, 8);
      one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
      channel.write(one, 8);
      channel.force(true);
    }
  }

  @Test
  void when_jobs_write_output_then_ls_shows_each_key_with_two_replicas() {
    JobId first = runJobWithOutput("first");
    JobId second = runJobWithOutput("second");
    String prefix = "out/" + first.value() + "/1/";

    // the live copy of a job's output (stdout.live) is deleted a moment after the job ended
    await()
        .atMost(FAILOVER)
        .untilAsserted(
            () ->
                assertThat(client.storage().blobs(prefix).blobs())
                    .extracting(BlobInfo::key)
                    .as("what the job wrote; its end is in its record, not in a blob")
                    .containsExactly(prefix + "stderr", prefix + "stdout"));
    BlobListing listing = client.storage().blobs(prefix);

    assertThat(listing.truncated()).isFalse();
    assertThat(listing.blobs())
        .allSatisfy(
            blob -> {
              assertThat(blob.replicas())
                  .hasSize(2)
                  .doesNotHaveDuplicates()
                  .allSatisfy(node -> assertThat(node).isIn("n1", "n2", "n3"));
              assertThat(blob.sha256()).hasSize(64);
              assertThat(blob.version()).isEqualTo(1);
            });
    assertThat(listing.blobs().get(1).size()).isEqualTo("first\n".length());
    assertThat(client.storage().blobs("out/", 3).truncated())
        .as("4 output blobs or more, 3 shown")
        .isTrue();

    Result ls = cli("storage", "ls", "out/" + second.value() + "/");
    assertThat(ls.code()).isZero();
    BlobInfo stdout = client.storage().blobs("out/" + second.value() + "/1/stdout").blobs().get(0);
    assertThat(ls.out())
        .contains(
            "KEY",
            "REPLICAS",
            "out/" + second.value() + "/1/stdout",
            String.join(",", stdout.replicas()));

    Result check = cli("storage", "check");
    assertThat(check.code()).isZero();
    assertThat(check.out()).startsWith("3 nodes, R=2, ").endsWith(": healthy\n");
  }

  @Test
  void when_a_copy_is_corrupted_on_disk_then_a_verifying_check_names_it_and_a_read_repairs_it()
      throws IOException {
    JobId id = runJobWithOutput("precious");
    String key = "out/" + id.value() + "/1/stdout";
    BlobInfo blob = client.storage().blobs(key).blobs().get(0);
    String damaged = blob.replicas().get(0);
    assertThat(client.storage().check(true).healthy()).isTrue();

    flipFirstContentByte(copyFile(damaged, key));

    StorageHealth found = client.storage().check(true);
    assertThat(found.healthy()).isFalse();
    assertThat(found.verified()).isTrue();
    assertThat(found.problems())
        .anySatisfy(
            p -> {
              assertThat(p.kind()).isEqualTo("CORRUPT");
              assertThat(p.key()).isEqualTo(key);
              assertThat(p.node()).isEqualTo(damaged);
            });
    assertThat(client.storage().check(false).healthy())
        .as("without --verify the copy's checksums are not recomputed")
        .isTrue();
    Result check = cli("storage", "check", "--verify");
    assertThat(check.code()).isEqualTo(1);
    assertThat(check.out()).contains("checksums verified", "CORRUPT", key, damaged);

    // Reading through the node that holds the damaged copy reads it first: the read answers
    // from the other replica and copies it again onto that node.
    try (GridClient viaDamaged = clientOf(grid.byName(damaged))) {
      assertThat(new String(viaDamaged.stdout(id), StandardCharsets.UTF_8)).isEqualTo("precious\n");
    }
    await()
        .atMost(JOB)
        .untilAsserted(
            () -> {
              Result healthy = cli("storage", "check", "--verify");
              assertThat(healthy.code()).as(healthy.out()).isZero();
              assertThat(healthy.out())
                  .contains(", checksums verified: healthy\n")
                  .containsPattern(
                      "\nlast scrub: n1 [0-9-]+ [0-9:.]+, n2 [0-9-]+ [0-9:.]+, n3 .*\n$");
            });
    assertThat(client.storage().blobs(key).blobs().get(0).replicas()).contains(damaged);
  }

  @Test
  void when_a_verifying_check_has_found_a_damaged_copy_then_repair_replaces_it_without_a_read()
      throws IOException {
    JobId id = runJobWithOutput("fragile");
    String key = "out/" + id.value() + "/1/stdout";
    String damaged = client.storage().blobs(key).blobs().get(0).replicas().get(1);
    Path file = copyFile(damaged, key);
    byte[] good = Files.readAllBytes(file);
    flipFirstContentByte(file);
    assertThat(cli("storage", "check", "--verify").code()).isEqualTo(1);

    Result repair = cli("storage", "repair");

    assertThat(repair.code()).as(repair.err()).isZero();
    assertThat(repair.out()).contains(" 1 damaged copy replaced, ");
    assertThat(Files.readAllBytes(file)).isEqualTo(good);
    Result check = cli("storage", "check", "--verify");
    assertThat(check.code()).as(check.out()).isZero();
  }

  @Test
  void when_a_copy_file_is_lost_then_check_reports_the_blob_under_replicated_and_repair_copies_it()
      throws IOException {
    JobId id = runJobWithOutput("again");
    String key = "out/" + id.value() + "/1/stdout";
    String holder = client.storage().blobs(key).blobs().get(0).replicas().get(1);

    Files.delete(copyFile(holder, key));

    StorageHealth found = client.storage().check(false);
    assertThat(found.problems())
        .anySatisfy(
            p -> {
              assertThat(p.kind()).isEqualTo("UNDER_REPLICATED");
              assertThat(p.key()).isEqualTo(key);
            });
    Result repair = cli("storage", "repair");
    assertThat(repair.code()).as(repair.err()).isZero();
    assertThat(repair.out()).startsWith("repair: 1 copy made, ");
    Result check = cli("storage", "check", "--verify");
    assertThat(check.code()).as(check.out()).isZero();
    assertThat(client.storage().blobs(key).blobs().get(0).replicas()).hasSize(2);
  }
}
