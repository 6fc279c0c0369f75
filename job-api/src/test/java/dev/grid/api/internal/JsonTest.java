package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.ArraySpec;
import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.Dependencies;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.NodeInfo;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.StorageHealth;
import dev.grid.api.StorageRepair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  private static final JobSpec SPEC =
      JobSpec.command("printf", "%s\\n", "it's a \"quoted\" arg; $HOME | *")
          .withEnv(Map.of("MODE", "fast"))
          .withWorkDir("/tmp/work")
          .withTimeout(Duration.ofSeconds(30))
          .withMaxRetries(3);

  private static JobInfo info() {
    JobId id = JobId.of("j1kq2x9ab-4f2k1q");
    return new JobInfo(
        id,
        JobState.SUCCEEDED,
        "n2",
        1,
        0,
        null,
        SPEC,
        1000L,
        1005L,
        1010L,
        12,
        0,
        false,
        List.of(
            new JobEvent(JobState.QUEUED, 1000L, null, 0, 0, null),
            new JobEvent(JobState.DISPATCHED, 1002L, "n2", 1, 7, null),
            new JobEvent(JobState.RUNNING, 1005L, "n2", 1, 7, null),
            new JobEvent(JobState.SUCCEEDED, 1010L, "n2", 1, 7, "exit 0")));
  }

  private static String text(Object value) {
    return new String(Json.toBytes(value), StandardCharsets.UTF_8);
  }

  @Test
  void when_a_spec_is_written_and_read_back_then_it_is_equal() {
    assertThat(Json.read(Json.toBytes(SPEC), JobSpec.class)).isEqualTo(SPEC);
    assertThat(Json.readJobSpec(Json.toBytes(SPEC))).isEqualTo(SPEC);
    JobSpec shell = JobSpec.shell("echo hi | tr a-z A-Z");
    assertThat(Json.readJobSpec(Json.toBytes(shell))).isEqualTo(shell);
  }

  @Test
  void when_a_java_spec_is_written_and_read_back_then_it_is_equal() {
    JobSpec java =
        JobSpec.java("ab".repeat(32), "com.example.Pi", "1000", "x y")
            .withTimeout(Duration.ofSeconds(9));
    assertThat(Json.readJobSpec(Json.toBytes(java))).isEqualTo(java);
    assertThat(Json.read(Json.toBytes(java), JobSpec.class)).isEqualTo(java);
    JobSpec isolated = java.withJava(java.java().inChildJvm());
    assertThat(Json.readJobSpec(Json.toBytes(isolated))).isEqualTo(isolated);
    assertThat(
            Json.readJobSpec(
                    bytes(
                        "{\"java\":{\"jarSha256\":\""
                            + "ab".repeat(32)
                            + "\",\"className\":\"a.B\"}}"))
                .java()
                .isolated())
        .isFalse();
  }

  @Test
  void when_old_json_has_no_java_field_then_it_still_reads_as_a_command() {
    String old =
        "{\"argv\":[\"true\"],\"shell\":null,\"env\":{},\"workDir\":null,"
            + "\"timeout\":null,\"maxRetries\":2}";
    assertThat(Json.read(bytes(old), JobSpec.class))
        .isEqualTo(JobSpec.command("true").withMaxRetries(2));
    assertThat(Json.readJobSpec(bytes(old))).isEqualTo(JobSpec.command("true").withMaxRetries(2));
  }

  @Test
  void when_a_java_part_has_an_unknown_field_then_it_is_refused_by_name() {
    String bad =
        "{\"java\":{\"jarSha256\":\""
            + "ab".repeat(32)
            + "\",\"className\":\"a.B\",\"klass\":\"x\"}}";
    assertThatThrownBy(() -> Json.readJobSpec(bytes(bad)))
        .hasMessageContaining("'klass'")
        .hasMessageContaining("className");
  }

  @Test
  void when_an_array_spec_with_dependencies_is_written_and_read_back_then_it_is_equal() {
    JobSpec spec =
        SPEC.withArray(ArraySpec.parse("1,3,5-7%2"))
            .withAfter(
                new Dependencies(List.of(JobId.of("a1")), List.of(JobId.of("b2"), JobId.of("c3"))));
    String json = text(spec);
    assertThat(json)
        .contains("\"array\":{\"indices\":\"1,3,5-7\",\"limit\":2}")
        .contains("\"after\":{\"ok\":[\"a1\"],\"any\":[\"b2\",\"c3\"]}");
    assertThat(Json.readJobSpec(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(spec);
  }

  @Test
  void when_a_spec_has_no_array_or_after_then_it_reads_as_a_single_job() {
    JobSpec spec = Json.readJobSpec("{\"argv\": [\"true\"]}".getBytes(StandardCharsets.UTF_8));
    assertThat(spec.array()).isNull();
    assertThat(spec.after()).isNull();
  }

  @Test
  void when_an_array_or_after_is_bad_then_the_message_names_it() {
    assertThatThrownBy(
            () ->
                Json.readJobSpec(
                    "{\"argv\": [\"true\"], \"array\": {\"indices\": \"0-x\"}}"
                        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x'");
    assertThatThrownBy(
            () ->
                Json.readJobSpec(
                    "{\"argv\": [\"true\"], \"array\": {\"indices\": \"0-3\", \"max\": 2}}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining(
            "unknown field 'max' in the job's array: known fields are indices, limit");
  }

  @Test
  void when_a_spec_is_written_then_the_timeout_is_iso_text() {
    JsonNode tree = Json.readTree(Json.toBytes(SPEC));
    assertThat(tree.get("timeout").asText()).isEqualTo("PT30S");
    assertThat(tree.get("argv").get(2).asText()).isEqualTo("it's a \"quoted\" arg; $HOME | *");
    assertThat(tree.get("maxRetries").asInt()).isEqualTo(3);
  }

  @Test
  void when_a_job_info_is_written_and_read_back_then_it_is_equal() {
    JobInfo info = info();
    assertThat(Json.read(Json.toBytes(info), JobInfo.class)).isEqualTo(info);
    assertThat(Json.readList(Json.toBytes(List.of(info, info)), JobInfo.class))
        .containsExactly(info, info);
  }

  @Test
  void when_a_job_info_is_written_then_the_id_is_a_plain_string_and_nulls_are_present() {
    JsonNode tree = Json.readTree(Json.toBytes(info()));
    assertThat(tree.get("id").isTextual()).isTrue();
    assertThat(tree.get("id").asText()).isEqualTo("j1kq2x9ab-4f2k1q");
    assertThat(tree.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(tree.has("message")).isTrue();
    assertThat(tree.get("message").isNull()).isTrue();
    assertThat(tree.get("exitCode").asInt()).isEqualTo(0);
    assertThat(text(JobId.of("abc"))).isEqualTo("\"abc\"");
  }

  @Test
  void when_a_node_info_is_written_and_read_back_then_it_is_equal() {
    NodeInfo node = new NodeInfo("n1", "http://127.0.0.1:18701", true, 4, 8, 2);
    assertThat(Json.read(Json.toBytes(node), NodeInfo.class)).isEqualTo(node);
    assertThat(text(node)).contains("\"primary\":true", "\"epoch\":4", "\"running\":2");
  }

  @Test
  void when_storage_answers_are_written_and_read_back_then_they_are_equal_and_keep_their_fields() {
    BlobListing listing =
        new BlobListing(
            "out/",
            2,
            true,
            List.of(new BlobInfo("out/j1/1/stdout", 12, "ab".repeat(32), List.of("n2", "n1"), 3)));
    StorageHealth health =
        new StorageHealth(
            List.of("n1", "n2"),
            2,
            1,
            12,
            true,
            false,
            List.of(
                new StorageHealth.Problem("out/j1/1/stdout", "n2", "CORRUPT", "chunk 0"),
                new StorageHealth.Problem("out/j2/1/stdout", null, "LOST", "no copy")));
    StorageRepair repair = new StorageRepair(1, 2, 3, 0, 4);

    assertThat(Json.read(Json.toBytes(listing), BlobListing.class)).isEqualTo(listing);
    assertThat(Json.read(Json.toBytes(health), StorageHealth.class)).isEqualTo(health);
    assertThat(Json.read(Json.toBytes(repair), StorageRepair.class)).isEqualTo(repair);
    assertThat(text(listing))
        .contains("\"truncated\":true", "\"replicas\":[\"n2\",\"n1\"]", "\"version\":3");
    assertThat(text(health))
        .contains(
            "\"healthy\":false", "\"kind\":\"CORRUPT\"", "\"node\":null", "\"replication\":2");
  }

  @Test
  void when_a_storage_answer_lacks_its_lists_then_they_are_empty() {
    byte[] json = "{\"replication\":2,\"healthy\":true}".getBytes(StandardCharsets.UTF_8);
    StorageHealth health = Json.read(json, StorageHealth.class);
    assertThat(health.nodes()).isEmpty();
    assertThat(health.problems()).isEmpty();
  }

  @Test
  void when_an_answer_has_unknown_fields_then_they_are_ignored() {
    byte[] json =
        "{\"name\":\"n1\",\"httpUrl\":\"u\",\"primary\":false,\"epoch\":1,\"slots\":2,\"running\":0,\"zone\":\"eu\"}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(Json.read(json, NodeInfo.class).name()).isEqualTo("n1");
  }

  @Test
  void when_max_retries_is_absent_then_the_default_applies() {
    JobSpec spec = Json.readJobSpec(bytes("{\"argv\":[\"true\"]}"));
    assertThat(spec.maxRetries()).isEqualTo(JobSpec.DEFAULT_MAX_RETRIES);
    assertThat(spec.argv()).containsExactly("true");
  }

  @Test
  void when_a_spec_breaks_a_rule_then_the_message_names_the_value() {
    assertThatThrownBy(() -> Json.readJobSpec(bytes("{\"argv\":[\"true\"],\"maxRetries\":-4}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRetries -4");
    assertThatThrownBy(() -> Json.readJobSpec(bytes("{}")))
        .hasMessageContaining("either argv or a shell line");
  }

  @Test
  void when_a_spec_has_an_unknown_field_then_it_is_refused_by_name() {
    assertThatThrownBy(() -> Json.readJobSpec(bytes("{\"argv\":[\"true\"],\"timout\":\"PT1S\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'timout'");
  }

  @Test
  void when_a_spec_has_a_bad_duration_then_the_message_names_field_and_value() {
    assertThatThrownBy(() -> Json.readJobSpec(bytes("{\"argv\":[\"true\"],\"timeout\":\"30s\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout")
        .hasMessageContaining("30s");
  }

  @Test
  void when_a_spec_is_not_json_or_not_an_object_then_it_is_refused() {
    assertThatThrownBy(() -> Json.readJobSpec(bytes("{argv")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> Json.readJobSpec(bytes("[\"true\"]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> Json.readJobSpec(bytes("")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void when_a_job_id_in_json_is_invalid_then_reading_fails_naming_it() {
    assertThatThrownBy(() -> Json.read(bytes("\"bad id!\""), JobId.class))
        .hasMessageContaining("bad id!");
  }

  private static final ScheduleSpec SCHEDULE =
      ScheduleSpec.of("nightly", "0 30 2 * * ?", SPEC)
          .withZone("Europe/Paris")
          .withMisfire(MisfirePolicy.ALL)
          .withMaxCatchUp(9)
          .withOverlap(OverlapPolicy.REPLACE);

  @Test
  void when_a_schedule_is_written_and_read_back_then_it_is_equal_with_lowercase_policies() {
    assertThat(Json.readScheduleSpec(Json.toBytes(SCHEDULE))).isEqualTo(SCHEDULE);
    ScheduleInfo info = new ScheduleInfo(SCHEDULE, true, 5L, null, 7L);
    assertThat(Json.read(Json.toBytes(info), ScheduleInfo.class)).isEqualTo(info);
    JsonNode tree = Json.readTree(Json.toBytes(SCHEDULE));
    assertThat(tree.get("misfire").asText()).isEqualTo("all");
    assertThat(tree.get("overlap").asText()).isEqualTo("replace");
    assertThat(tree.get("job").get("timeout").asText()).isEqualTo("PT30S");
  }

  @Test
  void when_a_schedule_keeps_its_own_number_of_runs_then_it_travels_and_is_checked() {
    ScheduleSpec keeps = SCHEDULE.withKeepRuns(7);
    assertThat(Json.readScheduleSpec(Json.toBytes(keeps))).isEqualTo(keeps);
    assertThat(Json.readTree(Json.toBytes(keeps)).get("keepRuns").asInt()).isEqualTo(7);
    assertThatThrownBy(
            () ->
                Json.readScheduleSpec(
                    bytes(
                        "{\"name\":\"t\",\"cron\":\"@daily\",\"keepRuns\":-1,\"job\":{\"argv\":[\"x\"]}}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepRuns -1");
  }

  @Test
  void when_a_schedule_uses_the_grids_number_of_runs_then_the_field_is_left_out() {
    // so a node from before keepRuns, which refuses unknown fields, still takes the schedule
    assertThat(SCHEDULE.keepRuns()).isNull();
    assertThat(Json.readTree(Json.toBytes(SCHEDULE)).has("keepRuns")).isFalse();
  }

  @Test
  void when_a_run_is_written_and_read_back_then_it_is_equal() {
    ScheduleRun run =
        new ScheduleRun(
            1_000L,
            ScheduleRun.Outcome.STARTED,
            JobId.of("s-nightly-1000"),
            JobState.RUNNING,
            null);
    assertThat(Json.readList(Json.toBytes(List.of(run)), ScheduleRun.class)).containsExactly(run);
    assertThat(text(run)).contains("\"jobId\":\"s-nightly-1000\"", "\"reason\":null");
  }

  @Test
  void when_a_schedule_omits_optional_fields_then_the_defaults_apply() {
    ScheduleSpec spec =
        Json.readScheduleSpec(
            bytes("{\"name\":\"t\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"]}}"));
    assertThat(spec).isEqualTo(ScheduleSpec.of("t", "@daily", JobSpec.of(List.of("x"))));
    assertThat(spec.zoneOrUtc()).isEqualTo("UTC");
  }

  @Test
  void when_schedule_policies_are_in_any_case_then_they_are_read() {
    ScheduleSpec spec =
        Json.readScheduleSpec(
            bytes(
                "{\"name\":\"t\",\"cron\":\"@daily\","
                    + "\"misfire\":\"Skip\",\"overlap\":\"FORBID\",\"job\":{\"shell\":\"true\"}}"));
    assertThat(spec.misfire()).isEqualTo(MisfirePolicy.SKIP);
    assertThat(spec.overlap()).isEqualTo(OverlapPolicy.FORBID);
  }

  @Test
  void when_a_schedule_has_an_unknown_field_or_word_then_it_is_refused_by_name() {
    assertThatThrownBy(
            () ->
                Json.readScheduleSpec(
                    bytes(
                        "{\"name\":\"t\",\"cron\":\"@daily\",\"tz\":\"UTC\",\"job\":{\"argv\":[\"x\"]}}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown field 'tz' in the schedule spec")
        .hasMessageContaining("zone");
    assertThatThrownBy(
            () ->
                Json.readScheduleSpec(
                    bytes(
                        "{\"name\":\"t\",\"cron\":\"@daily\",\"job\":{\"argv\":[\"x\"],\"retries\":2}}")))
        .hasMessageContaining("unknown field 'retries' in the schedule's job")
        .hasMessageContaining("maxRetries");
    assertThatThrownBy(
            () ->
                Json.readScheduleSpec(
                    bytes(
                        "{\"name\":\"t\",\"cron\":\"@daily\",\"overlap\":\"never\",\"job\":{\"argv\":[\"x\"]}}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlap policy 'never'")
        .hasMessageContaining("allow, forbid, replace");
    assertThatThrownBy(() -> Json.readScheduleSpec(bytes("{\"name\":\"t\",\"cron\":\"@daily\"}")))
        .hasMessageContaining("no job");
    assertThatThrownBy(
            () -> Json.readScheduleSpec(bytes("{\"name\":\"t\",\"cron\":\"@daily\",\"job\":{}}")))
        .hasMessageContaining("either argv or a shell line");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
