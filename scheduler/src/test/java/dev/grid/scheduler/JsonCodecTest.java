package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.RetryOn;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
  static JobRecord endedJob() {
    JobSpec spec =
        JobSpec.shell("echo hi | tr a-z A-Z")
            .withEnv(Map.of("B", "2", "A", "1", "Z", "26"))
            .withWorkDir("/tmp/w")
            .withTimeout(Duration.ofSeconds(30))
            .withMaxRetries(3);
    return new JobRecord(
        JobId.of("j0mf3k2x9a-04f2k1qz"),
        spec,
        JobState.SUCCEEDED,
        "n2",
        "0b9e5c56-7a0e-4b6f-9d43-0d1c2a1f0e11",
        2,
        17,
        1,
        false,
        0,
        null,
        1000L,
        1200L,
        1300L,
        12,
        0,
        false,
        5,
        List.of(
            new JobEvent(JobState.QUEUED, 1000, null, 0, 0, null),
            new JobEvent(JobState.DISPATCHED, 1100, "n2", 1, 17, null),
            new JobEvent(JobState.SUCCEEDED, 1300, "n2", 2, 17, "exit 0")));
  }

  @Test
  void when_a_job_record_is_written_and_read_then_it_is_equal_and_readable() {
    JobRecord job = endedJob();

    byte[] bytes = JsonCodec.JOBS.encode(job);

    assertThat(JsonCodec.JOBS.decode(bytes)).isEqualTo(job);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .contains(
            "\"id\":\"j0mf3k2x9a-04f2k1qz\"",
            "\"state\":\"SUCCEEDED\"",
            "\"timeout\":\"PT30S\"",
            "\"epoch\":17",
            "\"env\":{\"A\":\"1\",\"B\":\"2\",\"Z\":\"26\"}");
  }

  @Test
  void when_a_task_with_dependencies_is_written_and_read_then_its_array_fields_come_back() {
    JobSpec spec =
        JobSpec.shell("echo $GRID_ARRAY_INDEX")
            .withArray(ArraySpec.parse("0-999%50"))
            .withAfter(new Dependencies(List.of(JobId.of("a")), List.of(JobId.of("b"))));
    JobRecord task = JobRecord.accepted(JobId.of("arr_7"), spec, 1000, JobId.of("arr"), 7);

    JobRecord back = JsonCodec.JOBS.decode(JsonCodec.JOBS.encode(task));

    assertThat(back).isEqualTo(task);
    assertThat(back.arrayIndex()).isEqualTo(7);
    assertThat(back.state()).isEqualTo(JobState.WAITING);
  }

  @Test
  void when_a_record_of_an_older_grid_is_read_then_it_has_no_array_and_no_dependencies() {
    String old =
        new String(JsonCodec.JOBS.encode(endedJob()), StandardCharsets.UTF_8)
            .replace(",\"arrayId\":null", "")
            .replace(",\"arrayIndex\":null", "")
            .replace(",\"array\":null", "")
            .replace(",\"after\":null", "");
    assertThat(old).doesNotContain("array").doesNotContain("after");

    assertThat(JsonCodec.JOBS.decode(old.getBytes(StandardCharsets.UTF_8))).isEqualTo(endedJob());
  }

  @Test
  void when_a_record_is_written_twice_then_the_bytes_are_the_same() {
    assertThat(JsonCodec.JOBS.encode(endedJob())).isEqualTo(JsonCodec.JOBS.encode(endedJob()));
  }

  @Test
  void when_schedules_and_runs_are_written_and_read_then_they_are_equal() {
    ScheduleRecord schedule =
        new ScheduleRecord(
            ScheduleSpec.of("nightly", "0 30 2 * * ?", JobSpec.command("backup", "--all"))
                .withZone("Europe/Paris")
                .withMisfire(MisfirePolicy.ALL)
                .withOverlap(OverlapPolicy.FORBID)
                .withMaxCatchUp(7),
            500L,
            true,
            86_400_000L,
            JobId.of("cron.nightly.86400000"),
            9);
    ScheduleRecord fresh =
        new ScheduleRecord(
            ScheduleSpec.of("tick", "@every 10s", JobSpec.command("true")),
            500L,
            false,
            null,
            null,
            0);
    ScheduleRunRecord missed =
        new ScheduleRunRecord(
            "nightly",
            86_400_000L,
            ScheduleRun.Outcome.MISSED,
            null,
            "no primary ran at its due time");

    assertThat(JsonCodec.SCHEDULES.decode(JsonCodec.SCHEDULES.encode(schedule)))
        .isEqualTo(schedule);
    assertThat(JsonCodec.SCHEDULES.decode(JsonCodec.SCHEDULES.encode(fresh))).isEqualTo(fresh);
    assertThat(JsonCodec.RUNS.decode(JsonCodec.RUNS.encode(missed))).isEqualTo(missed);
  }

  @Test
  void when_a_stored_record_has_fields_this_grid_does_not_know_then_they_are_ignored() {
    String json =
        "{\"schedule\":\"s\",\"fireMillis\":5,\"outcome\":\"STARTED\","
            + "\"jobId\":\"cron.s.5\",\"reason\":null,\"addedByANewerGrid\":{\"x\":1}}";

    assertThat(JsonCodec.RUNS.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(
            new ScheduleRunRecord("s", 5, ScheduleRun.Outcome.STARTED, JobId.of("cron.s.5"), null));
  }

  @Test
  void when_the_bytes_are_not_a_record_then_the_error_says_which_type() {
    assertThatThrownBy(() -> JsonCodec.JOBS.decode("{\"id\":".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not a JobRecord");
  }

  @Test
  void when_a_job_waiting_out_its_backoff_is_written_and_read_then_its_retry_fields_come_back() {
    JobSpec spec =
        JobSpec.shell("exit 3")
            .withMaxRetries(2)
            .withRetryOn(List.of(RetryOn.FAILED))
            .withBackoff(new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(2)));
    JobRecord r = JobRecord.queued(JobId.of("j-retry"), spec, 1000);
    r = JobUpdate.apply(r, new JobCommand.Dispatch(3, "n1", "w1", 1001)).record();
    r = JobUpdate.apply(r, new JobCommand.Start("n1", 1, 1002)).record();
    r =
        JobUpdate.apply(
                r, new JobCommand.Finish("n1", 1, JobState.FAILED, 3, null, 0, 0, false, 1003))
            .record();
    assertThat(r.retryAtMillis()).isNotNull();

    byte[] bytes = JsonCodec.JOBS.encode(r);

    assertThat(JsonCodec.JOBS.decode(bytes)).isEqualTo(r);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .contains(
            "\"retryOn\":[\"LOST\",\"FAILED\"]",
            "\"backoff\":{\"first\":\"PT5S\",\"max\":\"PT2M\"}",
            "\"exitCode\":3");
  }
}
