package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.Scheduling;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
import picocli.CommandLine;

class GridCliTest {
  private static final String TOKEN = "cli-token";
  private static final Duration PATIENCE = Duration.ofSeconds(5);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final ExecutorService background =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "test-cli"));
  private HttpApi api;
  private Map<String, String> env;

  record Result(int code, byte[] rawOut, String err) {
    String out() {
      return new String(rawOut, StandardCharsets.UTF_8);
    }
  }

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env = new HashMap<>(Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", TOKEN));
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
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void every_commands_help_renders_without_a_picocli_warning() {
    // picocli warns on System.err when a help text holds a % it cannot format (like "%N").
    PrintStream before = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    List<String> helped = new ArrayList<>();
    try {
      System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
      Deque<CommandLine> pending =
          new ArrayDeque<>(List.of(GridCli.newCommandLine(env, System.out, System.err)));
      while (!pending.isEmpty()) {
        CommandLine command = pending.pop();
        assertThat(command.getUsageMessage()).isNotBlank();
        helped.add(command.getCommandName());
        pending.addAll(command.getSubcommands().values());
      }
    } finally {
      System.setErr(before);
    }
    assertThat(helped).contains("submit", "status", "add", "check");
    assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }

  private static void assertOneLineError(Result result, String... fragments) {
    assertThat(result.code()).isNotZero();
    assertThat(result.err()).startsWith("error: ").endsWith("\n");
    for (String fragment : fragments) {
      assertThat(result.err()).contains(fragment);
    }
    assertThat(result.err().strip()).doesNotContain("\n").doesNotContain("\tat ");
  }

  @Test
  void when_a_command_is_submitted_then_only_its_id_is_printed() {
    Result result =
        run(
            "submit",
            "--timeout",
            "30s",
            "--retries",
            "3",
            "--env",
            "A=1",
            "--workdir",
            "/tmp",
            "--",
            "printf",
            "%s\n",
            "a 'b' $c");

    assertThat(result.code()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(ops.submitted()).hasSize(1);
    JobSpec spec = ops.submitted().get(0);
    assertThat(result.out()).isEqualTo(ops.jobs(Optional.empty()).get(0).id() + "\n");
    assertThat(spec.argv()).containsExactly("printf", "%s\n", "a 'b' $c");
    assertThat(spec.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(spec.maxRetries()).isEqualTo(3);
    assertThat(spec.env()).containsEntry("A", "1");
    assertThat(spec.workDir()).isEqualTo("/tmp");
  }

  @Test
  void when_an_array_with_dependencies_is_submitted_then_it_is_one_spec_with_both() {
    Result result =
        run(
            "submit",
            "--array",
            "0-999%50",
            "--after",
            "ja,jb",
            "--after-any",
            "jc",
            "--shell",
            "echo $GRID_ARRAY_INDEX");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(ops.submitted()).hasSize(1);
    JobSpec spec = ops.submitted().get(0);
    assertThat(spec.array()).isEqualTo(ArraySpec.parse("0-999%50"));
    assertThat(spec.after().ok()).containsExactly(JobId.of("ja"), JobId.of("jb"));
    assertThat(spec.after().any()).containsExactly(JobId.of("jc"));
  }

  @Test
  void when_an_array_is_bad_then_submit_says_which_part_and_sends_nothing() {
    Result result = run("submit", "--array", "0-99%x", "--", "true");

    assertThat(result.code()).isNotZero();
    assertThat(result.err()).contains("'%x'");
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_command_follows_without_dashes_then_its_options_stay_its_own() {
    Result result = run("submit", "ls", "-l", "--wait");

    assertThat(result.code()).isZero();
    assertThat(ops.submitted().get(0).argv()).containsExactly("ls", "-l", "--wait");
  }

  @Test
  void when_a_shell_line_is_submitted_then_it_is_sent_as_shell() {
    assertThat(run("submit", "--shell", "echo hi | wc -c", "--timeout", "PT1M").code()).isZero();
    assertThat(ops.submitted().get(0).shell()).isEqualTo("echo hi | wc -c");
    assertThat(ops.submitted().get(0).timeout()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void when_submit_waits_then_it_prints_the_output_and_exits_with_the_jobs_code() throws Exception {
    Future<Result> waiting = background.submit(() -> run("submit", "--wait", "--", "make", "test"));
    await().atMost(PATIENCE).until(() -> ops.submitted().size() == 1);
    JobId id = ops.jobs(Optional.empty()).get(0).id();

    byte[] output = {'o', 'k', 0, (byte) 0xff, '\n'};
    ops.finish(id, JobState.FAILED, 3, "exit 3", output, "boom\n".getBytes(StandardCharsets.UTF_8));
    Result result = waiting.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(result.code()).isEqualTo(3);
    assertThat(result.rawOut()).containsExactly(output);
    assertThat(result.err()).isEqualTo("boom\n");
  }

  @Test
  void when_a_waited_job_times_out_then_exit_124_with_a_reason() throws Exception {
    Future<Result> waiting = background.submit(() -> run("submit", "--wait", "--shell", "sleep 9"));
    await().atMost(PATIENCE).until(() -> ops.submitted().size() == 1);
    JobId id = ops.jobs(Optional.empty()).get(0).id();

    ops.finish(
        id, JobState.TIMED_OUT, null, "ran past its timeout of PT1S", new byte[0], new byte[0]);
    Result result = waiting.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(result.code()).isEqualTo(SubmitCommand.EXIT_TIMED_OUT);
    assertOneLineError(result, id.value(), "TIMED_OUT", "timeout");
  }

  @Test
  void when_status_watches_a_job_then_each_change_is_a_line_and_it_exits_with_the_jobs_code()
      throws Exception {
    JobId id = ops.submit(JobSpec.shell("make test"));
    Future<Result> watching = background.submit(() -> run("status", id.value(), "--watch"));
    await().atMost(PATIENCE).until(() -> ops.statusCalls() >= 1);
    ops.start(id);
    ops.finish(id, JobState.FAILED, 3, "exit 3", new byte[0], new byte[0]);

    Result result = watching.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(result.code()).isEqualTo(3);
    assertThat(result.out().lines().map(line -> line.replaceFirst("^\\S+ \\S+ ", "")))
        .containsExactly("QUEUED", "RUNNING node n1 attempt 1", "FAILED node n1 attempt 1: exit 3");
    assertThat(result.err()).isEmpty();
    Result again = run("status", id.value(), "--watch", "--json");
    assertThat(again.code()).as("an ended job: at once").isEqualTo(3);
    assertThat(Json.readTree(again.rawOut()).get("state").asText()).isEqualTo("FAILED");
  }

  @Test
  void when_status_json_is_asked_then_it_has_the_fields_scripts_use() {
    JobId id = ops.submit(JobSpec.shell("true"));
    ops.finish(id, JobState.SUCCEEDED, 0, null, new byte[0], new byte[0]);

    Result result = run("status", id.value(), "--json");

    assertThat(result.code()).isZero();
    JsonNode json = Json.readTree(result.rawOut());
    assertThat(json.get("id").asText()).isEqualTo(id.value());
    assertThat(json.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(json.get("node").asText()).isEqualTo("n1");
    assertThat(json.get("attempt").asInt()).isEqualTo(1);
    assertThat(json.get("exitCode").asInt()).isZero();
  }

  @Test
  void when_status_is_asked_then_a_readable_table_is_printed() {
    JobId id = ops.submit(JobSpec.command("echo", "hi"));

    Result result = run("status", id.value());

    assertThat(result.code()).isZero();
    assertThat(result.out()).contains("STATE", "QUEUED", "echo hi", "TIME");
    assertThat(result.out().lines()).anyMatch(line -> line.matches("ID\\s+" + id.value()));
  }

  @Test
  void when_jobs_and_nodes_are_listed_then_tables_and_json_lists_come_out() {
    JobId queued = ops.submit(JobSpec.shell("sleep 1"));
    JobId done = ops.submit(JobSpec.shell("true"));
    ops.finish(done, JobState.SUCCEEDED, 0, null, new byte[0], new byte[0]);

    Result table = run("jobs");
    Result running = run("jobs", "--state", "queued", "--json");
    Result nodes = run("nodes", "--json");
    Result nodeTable = run("nodes");

    assertThat(table.out().lines().toList()).hasSize(3);
    assertThat(table.out()).contains(queued.value(), done.value(), "SUCCEEDED");
    assertThat(Json.readTree(running.rawOut()).findValuesAsText("id"))
        .containsExactly(queued.value());
    JsonNode first = Json.readTree(nodes.rawOut()).get(0);
    assertThat(List.of("name", "primary", "epoch", "slots", "running")).allMatch(first::has);
    assertThat(nodeTable.out()).contains("NAME", "PRIMARY", "n1", "yes");
  }

  @Test
  void when_more_jobs_follow_than_the_limit_then_stderr_says_how_to_see_the_next_page() {
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(ops.submit(JobSpec.shell("true")));
    }

    Result first = run("jobs", "--limit", "2");
    assertThat(first.code()).isZero();
    assertThat(first.out()).contains(ids.get(0).value(), ids.get(1).value());
    assertThat(first.out().lines()).hasSize(3);
    assertThat(first.err()).matches("more: bin/jobs --limit 2 --after \\S+\n");
    String after = first.err().strip().substring(first.err().lastIndexOf(' ') + 1);
    Result second = run("jobs", "--limit", "2", "--after", after, "--json");
    assertThat(Json.readTree(second.rawOut()).findValuesAsText("id"))
        .containsExactly(ids.get(2).value(), ids.get(3).value());
    assertThat(second.err()).startsWith("more: bin/jobs --json --limit 2 --after ");
    Result all = run("jobs", "--all", "--limit", "2");
    assertThat(all.out().lines()).hasSize(6);
    assertThat(all.err()).isEmpty();
    assertThat(run("jobs").err()).as("all on the first page of 1000").isEmpty();

    assertOneLineError(run("jobs", "--limit", "10001"), "--limit 10001", "1 to 10000");
    assertOneLineError(run("jobs", "--after", "nowhere"), "cursor 'nowhere'");
    assertOneLineError(run("jobs", "--all", "--after", after), "--all or --after");
  }

  @Test
  void when_jobs_format_names_columns_then_those_are_shown_in_that_order() {
    JobId queued = ops.submit(JobSpec.shell("sleep 1").withSubmittedBy("alice"));
    JobId done = ops.submit(JobSpec.shell("true"));
    ops.start(done);
    ops.finish(done, JobState.FAILED, 7, "exit 7", new byte[0], new byte[0]);

    Result result = run("jobs", "--format", "ID,exit, submittedBy,elapsed,Command", "--limit", "1");

    assertThat(result.code()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("ID", "EXIT", "USER", "ELAPSED", "COMMAND");
    assertThat(lines.get(1).split("\\s+"))
        .containsExactly(queued.value(), "-", "alice", "-", "sleep", "1");
    assertThat(result.err())
        .as("the next page keeps the columns")
        .matches("more: bin/jobs --format id,exit,user,elapsed,command --limit 1 --after \\S+\n");
    Result second = run("jobs", "-o", "id,state,exit,elapsed,ended", "--state", "failed");
    assertThat(second.out().lines().skip(1).findFirst().orElseThrow())
        .matches(done.value() + " +FAILED +7 +0:00 +\\d{4}-\\d\\d-\\d\\d [0-9:.]+");
    assertThat(run("jobs").out().lines().findFirst().orElseThrow().split("\\s+"))
        .as("the default columns")
        .containsExactly("ID", "STATE", "NODE", "ATTEMPT", "EXIT", "SUBMITTED", "COMMAND");
  }

  @Test
  void when_jobs_format_names_an_unknown_column_then_usage_error_lists_the_known_ones() {
    Result result = run("jobs", "--format", "id,owner");

    assertOneLineError(
        result, "unknown column 'owner'", "id, name, state, node", "user (submittedby)");
    assertThat(result.code()).isEqualTo(GridCli.USAGE);
    assertOneLineError(run("jobs", "--format", "id,,state"), "empty column");
    assertOneLineError(run("jobs", "--format", "id", "--json"), "--format or --json");
  }

  @Test
  void when_logs_are_asked_then_the_raw_bytes_come_out() {
    JobId id = ops.submit(JobSpec.shell("x"));
    ops.finish(
        id,
        JobState.SUCCEEDED,
        0,
        null,
        new byte[] {1, 2, (byte) 0xfe},
        "warn\n".getBytes(StandardCharsets.UTF_8));

    assertThat(run("logs", id.value()).rawOut()).containsExactly(1, 2, (byte) 0xfe);
    assertThat(run("logs", id.value(), "--stderr").out()).isEqualTo("warn\n");
  }

  @Test
  void when_logs_follow_a_running_job_then_each_byte_comes_once_and_the_exit_is_the_jobs()
      throws Exception {
    JobId id = ops.submit(JobSpec.shell("x"));
    ops.start(id);
    Future<Result> following = background.submit(() -> run("logs", "--follow", id.value()));

    ops.wrote(id, "one\n".getBytes(StandardCharsets.UTF_8));
    awaitPolls(2);
    ops.wrote(id, "one\ntwo\n".getBytes(StandardCharsets.UTF_8));
    awaitPolls(2);
    ops.finish(
        id,
        JobState.FAILED,
        3,
        "exit 3",
        "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8),
        new byte[0]);
    Result result = following.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(result.out()).isEqualTo("one\ntwo\nthree\n");
    assertThat(result.code()).isEqualTo(3);
    assertThat(GridCli.runsAlikeElsewhere(new String[] {"logs", "--follow", id.value()}))
        .as("a follow runs in a JVM of its own, whose output reaches the terminal at once")
        .isFalse();
  }

  private void awaitPolls(int more) {
    int now = ops.statusCalls();
    await().atMost(PATIENCE).until(() -> ops.statusCalls() >= now + more);
  }

  @Test
  void when_a_job_is_cancelled_then_its_new_state_is_printed() {
    JobId id = ops.submit(JobSpec.shell("sleep 100"));

    Result result = run("cancel", id.value());

    assertThat(result.code()).isZero();
    assertThat(result.out()).isEqualTo(id + " CANCELLED\n");
  }

  @Test
  void when_json_is_asked_of_submit_and_cancel_then_they_print_what_the_grid_answered()
      throws Exception {
    Result submitted = run("submit", "--json", "--", "sleep", "100");
    assertThat(submitted.code()).isZero();
    JobId id = ops.jobs(Optional.empty()).get(0).id();
    JsonNode json = Json.readTree(submitted.rawOut());
    assertThat(json.get("id").asText()).isEqualTo(id.value());
    assertThat(json.size()).isEqualTo(1);

    JsonNode cancelled = Json.readTree(run("cancel", id.value(), "--json").rawOut());
    assertThat(cancelled.get("id").asText()).isEqualTo(id.value());
    assertThat(cancelled.get("state").asText()).isEqualTo("CANCELLED");

    Future<Result> waiting =
        background.submit(() -> run("submit", "--wait", "--json", "--", "make", "test"));
    await().atMost(PATIENCE).until(() -> ops.submitted().size() == 2);
    JobId waited = ops.jobs(Optional.empty()).get(1).id();
    ops.finish(
        waited,
        JobState.FAILED,
        3,
        "exit 3",
        "out\n".getBytes(StandardCharsets.UTF_8),
        new byte[0]);
    Result result = waiting.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(result.code()).as("the job's exit code, as without --json").isEqualTo(3);
    JsonNode ended = Json.readTree(result.rawOut());
    assertThat(ended.get("id").asText()).isEqualTo(waited.value());
    assertThat(ended.get("state").asText()).isEqualTo("FAILED");
    assertThat(ended.get("exitCode").asInt()).isEqualTo(3);
  }

  @Test
  void when_the_id_is_unknown_then_one_error_line() {
    Result result = run("status", "j-missing");
    assertOneLineError(result, "j-missing");
    assertThat(result.code()).isEqualTo(GridCli.ERROR);
    assertThat(result.rawOut()).isEmpty();
    assertOneLineError(run("logs", "j-missing"), "j-missing");
    assertOneLineError(run("cancel", "j-missing"), "j-missing");
  }

  @Test
  void when_the_grid_is_unreachable_then_one_error_line_names_the_url() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    Result result = run("jobs", "--url", "127.0.0.1:" + closed);
    assertOneLineError(result, "127.0.0.1:" + closed);
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_the_token_is_wrong_or_missing_then_one_error_line_says_how_to_fix_it() {
    env.put("GRID_TOKEN", "wrong");
    assertOneLineError(run("submit", "--", "true"), "GRID_TOKEN");
    env.remove("GRID_TOKEN");
    assertOneLineError(run("jobs"), "GRID_TOKEN", "--token-file");
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_token_file_is_given_then_it_is_used(@TempDir Path dir) throws IOException {
    env.remove("GRID_TOKEN");
    Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n");

    assertThat(run("submit", "--token-file", file.toString(), "--", "true").code()).isZero();
    assertOneLineError(run("jobs", "--token-file", dir.resolve("absent").toString()), "absent");
  }

  @Test
  void when_arguments_are_wrong_then_exit_2_with_one_error_line() {
    for (String[] args :
        List.of(
            new String[] {"submit"},
            new String[] {"submit", "--shell", "x", "--", "y"},
            new String[] {"submit", "--timeout", "3x", "--", "true"},
            new String[] {"submit", "--retries", "-1", "--", "true"},
            new String[] {"status"},
            new String[] {"status", "a b"},
            new String[] {"jobs", "--state", "SLEEPING"},
            new String[] {"frobnicate"})) {
      Result result = run(args);
      assertThat(result.code()).as(String.join(" ", args)).isEqualTo(GridCli.USAGE);
      assertOneLineError(result);
    }
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_job_retried_on_failure_is_submitted_then_its_spec_and_status_say_how() {
    Result result =
        run(
            "submit",
            "--retries",
            "3",
            "--retry-on",
            "failed,timeout",
            "--backoff",
            "5s",
            "--backoff-max",
            "2m",
            "--",
            "make",
            "report");

    assertThat(result.code()).as(result.err()).isZero();
    JobSpec spec = ops.submitted().get(0);
    assertThat(spec.retryOn()).containsExactly(RetryOn.LOST, RetryOn.FAILED, RetryOn.TIMEOUT);
    assertThat(spec.backoff()).isEqualTo(new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(2)));
    assertThat(run("status", result.out().strip()).out())
        .containsPattern(
            "RETRIES\\s+0 of 3 used; on lost, failed, timeout; backoff 5s doubling up to 2m");

    Result longWait = run("submit", "--retry-on", "failed", "--backoff", "2h", "--", "true");
    assertThat(longWait.code()).as(longWait.err()).isZero();
    assertThat(ops.submitted().get(1).backoff())
        .as("the cap grows to the first wait when only that is given")
        .isEqualTo(new Backoff(Duration.ofHours(2), Duration.ofHours(2)));
  }

  @Test
  void when_retry_options_are_wrong_then_the_value_is_named() {
    assertOneLineError(
        run("submit", "--retry-on", "failed,crash", "--", "true"), "retry-on 'crash' is not known");
    assertOneLineError(
        run("submit", "--backoff", "1m", "--backoff-max", "10s", "--", "true"),
        "backoff-max PT10S is shorter than the backoff PT1M");
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_job_reserves_cpus_and_memory_then_they_are_sent_shown_and_reported() {
    Result sent =
        run(
            "submit", "--cpus", "2", "--mem", "512M", "--queue", "batch", "--name", "etl", "--",
            "true");
    assertThat(sent.code()).as(sent.err()).isZero();
    JobSpec spec = ops.submitted().get(0);
    assertThat(spec.resourcesOrNone()).isEqualTo(new Resources(2, 512L << 20));
    JobId id = JobId.of(sent.out().strip());
    assertThat(run("status", id.value()).out()).containsPattern("RESERVES\\s+2 CPUs, 512M memory");

    ops.start(id);
    ops.finish(id, JobState.SUCCEEDED, 0, null, new byte[0], new byte[0]);
    Result report = run("report", "--since", "1d");
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out())
        .containsPattern("QUEUE\\s+JOBS\\s+OK")
        .containsPattern("batch\\s+1\\s+1\\s+0\\s+0")
        .containsPattern("etl\\s+1\\s+1")
        .contains("1 of 1 jobs have no CPU or memory figures");
    assertThat(run("report", "--by", "name").out()).contains("etl").doesNotContain("batch");

    assertOneLineError(run("submit", "--mem", "4X", "--", "true"), "memory '4X' is not a size");
    assertOneLineError(run("submit", "--cpus", "-1", "--", "true"), "cpus -1 is out of range");
    assertOneLineError(run("report", "--by", "team"), "--by 'team' is not one of");
    assertOneLineError(run("report", "--since", "forever"), "--since");
    assertThat(ops.submitted()).hasSize(1);
  }

  @Test
  void when_a_named_job_with_a_priority_is_submitted_then_status_and_jobs_show_and_find_it() {
    Result named = run("submit", "--name", "nightly report", "--priority", "7", "--", "true");
    assertThat(named.code()).as(named.err()).isZero();
    run("submit", "--", "false");
    JobSpec spec = ops.submitted().get(0);
    assertThat(spec.scheduling()).isEqualTo(new Scheduling("nightly report", 7));
    assertThat(ops.submitted().get(1).scheduling()).as("none given: none sent").isNull();

    assertThat(run("status", named.out().strip()).out())
        .containsPattern("NAME\\s+nightly report")
        .containsPattern("PRIORITY\\s+7");
    Result listed = run("jobs", "--name", "nightly report", "--format", "id,name,priority");
    assertThat(listed.out().lines().toList())
        .containsExactly(
            "ID" + listed.out().lines().findFirst().orElseThrow().substring(2),
            named.out().strip() + "  nightly report  7");
    assertOneLineError(
        run("submit", "--priority", "5000", "--", "true"), "priority 5000 is out of range");
    assertOneLineError(run("jobs", "--name", " x"), "job name ' x' is not valid");
  }

  @Test
  void when_a_job_is_submitted_held_then_hold_and_release_print_its_state() {
    Result submitted = run("submit", "--hold", "--", "true");
    assertThat(submitted.code()).as(submitted.err()).isZero();
    assertThat(ops.submitted().get(0).schedulingOrDefault().hold()).isTrue();
    JobId id = ops.submit(JobSpec.command("true"));

    Result held = run("hold", id.value());
    assertThat(held.out()).isEqualTo(id + " HELD\n");
    assertThat(run("release", id.value()).out()).isEqualTo(id + " QUEUED\n");
    ops.finish(id, JobState.SUCCEEDED, 0, null, new byte[0], new byte[0]);
    assertOneLineError(run("hold", id.value()), "is SUCCEEDED");
    Result requeued = run("requeue", id.value());
    assertThat(requeued.out()).startsWith(id + " requeued as ").endsWith(" QUEUED\n");
    assertThat(ops.submitted()).hasSize(3);
  }

  @Test
  void when_queues_are_set_listed_and_lifted_then_each_answers_a_line() {
    Result submitted = run("submit", "--queue", "batch", "--", "true");
    assertThat(submitted.code()).as(submitted.err()).isZero();
    assertThat(ops.submitted().get(0).schedulingOrDefault().queue()).isEqualTo("batch");

    assertThat(run("queue", "set", "batch", "--max-slots", "4").out())
        .isEqualTo("batch: at most 4 slots (holds 0)\n");
    assertThat(run("queue", "list").out()).containsPattern("batch\\s+4\\s+0");
    assertThat(run("queue", "delete", "batch").out()).isEqualTo("batch: no limit\n");
    assertOneLineError(
        run("queue", "set", "bad name", "--max-slots", "1"), "queue name 'bad name'");
    assertOneLineError(run("submit", "--queue", "a/b", "--", "true"), "queue name 'a/b'");
  }

  @Test
  void when_nodes_are_drained_then_each_says_where_it_is_and_nodes_shows_it_until_undrained() {
    assertThat(run("drain", "n1").out())
        .isEqualTo("n1 DRAINING: it gets no new work; what it runs ends first (bin/nodes)\n");
    assertThat(run("drain", "n1-b").out())
        .isEqualTo("n1-b DRAINED: it gets no new work and runs nothing; it can be stopped\n");
    assertThat(run("nodes").out())
        .containsPattern("n1\\s+yes\\s+voter\\s+3\\s+4\\s+1\\s+DRAINING")
        .containsPattern("n1-b\\s+no\\s+worker\\s+3\\s+8\\s+0\\s+DRAINED");
    JsonNode listed = Json.readTree(run("nodes", "--json").rawOut());
    assertThat(listed.findValuesAsText("drain")).containsExactly("DRAINING", "DRAINED");
    JsonNode answer = Json.readTree(run("undrain", "n1", "--json").rawOut());
    assertThat(answer.get("node").asText()).isEqualTo("n1");
    assertThat(answer.get("state").isNull()).as("undrained: no state").isTrue();
    assertThat(run("undrain", "n1").out()).isEqualTo("n1 takes work\n");
    assertThat(Json.readTree(run("nodes", "--json").rawOut()).findValuesAsText("drain"))
        .containsExactly("DRAINED");

    assertOneLineError(run("drain", "n7"), "no node named 'n7'", "bin/nodes");
    assertOneLineError(run("undrain", "n7"), "no node named 'n7'");
    assertOneLineError(run("drain", "bad!name"), "node name 'bad!name' is not valid");
    assertThat(run("drain").code()).as("the node is required").isEqualTo(2);
  }

  @Test
  void when_a_job_needs_labels_then_its_spec_carries_them_sorted_and_a_bad_one_is_named() {
    Result submitted =
        run(
            "submit",
            "--constraint",
            "zone=a",
            "--constraint",
            "gpu",
            "--wait-for-label",
            "--",
            "true");
    assertThat(submitted.code()).as(submitted.err()).isZero();
    Scheduling s = ops.submitted().get(0).schedulingOrDefault();
    assertThat(s.constraints()).containsExactly("gpu", "zone=a");
    assertThat(s.waitForLabel()).isTrue();
    assertOneLineError(
        run("submit", "--constraint", "a b", "--", "true"), "label 'a b' is not valid");
  }
}
