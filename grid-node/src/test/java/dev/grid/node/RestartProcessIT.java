package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobNotFoundException;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node of a three-node grid stopped with SIGTERM at once, then started again over the same
 * data dirs, as an operator restarting the grid would: every job record, schedule, schedule run and
 * output is back, byte for byte, and the grid runs new jobs.
 */
@Tag("slow")
class RestartProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);
  private static final Duration STOP = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void when_every_node_is_stopped_and_started_again_then_jobs_schedules_and_outputs_are_back()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 3, 4).start(READY)) {
      Map<JobId, JobInfo> jobs = new LinkedHashMap<>();
      Map<JobId, byte[]> outputs = new LinkedHashMap<>();
      ScheduleInfo schedule;
      List<ScheduleRun> runs;
      try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
        client
            .schedules()
            .add(
                ScheduleSpec.of("tick", "@every 1s", JobSpec.command("echo", "tick"))
                    .withMisfire(MisfirePolicy.SKIP));
        for (int i = 0; i < 12; i++) {
          int lines = i % 4 == 0 ? 60_000 : 5 + i; // some outputs pulled in chunks
          JobId id =
              client.submit(
                  JobSpec.shell(
                      "seq 1 " + lines + "; echo err-" + i + " >&2; exit " + (i % 3 == 0 ? 2 : 0)));
          jobs.put(id, null);
        }
        await()
            .atMost(JOBS)
            .until(
                () ->
                    jobs.keySet().stream().allMatch(id -> client.status(id).state().isTerminal())
                        && client.schedules().runs("tick").size() >= 3);
        client.schedules().pause("tick");
        await()
            .atMost(JOBS)
            .until(() -> client.jobs().stream().allMatch(j -> j.state().isTerminal()));
        for (JobInfo j : client.jobs()) {
          jobs.put(j.id(), j);
          outputs.put(j.id(), client.stdout(j.id()));
        }
        schedule = client.schedules().get("tick");
        runs = client.schedules().runs("tick");
      }
      assertThat(jobs.values()).filteredOn(j -> j.state() == JobState.FAILED).isNotEmpty();

      grid.stopAll(STOP);
      grid.restartAll(READY);

      try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
        // A status is read from the store until the primary has loaded the records; a listing
        // (the schedule's runs) is whole once it has.
        await()
            .atMost(READY)
            .ignoreException(JobNotFoundException.class)
            .untilAsserted(() -> jobs.keySet().forEach(client::status));
        await()
            .atMost(READY)
            .untilAsserted(() -> assertThat(client.schedules().runs("tick")).isEqualTo(runs));
        for (Map.Entry<JobId, JobInfo> job : jobs.entrySet()) {
          assertThat(client.status(job.getKey()))
              .as("record of %s", job.getKey())
              .isEqualTo(job.getValue());
          assertThat(client.stdout(job.getKey()))
              .as("output of %s", job.getKey())
              .isEqualTo(outputs.get(job.getKey()));
        }
        assertThat(client.jobs()).hasSize(jobs.size());
        assertThat(client.schedules().get("tick")).isEqualTo(schedule);
        assertThat(client.schedules().runs("tick")).isEqualTo(runs);

        JobId after = client.submit(JobSpec.command("echo", "after the restart"));
        assertThat(client.completion(after).get(JOBS.toSeconds(), TimeUnit.SECONDS).state())
            .isEqualTo(JobState.SUCCEEDED);
        assertThat(new String(client.stdout(after))).isEqualTo("after the restart\n");
      }
    }
  }
}
