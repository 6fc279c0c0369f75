package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code bin/schedule} against a real HttpApi over the fake node. */
class ScheduleCliTest {
  private static final String TOKEN = "cli-token";

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private HttpApi api;
  private Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env = Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", TOKEN);
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

  private static void assertOneLineError(Result result, int code, String... fragments) {
    assertThat(result.code()).isEqualTo(code);
    assertThat(result.err()).startsWith("error: ").endsWith("\n").contains(fragments);
    assertThat(result.err().strip()).doesNotContain("\n");
    assertThat(result.out()).isEmpty();
  }

  private static String at(long millis, String zone) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
        .withZone(ZoneId.of(zone))
        .format(Instant.ofEpochMilli(millis));
  }

  @Test
  void when_a_schedule_is_added_then_its_name_and_next_fire_in_its_zone_are_printed() {
    Result result =
        run(
            "schedule",
            "add",
            "--name",
            "backup",
            "--cron",
            "30 2 * * *",
            "--tz",
            "Europe/Paris",
            "--misfire",
            "ALL",
            "--max-catch-up",
            "5",
            "--overlap",
            "forbid",
            "--timeout",
            "30m",
            "--retries",
            "2",
            "--env",
            "MODE=full",
            "--",
            "tar",
            "czf",
            "/backups/home.tgz",
            "--exclude",
            "*.tmp");

    assertThat(result.err()).isEmpty();
    assertThat(result.code()).isZero();
    ScheduleInfo stored = ops.schedule("backup").orElseThrow();
    assertThat(result.out())
        .isEqualTo(
            "backup: next fire " + at(stored.nextFireMillis(), "Europe/Paris") + " Europe/Paris\n");
    ScheduleSpec spec = stored.spec();
    assertThat(spec.cron()).isEqualTo("30 2 * * *");
    assertThat(spec.zone()).isEqualTo("Europe/Paris");
    assertThat(spec.misfire()).isEqualTo(MisfirePolicy.ALL);
    assertThat(spec.maxCatchUp()).isEqualTo(5);
    assertThat(spec.overlap()).isEqualTo(OverlapPolicy.FORBID);
    assertThat(spec.job().argv())
        .containsExactly("tar", "czf", "/backups/home.tgz", "--exclude", "*.tmp");
    assertThat(spec.job().timeout()).isEqualTo(Duration.ofMinutes(30));
    assertThat(spec.job().maxRetries()).isEqualTo(2);
    assertThat(spec.job().env()).containsEntry("MODE", "full");
    assertThat(spec.keepRuns()).as("the grid's default").isNull();
  }

  @Test
  void when_a_schedule_is_added_with_keep_runs_then_it_keeps_that_many() {
    Result result =
        run(
            "schedule",
            "add",
            "--name",
            "probe",
            "--cron",
            "@every 10s",
            "--keep-runs",
            "20",
            "--",
            "true");

    assertThat(result.err()).isEmpty();
    assertThat(ops.schedule("probe").orElseThrow().spec().keepRuns()).isEqualTo(20);
  }

  @Test
  void when_a_shell_schedule_is_added_with_defaults_then_utc_once_allow() {
    Result result =
        run(
            "schedule",
            "add",
            "--name",
            "tick",
            "--cron",
            "@every 10s",
            "--shell",
            "date >> /tmp/ticks");

    assertThat(result.code()).isZero();
    assertThat(result.out()).startsWith("tick: next fire ").endsWith(" UTC\n");
    ScheduleSpec spec = ops.schedule("tick").orElseThrow().spec();
    assertThat(spec.job().shell()).isEqualTo("date >> /tmp/ticks");
    assertThat(spec.zone()).isNull();
    assertThat(spec.misfire()).isEqualTo(MisfirePolicy.ONCE);
    assertThat(spec.overlap()).isEqualTo(OverlapPolicy.ALLOW);
  }

  @Test
  void when_listed_then_a_table_in_each_zone_and_json_with_the_fields() {
    ScheduleInfo tokyo =
        ops.addSchedule(
            ScheduleSpec.of("report", "0 0 9 * * ?", JobSpec.shell("make report"))
                .withZone("Asia/Tokyo"));
    ops.addSchedule(ScheduleSpec.of("tick", "@every 10s", JobSpec.command("date")));
    ops.setPaused("tick", true);

    Result table = run("schedule", "list");
    Result json = run("schedule", "list", "--json");

    assertThat(table.code()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split("\\s{2,}"))
        .containsExactly(
            "NAME",
            "CRON",
            "TZ",
            "NEXT FIRE",
            "LAST FIRE",
            "MISFIRE",
            "OVERLAP",
            "PAUSED",
            "COMMAND");
    assertThat(lines.get(1))
        .startsWith("report")
        .contains(
            "Asia/Tokyo",
            at(tokyo.nextFireMillis(), "Asia/Tokyo"),
            "once",
            "allow",
            "no",
            "make report");
    assertThat(lines.get(2)).startsWith("tick").contains("@every 10s", "UTC", "yes", "date");

    JsonNode first = Json.readTree(json.out().getBytes(StandardCharsets.UTF_8)).get(0);
    assertThat(List.of("spec", "paused", "createdAtMillis", "lastFireMillis", "nextFireMillis"))
        .allMatch(first::has);
    assertThat(first.get("spec").get("name").asText()).isEqualTo("report");
    assertThat(first.get("spec").get("misfire").asText()).isEqualTo("once");
    assertThat(first.get("nextFireMillis").asLong()).isEqualTo(tokyo.nextFireMillis());
  }

  @Test
  void when_paused_resumed_and_deleted_then_each_says_so() {
    ops.addSchedule(ScheduleSpec.of("tick", "@every 10s", JobSpec.command("date")));

    assertThat(run("schedule", "pause", "tick").out()).isEqualTo("tick: paused\n");
    assertThat(ops.schedule("tick").orElseThrow().paused()).isTrue();
    assertThat(run("schedule", "resume", "tick").out()).startsWith("tick: next fire ");
    assertThat(ops.schedule("tick").orElseThrow().paused()).isFalse();
    assertThat(run("schedule", "delete", "tick").out())
        .isEqualTo("tick: deleted (its jobs stay)\n");
    assertThat(ops.schedules()).isEmpty();
  }

  @Test
  void when_runs_are_shown_then_each_fire_has_its_job_and_state_or_why_none() {
    ops.addSchedule(ScheduleSpec.of("tick", "@every 10s", JobSpec.command("date")));
    long due = 1_700_000_010_000L;
    ops.recordRun(
        "tick",
        new ScheduleRun(
            due,
            ScheduleRun.Outcome.MISSED,
            null,
            null,
            "no primary ran; misfire policy once ran a later fire"));
    ops.recordRun(
        "tick",
        new ScheduleRun(
            due + 10_000,
            ScheduleRun.Outcome.STARTED,
            JobId.of("s-tick-1700000020000"),
            JobState.RUNNING,
            null));
    ops.recordRun(
        "tick",
        new ScheduleRun(
            due + 20_000,
            ScheduleRun.Outcome.SKIPPED,
            null,
            null,
            "overlap forbid: s-tick-1700000020000 still running"));

    Result table = run("schedule", "runs", "tick");
    Result json = run("schedule", "runs", "tick", "--json");

    List<String> lines = table.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0).split("\\s{2,}"))
        .containsExactly("FIRE TIME (UTC)", "OUTCOME", "JOB", "STATE", "REASON");
    assertThat(lines.get(1)).startsWith(at(due, "UTC")).contains("missed", "no primary ran");
    assertThat(lines.get(2)).contains("started", "s-tick-1700000020000", "RUNNING");
    assertThat(lines.get(3)).contains("skipped", "overlap forbid");
    JsonNode runs = Json.readTree(json.out().getBytes(StandardCharsets.UTF_8));
    assertThat(runs.findValuesAsText("outcome")).containsExactly("MISSED", "STARTED", "SKIPPED");
    assertThat(runs.get(1).get("jobId").asText()).isEqualTo("s-tick-1700000020000");
    assertThat(runs.get(0).get("fireTimeMillis").asLong()).isEqualTo(due);
  }

  @Test
  void when_a_name_is_unknown_then_one_error_line_points_to_the_list() {
    for (String action : List.of("pause", "resume", "delete", "runs")) {
      assertOneLineError(
          run("schedule", action, "ghost"),
          GridCli.ERROR,
          "no schedule named 'ghost'",
          "bin/schedule list");
    }
  }

  @Test
  void when_the_grid_refuses_the_schedule_then_one_error_line_with_its_reason() {
    assertOneLineError(
        run("schedule", "add", "--name", "x", "--cron", FakeGridOperations.BAD_CRON, "--", "true"),
        GridCli.ERROR,
        "cron expression 'bad'");
    run("schedule", "add", "--name", "x", "--cron", "@daily", "--", "true");
    assertOneLineError(
        run("schedule", "add", "--name", "x", "--cron", "@hourly", "--", "true"),
        GridCli.ERROR,
        "schedule 'x' exists");
  }

  @Test
  void when_arguments_are_wrong_then_exit_2_with_one_error_line_and_nothing_added() {
    List<String[]> cases =
        List.of(
            new String[] {"schedule", "add", "--cron", "@daily", "--", "true"},
            new String[] {"schedule", "add", "--name", "x", "--", "true"},
            new String[] {"schedule", "add", "--name", "x", "--cron", "@daily"},
            new String[] {"schedule", "add", "--name", "a b", "--cron", "@daily", "--", "true"},
            new String[] {
              "schedule",
              "add",
              "--name",
              "x",
              "--cron",
              "@daily",
              "--misfire",
              "later",
              "--",
              "true"
            },
            new String[] {
              "schedule",
              "add",
              "--name",
              "x",
              "--cron",
              "@daily",
              "--max-catch-up",
              "0",
              "--",
              "true"
            },
            new String[] {
              "schedule",
              "add",
              "--name",
              "x",
              "--cron",
              "@daily",
              "--keep-runs",
              "-1",
              "--",
              "true"
            },
            new String[] {
              "schedule",
              "add",
              "--name",
              "x",
              "--cron",
              "@daily",
              "--keep-runs",
              "all",
              "--",
              "true"
            },
            new String[] {"schedule", "pause"},
            new String[] {"schedule", "frobnicate"});
    for (String[] args : cases) {
      Result result = run(args);
      assertThat(result.code()).as(String.join(" ", args)).isEqualTo(GridCli.USAGE);
      assertThat(result.err()).as(String.join(" ", args)).startsWith("error: ");
      assertThat(result.err().strip()).doesNotContain("\n");
    }
    assertThat(
            run(
                    "schedule",
                    "add",
                    "--name",
                    "x",
                    "--cron",
                    "@daily",
                    "--misfire",
                    "later",
                    "--",
                    "true")
                .err())
        .contains("misfire policy 'later'", "skip, once, all");
    assertThat(
            run(
                    "schedule",
                    "add",
                    "--name",
                    "x",
                    "--cron",
                    "@daily",
                    "--keep-runs",
                    "-1",
                    "--",
                    "true")
                .err())
        .contains("keepRuns -1", "0 (keep all runs)");
    assertThat(ops.schedules()).isEmpty();
  }

  @Test
  void when_json_is_asked_of_add_pause_resume_and_delete_then_each_prints_json() {
    Result added =
        run("schedule", "add", "--name", "tick", "--cron", "@every 10s", "--json", "--", "date");
    assertThat(added.code()).isZero();
    JsonNode schedule = Json.readTree(added.out().getBytes(StandardCharsets.UTF_8));
    assertThat(schedule.get("spec").get("name").asText()).isEqualTo("tick");
    assertThat(schedule.get("paused").asBoolean()).isFalse();

    JsonNode paused =
        Json.readTree(
            run("schedule", "pause", "tick", "--json").out().getBytes(StandardCharsets.UTF_8));
    assertThat(paused.get("paused").asBoolean()).isTrue();
    JsonNode resumed =
        Json.readTree(
            run("schedule", "resume", "--json", "tick").out().getBytes(StandardCharsets.UTF_8));
    assertThat(resumed.get("paused").asBoolean()).isFalse();
    JsonNode deleted =
        Json.readTree(
            run("schedule", "delete", "tick", "--json").out().getBytes(StandardCharsets.UTF_8));
    assertThat(deleted.get("name").asText()).isEqualTo("tick");
    assertThat(deleted.get("deleted").asBoolean()).isTrue();
    assertThat(ops.schedule("tick")).isEmpty();
  }
}
