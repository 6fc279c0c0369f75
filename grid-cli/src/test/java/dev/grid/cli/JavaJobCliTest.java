package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import dev.grid.api.internal.ResultCodec;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code submit --jar --class}, {@code result} and the status RESULT line, over a fake node. */
class JavaJobCliTest {
  private static final String TOKEN = "cli-token";
  private static final Duration PATIENCE = Duration.ofSeconds(5);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final ExecutorService background =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "test-cli"));
  private HttpApi api;
  private Map<String, String> env;
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env = Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", TOKEN);
  }

  @AfterEach
  void stop() throws InterruptedException {
    background.shutdownNow();
    background.awaitTermination(5, TimeUnit.SECONDS);
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
  void when_a_jar_is_submitted_twice_then_it_is_uploaded_once_and_both_jobs_name_it()
      throws IOException {
    Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
    Result first =
        run(
            "submit",
            "--jar",
            jar.toString(),
            "--class",
            "com.example.Pi",
            "--timeout",
            "1m",
            "--",
            "1000",
            "a b");
    Result second =
        run("submit", "--jar", jar.toString(), "--class", "com.example.Pi", "--isolated");

    assertThat(first.code()).isZero();
    assertThat(second.code()).isZero();
    assertThat(ops.jarPuts()).isEqualTo(1);
    JobSpec spec = ops.submitted().get(0);
    assertThat(spec.java().jarSha256())
        .isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
    assertThat(spec.java().className()).isEqualTo("com.example.Pi");
    assertThat(spec.java().args()).containsExactly("1000", "a b");
    assertThat(spec.timeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(spec.java().isolated()).isFalse();
    assertThat(ops.submitted().get(1).java().isolated()).isTrue();
  }

  @Test
  void when_java_options_are_incomplete_or_mixed_then_a_usage_error_and_no_upload()
      throws IOException {
    Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
    assertThat(run("submit", "--jar", jar.toString()).err()).contains("--jar needs --class");
    assertThat(run("submit", "--class", "a.B").err()).contains("--class needs --jar");
    assertThat(run("submit", "--jar", jar.toString(), "--class", "a.B", "--env", "A=1").err())
        .contains("--env and --workdir do not apply");
    assertThat(run("submit", "--jar", dir.resolve("none.jar").toString(), "--class", "a.B").err())
        .contains("none.jar' not found");
    assertThat(run("submit", "--jar", jar.toString(), "--class", "a..B").err()).contains("'a..B'");
    assertThat(run("submit", "--isolated", "--", "true").err()).contains("--isolated is for Java");
    assertThat(ops.jarPuts()).isZero();
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_java_job_is_waited_for_then_its_result_is_printed_and_the_exit_code_is_0()
      throws Exception {
    Path jar = Files.write(dir.resolve("app.jar"), new byte[] {4, 5});
    Future<Result> waiting =
        background.submit(
            () -> run("submit", "--wait", "--jar", jar.toString(), "--class", "com.example.Pi"));
    await().atMost(PATIENCE).until(() -> ops.submitted().size() == 1);
    JobId id = ops.jobs(Optional.empty()).get(0).id();
    ops.result(id, ResultCodec.encode(3.14, List.of()));
    ops.finish(
        id,
        JobState.SUCCEEDED,
        null,
        "returned",
        "log\n".getBytes(StandardCharsets.UTF_8),
        new byte[0]);

    Result result = waiting.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(result.code()).isZero();
    assertThat(result.out()).isEqualTo("log\ntext of " + id + "\n");
  }

  @Test
  void when_result_and_status_are_asked_then_the_text_is_shown_or_why_not() {
    JobId java = ops.submit(JobSpec.java("ab".repeat(32), "com.example.Pi"));
    ops.result(java, ResultCodec.encode(3.14, List.of()));
    ops.finish(java, JobState.SUCCEEDED, null, "returned", new byte[0], new byte[0]);
    JobId shell = ops.submit(JobSpec.shell("true"));

    assertThat(run("result", java.value()).out()).isEqualTo("text of " + java + "\n");
    assertThat(run("status", java.value()).out()).containsPattern("RESULT +text of " + java);
    Result none = run("result", shell.value());
    assertThat(none.code()).isNotZero();
    assertThat(none.err()).startsWith("error: ").contains("has no result");
    assertThat(run("status", shell.value()).out()).doesNotContain("RESULT");
  }

  @Test
  void when_result_json_is_asked_then_it_holds_the_id_and_the_text() {
    JobId java = ops.submit(JobSpec.java("ab".repeat(32), "com.example.Pi"));
    ops.result(java, ResultCodec.encode(3.14, List.of()));
    ops.finish(java, JobState.SUCCEEDED, null, "returned", new byte[0], new byte[0]);

    Result result = run("result", java.value(), "--json");

    assertThat(result.code()).isZero();
    JsonNode json = Json.readTree(result.out().getBytes(StandardCharsets.UTF_8));
    assertThat(json.get("id").asText()).isEqualTo(java.value());
    assertThat(json.get("result").asText()).isEqualTo("text of " + java);
  }
}
