package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
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

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
