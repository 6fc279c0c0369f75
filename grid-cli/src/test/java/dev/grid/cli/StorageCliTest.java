package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.BlobInfo;
import dev.grid.api.StorageHealth;
import dev.grid.api.internal.Json;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code bin/storage} against a real HttpApi over the fake node: output and exit codes. */
class StorageCliTest {
  private static final String TOKEN = "cli-token";
  private static final String SHA = "0f".repeat(32);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private HttpApi api;
  private Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env = Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", TOKEN);
    ops.addBlob(new BlobInfo("out/j1/1/stdout", 5_200_000, SHA, List.of("n2", "n1"), 3));
    ops.addBlob(new BlobInfo("out/j1/1/exit", 2, SHA, List.of("n1", "n3"), 1));
    ops.addBlob(new BlobInfo("out/j2/1/stdout", 12, SHA, List.of("n1", "n2"), 1));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        GridCli.newCommandLine(env, new PrintStream(out, true), new PrintStream(err, true))
            .execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void when_blobs_are_listed_then_a_table_shows_key_size_replicas_and_version() {
    Result result = run("storage", "ls", "out/j1/");

    assertThat(result.err()).isEmpty();
    assertThat(result.code()).isZero();
    assertThat(result.out())
        .isEqualTo(
            """
        KEY              SIZE    REPLICAS  VERSION
        out/j1/1/exit    2 B     n1,n3     1
        out/j1/1/stdout  5.2 MB  n2,n1     3
        """);
  }

  @Test
  void when_more_blobs_match_than_the_limit_then_stderr_says_the_list_is_cut() {
    Result result = run("storage", "ls", "--limit", "2");

    assertThat(result.code()).isZero();
    assertThat(result.out().lines()).hasSize(3);
    assertThat(result.err()).contains("only the first 2 blobs", "longer prefix");
  }

  @Test
  void when_blobs_are_listed_as_json_then_every_field_is_there() {
    Result result = run("storage", "ls", "out/j2/", "--json");

    assertThat(result.code()).isZero();
    JsonNode listing = Json.readTree(result.out().getBytes(StandardCharsets.UTF_8));
    assertThat(listing.get("truncated").asBoolean()).isFalse();
    JsonNode blob = listing.get("blobs").get(0);
    assertThat(blob.get("key").asText()).isEqualTo("out/j2/1/stdout");
    assertThat(blob.get("sha256").asText()).isEqualTo(SHA);
    assertThat(blob.get("replicas").toString()).isEqualTo("[\"n1\",\"n2\"]");
  }

  @Test
  void when_the_limit_is_refused_by_the_grid_then_one_error_line_names_it() {
    Result result = run("storage", "ls", "--limit", "0");

    assertThat(result.code()).isEqualTo(GridCli.ERROR);
    assertThat(result.err()).startsWith("error: ").contains("limit '0'");
  }

  @Test
  void when_the_store_is_healthy_then_check_prints_one_line_and_exits_0() {
    ops.health(
        new StorageHealth(List.of("n1", "n2", "n3"), 2, 120, 5_200_000, false, true, List.of()));

    Result result = run("storage", "check");

    assertThat(result.code()).isZero();
    assertThat(result.out()).isEqualTo("3 nodes, R=2, 120 blobs, 5.2 MB: healthy\n");
    assertThat(ops.checks()).containsExactly(false);
  }

  @Test
  void when_nodes_have_scrubbed_then_check_says_when_each_did() {
    long at = java.time.Instant.parse("2026-12-07T10:00:00Z").toEpochMilli();
    ops.health(
        new StorageHealth(
            List.of("n1", "n2"), 2, 1, 10, false, true, List.of(), java.util.Map.of("n1", at)));

    Result result = run("storage", "check");

    assertThat(result.code()).isZero();
    assertThat(result.out())
        .startsWith("2 nodes, R=2, 1 blob, 10 B: healthy\nlast scrub: n1 ")
        .endsWith(", n2 not since it started\n")
        .contains(StatusCommand.time(at));
  }

  @Test
  void when_check_finds_problems_then_it_prints_them_and_exits_1() {
    ops.health(
        new StorageHealth(
            List.of("n1", "n2"),
            2,
            3,
            1500,
            true,
            false,
            List.of(
                new StorageHealth.Problem("out/j1/1/stdout", "n2", "CORRUPT", "chunk 0 is damaged"),
                new StorageHealth.Problem(
                    "out/j2/1/stdout", null, "UNDER_REPLICATED", "1 of 2 copies"))));

    Result result = run("storage", "check", "--verify");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.out())
        .isEqualTo(
            """
        2 nodes, R=2, 3 blobs, 1.5 kB, checksums verified: 2 problems
        KIND              KEY              NODE  DETAIL
        CORRUPT           out/j1/1/stdout  n2    chunk 0 is damaged
        UNDER_REPLICATED  out/j2/1/stdout  -     1 of 2 copies
        """);
    assertThat(ops.checks()).containsExactly(true);
  }

  @Test
  void when_check_prints_json_then_the_exit_code_still_says_whether_it_is_healthy() {
    ops.health(
        new StorageHealth(
            List.of("n1"),
            1,
            1,
            1,
            false,
            false,
            List.of(new StorageHealth.Problem("k", null, "LOST", "no copy"))));

    Result result = run("storage", "check", "--json");

    assertThat(result.code()).isEqualTo(1);
    JsonNode health = Json.readTree(result.out().getBytes(StandardCharsets.UTF_8));
    assertThat(health.get("problems").get(0).get("kind").asText()).isEqualTo("LOST");
  }

  @Test
  void when_the_grid_cannot_be_reached_then_check_exits_3_not_1() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Result result = run("storage", "check", "--url", "http://127.0.0.1:" + closedPort);

    assertThat(result.code()).isEqualTo(StorageCheckCommand.FAILED);
    assertThat(result.err()).startsWith("error: ");
  }

  @Test
  void when_the_token_is_refused_then_check_exits_3_and_ls_exits_1() {
    env = Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", "wrong");

    assertThat(run("storage", "check").code()).isEqualTo(StorageCheckCommand.FAILED);
    assertThat(run("storage", "ls").code()).isEqualTo(GridCli.ERROR);
  }

  @Test
  void when_repair_runs_then_it_prints_what_the_pass_did() {
    Result result = run("storage", "repair");

    assertThat(result.code()).isZero();
    assertThat(result.out())
        .isEqualTo(
            "repair: 1 copy made, 2 records written, 3 copies dropped, 4 damaged copies"
                + " replaced, 0 lost\n");
    assertThat(ops.repairs()).isEqualTo(1);
  }

  @Test
  void when_an_option_is_unknown_then_usage_error_2() {
    assertThat(run("storage", "check", "--verfy").code()).isEqualTo(GridCli.USAGE);
  }

  @Test
  void sizes_read_as_a_person_reads_them() {
    assertThat(StorageCommand.size(0)).isEqualTo("0 B");
    assertThat(StorageCommand.size(999)).isEqualTo("999 B");
    assertThat(StorageCommand.size(1000)).isEqualTo("1.0 kB");
    assertThat(StorageCommand.size(999_999)).isEqualTo("1.0 MB");
    assertThat(StorageCommand.size(5_200_000)).isEqualTo("5.2 MB");
    assertThat(StorageCommand.size(Long.MAX_VALUE)).isEqualTo("9.2 EB");
  }
}
