package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.DrainState;
import dev.grid.api.JavaTask;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.NodeDrain;
import dev.grid.api.NodeInfo;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client's streaming JSON ({@link LightJson}) against the node's databind mapping ({@link
 * Json}): every shape the client writes is read by the node's reader, and every shape the node
 * writes is read by the client's, both ways equal. The full samples set every field (a test below
 * checks that none is null), so a field added to a record and not to {@link LightJson} fails here.
 */
class LightJsonTest {
  private static final JobId PARENT = JobId.of("j1kq2x9ab-4f2k1q");
  private static final JobId OTHER = JobId.of("j1kq2x9ac-00aa11");

  private static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MODE", "fast");
    env.put("QUOTED", "it's \"x\" \\ $HOME\n\u00e9\u2603");
    return env;
  }

  /** Every field of a job spec set (a Java part cannot go with argv: see the other specs). */
  private static final JobSpec FULL_COMMAND =
      JobSpec.command("printf", "%s\\n", "it's a \"quoted\" arg; $HOME | * \u00e9")
          .withEnv(env())
          .withWorkDir("/tmp/work")
          .withTimeout(Duration.ofMillis(30_500))
          .withMaxRetries(3)
          .withArray(ArraySpec.parse("0-999%50"))
          .withAfter(new Dependencies(List.of(PARENT), List.of(OTHER)))
          .withSubmittedBy("alice");

  private static final List<JobSpec> SPECS =
      List.of(
          FULL_COMMAND,
          JobSpec.shell("echo hi | tr a-z A-Z"),
          JobSpec.command("true"),
          JobSpec.command("true").withArray(ArraySpec.parse("1,3,5-7")),
          JobSpec.shell("curl -fsS example.com")
              .withMaxRetries(4)
              .withRetryOn(List.of(RetryOn.TIMEOUT, RetryOn.FAILED))
              .withBackoff(new Backoff(Duration.ofMillis(1500), Duration.ofMinutes(5)))
              .withScheduling(new Scheduling("fetch \"feed\"", -20)),
          JobSpec.command("true").withScheduling(new Scheduling(null, 3)),
          JobSpec.command("true").withScheduling(new Scheduling(null, 0, true, "batch")),
          JobSpec.command("true").withResources(new Resources(4, 3L << 30)),
          JobSpec.command("true").withResources(new Resources(0, 512L << 20)),
          JobSpec.java("ab".repeat(32), "com.example.Pi", "1000", "x y")
              .withTimeout(Duration.ofHours(2)),
          JobSpec.java("cd".repeat(32), "com.example.Pi")
              .withJava(new JavaTask("cd".repeat(32), "com.example.Pi", List.of("1"), true)));

  private static JobInfo fullInfo() {
    return new JobInfo(
        JobId.of("j1kq2x9ab-4f2k1q_7"),
        JobState.FAILED,
        "n2",
        2,
        3,
        "exited with code 3",
        FULL_COMMAND,
        1000L,
        1005L,
        1010L,
        12,
        4,
        true,
        List.of(
            new JobEvent(JobState.QUEUED, 1000L, "n1", 0, 0, "submitted"),
            new JobEvent(JobState.QUEUED, 1003L, "n2", 1, 7, "exit code 4; retry 1 of 2", 4),
            new JobEvent(JobState.FAILED, 1010L, "n2", 2, 7, "exit 3", 3)),
        PARENT,
        7,
        Map.of(JobState.RUNNING, 5, JobState.SUCCEEDED, 995),
        11_000L,
        1);
  }

  private static JobInfo sparseInfo() {
    return new JobInfo(
        JobId.of("j1kq2x9ab-4f2k1q"),
        JobState.QUEUED,
        null,
        0,
        null,
        null,
        JobSpec.shell("sleep 1"),
        1000L,
        null,
        null,
        0,
        0,
        false,
        List.of(new JobEvent(JobState.QUEUED, 1000L, null, 0, 0, null)));
  }

  private static ScheduleInfo fullSchedule() {
    ScheduleSpec spec =
        ScheduleSpec.of("backup", "30 2 * * *", FULL_COMMAND.withArray(null))
            .withZone("Europe/Paris")
            .withMisfire(MisfirePolicy.ALL)
            .withOverlap(OverlapPolicy.FORBID)
            .withMaxCatchUp(7)
            .withKeepRuns(20);
    return new ScheduleInfo(spec, true, 1000L, 2000L, 3000L);
  }

  private static ScheduleInfo sparseSchedule() {
    return new ScheduleInfo(
        ScheduleSpec.of("tick", "@every 10s", JobSpec.command("date")), false, 1000L, null, null);
  }

  private static final List<NodeInfo> NODES =
      List.of(
          new NodeInfo("n1", "http://127.0.0.1:18701", true, 589_824, 4, 3, 1_765_000_000_000L),
          new NodeInfo("n2", null, false, 0, 0, 0),
          new NodeInfo(
              "w3",
              "http://127.0.0.1:18703",
              false,
              7,
              2,
              1,
              1_765_000_000_000L,
              List.of("gpu"),
              new Resources(2, 1L << 30),
              NodeInfo.WORKER),
          new NodeInfo("n3", "http://127.0.0.1:18703", false, 7, 2, 1, 1L, List.of("gpu"), null)
              .withDrain(DrainState.DRAINING));

  @Test
  void when_the_client_writes_a_spec_then_the_node_reads_the_same_spec_and_tree() {
    for (JobSpec spec : SPECS) {
      byte[] light = LightJson.jobSpec(spec);
      assertThat(Json.readJobSpec(light))
          .as(new String(light, StandardCharsets.UTF_8))
          .isEqualTo(spec);
      assertThat(Json.readTree(light)).isEqualTo(Json.readTree(Json.toBytes(spec)));
    }
  }

  @Test
  void when_the_node_writes_jobs_then_the_client_reads_them_back_equal() {
    for (JobInfo info : List.of(fullInfo(), sparseInfo())) {
      assertThat(LightJson.jobInfo(Json.toBytes(info))).isEqualTo(info);
    }
    List<JobInfo> all = List.of(fullInfo(), sparseInfo());
    assertThat(LightJson.jobInfos(Json.toBytes(all))).isEqualTo(all);
    assertThat(LightJson.jobInfos(Json.toBytes(List.of()))).isEmpty();
    for (JobSpec spec : SPECS) {
      JobInfo info = sparseInfo();
      JobInfo with =
          new JobInfo(
              info.id(),
              info.state(),
              info.node(),
              info.attempt(),
              info.exitCode(),
              info.message(),
              spec,
              info.submittedAtMillis(),
              info.startedAtMillis(),
              info.endedAtMillis(),
              info.stdoutBytes(),
              info.stderrBytes(),
              info.outputTruncated(),
              info.history());
      assertThat(LightJson.jobInfo(Json.toBytes(with))).isEqualTo(with);
    }
  }

  @Test
  void when_the_node_writes_nodes_and_schedules_then_the_client_reads_them_back_equal() {
    assertThat(LightJson.nodeInfos(Json.toBytes(NODES))).isEqualTo(NODES);
    for (ScheduleInfo schedule : List.of(fullSchedule(), sparseSchedule())) {
      assertThat(LightJson.scheduleInfo(Json.toBytes(schedule))).isEqualTo(schedule);
    }
    List<ScheduleInfo> all = List.of(fullSchedule(), sparseSchedule());
    assertThat(LightJson.scheduleInfos(Json.toBytes(all))).isEqualTo(all);
  }

  @Test
  void the_full_samples_set_every_field_so_a_new_field_cannot_be_missed() {
    // A job spec has one of argv, shell and java: the full samples run argv, SPECS the others;
    // a schedule's job is no array.
    for (Object sample : List.of(fullInfo(), fullSchedule(), NODES.get(0), FULL_COMMAND)) {
      assertThat(nullFields(Json.readTree(Json.toBytes(sample)), ""))
          .as("%s", sample)
          .allMatch(
              path ->
                  path.endsWith(".shell")
                      || path.endsWith(".java")
                      || path.equals(".spec.job.array"));
    }
    List<String> neverSet = new ArrayList<>();
    Json.readTree(Json.toBytes(FULL_COMMAND)).fieldNames().forEachRemaining(neverSet::add);
    for (JobSpec spec : SPECS) {
      Json.readTree(Json.toBytes(spec))
          .fields()
          .forEachRemaining(
              e -> {
                if (!e.getValue().isNull()) {
                  neverSet.remove(e.getKey());
                }
              });
    }
    assertThat(neverSet).as("job spec fields no sample sets").isEmpty();
  }

  private static List<String> nullFields(JsonNode node, String path) {
    List<String> nulls = new ArrayList<>();
    if (node.isNull()) {
      nulls.add(path);
    }
    node.fields()
        .forEachRemaining(e -> nulls.addAll(nullFields(e.getValue(), path + "." + e.getKey())));
    return nulls;
  }

  @Test
  void when_the_node_writes_a_drain_then_the_client_reads_it_back_equal() {
    for (NodeDrain d :
        List.of(new NodeDrain("n1", DrainState.DRAINED), new NodeDrain("n1", null))) {
      assertThat(LightJson.nodeDrain(Json.toBytes(d))).isEqualTo(d);
    }
    assertThat(LightJson.nodeInfos(Json.toBytes(NODES)))
        .filteredOn(n -> n.name().equals("n3"))
        .singleElement()
        .extracting(NodeInfo::drain)
        .isEqualTo(DrainState.DRAINING);
    assertThat(new String(Json.toBytes(NODES.get(0)), StandardCharsets.UTF_8))
        .as("a node that is not drained has no drain field")
        .doesNotContain("drain");
  }

  @Test
  void when_an_answer_has_fields_the_client_does_not_know_then_it_ignores_them() {
    String json =
        "[{\"name\":\"n1\",\"newField\":{\"a\":[1,2.5,null]},\"httpUrl\":\"http://h:1\","
            + "\"primary\":true,\"epoch\":5,\"slots\":4,\"running\":1}]";
    assertThat(LightJson.nodeInfos(json.getBytes(StandardCharsets.UTF_8)))
        .containsExactly(new NodeInfo("n1", "http://h:1", true, 5, 4, 1));
  }

  @Test
  void when_an_answer_is_not_the_expected_json_then_the_error_says_what_was_expected() {
    assertThatThrownBy(() -> LightJson.jobInfo(bytes("<html>")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("not a JobInfo: ");
    assertThatThrownBy(() -> LightJson.jobInfo(bytes("")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("no content");
    assertThatThrownBy(() -> LightJson.nodeInfos(bytes("{\"name\":\"n1\"}")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("expected a list");
    assertThatThrownBy(() -> LightJson.jobInfo(bytes("{\"id\":\"j1-a\",\"state\":\"NAPPING\"}")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("field 'state'")
        .hasMessageContaining("NAPPING");
    assertThatThrownBy(() -> LightJson.nodeInfos(bytes("[{\"epoch\":\"five\"}]")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("field 'epoch'");
  }

  @Test
  void a_single_field_is_read_as_text_or_null() {
    assertThat(LightJson.field(bytes("{\"id\":\"j1-a\",\"x\":[1]}"), "id")).isEqualTo("j1-a");
    assertThat(LightJson.field(bytes("{\"error\":\"bad 'x'\"}"), "error")).isEqualTo("bad 'x'");
    assertThat(LightJson.field(bytes("{\"n\":7}"), "n")).isEqualTo("7");
    assertThat(LightJson.field(bytes("{\"id\":null}"), "id")).isNull();
    assertThat(LightJson.field(bytes("{\"x\":1}"), "id")).isNull();
    assertThat(LightJson.field(bytes("[1]"), "id")).isNull();
    assertThatThrownBy(() -> LightJson.field(bytes("oops"), "id"))
        .isInstanceOf(UncheckedIOException.class);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
