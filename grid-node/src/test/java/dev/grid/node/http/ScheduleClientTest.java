package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridAuthException;
import dev.grid.api.GridClient;
import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleNotFoundException;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schedules through a real HttpApi and GridClient, over the fake node. */
class ScheduleClientTest {
  private static final String TOKEN = HttpApiTest.TOKEN;
  private static final ScheduleSpec NIGHTLY =
      ScheduleSpec.of(
              "nightly-backup",
              "0 30 2 * * ?",
              JobSpec.command("tar", "czf", "/backups/home.tgz", "/home")
                  .withEnv(Map.of("MODE", "full"))
                  .withTimeout(Duration.ofMinutes(30)))
          .withZone("Europe/Paris")
          .withMisfire(MisfirePolicy.ALL)
          .withMaxCatchUp(7)
          .withOverlap(OverlapPolicy.FORBID)
          .withKeepRuns(30);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private HttpApi api;
  private GridClient client;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    client = GridClient.connect(List.of(GridClientTest.url(api.port())), TOKEN);
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  @Test
  void when_a_schedule_is_added_then_get_and_list_return_it_as_sent() {
    ScheduleInfo added = client.schedules().add(NIGHTLY);
    client.schedules().add(ScheduleSpec.of("a-first", "@hourly", JobSpec.shell("date")));

    assertThat(added.spec()).isEqualTo(NIGHTLY.withJob(NIGHTLY.job().withSubmittedBy("admin")));
    assertThat(added.nextFireMillis()).isNotNull();
    assertThat(ops.schedule("nightly-backup")).hasValue(added);
    assertThat(client.schedules().get("nightly-backup")).isEqualTo(added);
    assertThat(client.schedules().list())
        .extracting(info -> info.spec().name())
        .containsExactly("a-first", "nightly-backup");
  }

  @Test
  void when_a_schedule_is_paused_resumed_and_deleted_then_each_answer_shows_it() {
    client.schedules().add(NIGHTLY);

    ScheduleInfo paused = client.schedules().pause("nightly-backup");
    assertThat(paused.paused()).isTrue();
    assertThat(paused.nextFireMillis()).isNull();
    assertThat(client.schedules().get("nightly-backup").paused()).isTrue();

    ScheduleInfo resumed = client.schedules().resume("nightly-backup");
    assertThat(resumed.paused()).isFalse();
    assertThat(resumed.nextFireMillis()).isNotNull();

    client.schedules().delete("nightly-backup");
    assertThat(ops.schedule("nightly-backup")).isEmpty();
    assertThat(client.schedules().list()).isEmpty();
  }

  @Test
  void when_runs_are_asked_then_each_fire_comes_back_with_its_job_or_reason() {
    client.schedules().add(NIGHTLY);
    List<ScheduleRun> recorded =
        List.of(
            new ScheduleRun(1_000L, ScheduleRun.Outcome.MISSED, null, null, "no primary ran"),
            new ScheduleRun(
                2_000L,
                ScheduleRun.Outcome.STARTED,
                JobId.of("s-nightly-2000"),
                JobState.SUCCEEDED,
                null),
            new ScheduleRun(
                3_000L,
                ScheduleRun.Outcome.SKIPPED,
                null,
                null,
                "previous run s-nightly-2000 still running"));
    recorded.forEach(run -> ops.recordRun("nightly-backup", run));

    assertThat(client.schedules().runs("nightly-backup")).containsExactlyElementsOf(recorded);
  }

  @Test
  void when_a_listing_spans_pages_then_the_client_reads_them_all_in_order() {
    for (String name : List.of("c", "a", "e", "b", "d")) {
      client.schedules().add(ScheduleSpec.of(name, "0 30 2 * * ?", JobSpec.command("true")));
    }
    for (long at = 1; at <= 5; at++) {
      ops.recordRun("a", new ScheduleRun(at, ScheduleRun.Outcome.MISSED, null, null, "none"));
    }
    try (GridClient paging =
        GridClient.builder()
            .nodes(List.of(GridClientTest.url(api.port())))
            .token(TOKEN)
            .pageSize(2)
            .build()) {
      assertThat(paging.schedules().list())
          .extracting(info -> info.spec().name())
          .containsExactly("a", "b", "c", "d", "e");
      assertThat(paging.schedules().runs("a"))
          .extracting(ScheduleRun::fireTimeMillis)
          .containsExactly(1L, 2L, 3L, 4L, 5L);
    }
  }

  @Test
  void when_the_grid_refuses_the_cron_then_illegal_argument_with_its_message_and_nothing_stored() {
    ScheduleSpec bad =
        ScheduleSpec.of("broken", FakeGridOperations.BAD_CRON, JobSpec.shell("true"));

    assertThatThrownBy(() -> client.schedules().add(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron expression 'bad'")
        .hasMessageContaining("broken");
    assertThat(ops.schedules()).isEmpty();
  }

  @Test
  void when_the_name_is_taken_then_grid_exception_with_the_nodes_message() {
    client.schedules().add(NIGHTLY);

    assertThatThrownBy(() -> client.schedules().add(NIGHTLY.withZone("UTC")))
        .isExactlyInstanceOf(GridException.class)
        .hasMessage("schedule 'nightly-backup' exists");
    assertThat(client.schedules().get("nightly-backup").spec().zone()).isEqualTo("Europe/Paris");
  }

  @Test
  void when_a_name_is_unknown_then_every_call_throws_schedule_not_found_naming_it() {
    List<Runnable> calls =
        List.of(
            () -> client.schedules().get("ghost"),
            () -> client.schedules().pause("ghost"),
            () -> client.schedules().resume("ghost"),
            () -> client.schedules().delete("ghost"),
            () -> client.schedules().runs("ghost"));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run)
          .isInstanceOf(ScheduleNotFoundException.class)
          .hasMessageContaining("'ghost'")
          .hasMessageContaining("bin/schedule list")
          .extracting(e -> ((ScheduleNotFoundException) e).name())
          .isEqualTo("ghost");
    }
  }

  @Test
  void when_a_name_could_not_be_a_schedule_then_it_is_still_not_found() {
    assertThatThrownBy(() -> client.schedules().get("a b/c?d"))
        .isInstanceOf(ScheduleNotFoundException.class)
        .hasMessageContaining("'a b/c?d'");
  }

  @Test
  void when_the_token_is_wrong_then_auth_fails_and_nothing_is_added() {
    try (GridClient intruder =
        GridClient.connect(List.of(GridClientTest.url(api.port())), "wrong")) {
      assertThatThrownBy(() -> intruder.schedules().add(NIGHTLY))
          .isInstanceOf(GridAuthException.class);
      assertThatThrownBy(() -> intruder.schedules().list()).isInstanceOf(GridAuthException.class);
    }
    assertThat(ops.schedules()).isEmpty();
  }
}
