package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Scheduling;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hold and release with real node processes: a job held while queued, one submitted held and an
 * array submitted held are not dispatched while held, however long, and run once released; a
 * running job cannot be held, and a task is held through its array.
 */
@Tag("slow")
class HoldProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);
  private static final Duration STAYS_HELD = Duration.ofSeconds(2);

  @TempDir Path dir;

  @Test
  void held_jobs_and_arrays_wait_until_released_then_run() throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 2, 1).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId blockerA = client.submit(JobSpec.command("sleep", "1"));
      JobId blockerB = client.submit(JobSpec.command("sleep", "1"));
      JobId queued = client.submit(JobSpec.command("true"));
      assertThat(client.hold(queued).state()).isEqualTo(JobState.HELD);
      assertThat(client.hold(queued).state())
          .as("holding twice changes nothing")
          .isEqualTo(JobState.HELD);
      JobId submittedHeld =
          client.submit(JobSpec.command("true").withScheduling(new Scheduling(null, 0, true)));
      JobId array =
          client.submit(
              JobSpec.shell("true")
                  .withArray(ArraySpec.parse("0-9"))
                  .withScheduling(new Scheduling(null, 0, true)));
      JobId after = client.submit(JobSpec.command("true"));

      assertThat(client.completion(blockerA).get(JOBS.toSeconds(), TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
      assertThat(client.completion(blockerB).get(JOBS.toSeconds(), TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
      assertThat(client.completion(after).get(JOBS.toSeconds(), TimeUnit.SECONDS).state())
          .as("the work behind a held job goes on")
          .isEqualTo(JobState.SUCCEEDED);
      await()
          .during(STAYS_HELD)
          .atMost(STAYS_HELD.plusSeconds(5))
          .until(
              () ->
                  client.status(queued).state() == JobState.HELD
                      && client.status(submittedHeld).state() == JobState.HELD
                      && client.status(array).state() == JobState.HELD);
      assertThatThrownBy(() -> client.hold(JobId.of(array.value() + "_3")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("hold the array");

      for (JobId id : new JobId[] {queued, submittedHeld, array}) {
        assertThat(client.release(id).state()).isNotEqualTo(JobState.HELD);
      }
      for (JobId id : new JobId[] {queued, submittedHeld, array}) {
        assertThat(client.completion(id).get(JOBS.toSeconds(), TimeUnit.SECONDS).state())
            .as("%s", id)
            .isEqualTo(JobState.SUCCEEDED);
      }
      assertThat(client.status(queued).history())
          .extracting(e -> e.state())
          .containsSubsequence(JobState.QUEUED, JobState.HELD, JobState.QUEUED, JobState.SUCCEEDED);

      JobId running = client.submit(JobSpec.command("sleep", "5"));
      await().atMost(JOBS).until(() -> client.status(running).state() == JobState.RUNNING);
      assertThatThrownBy(() -> client.hold(running))
          .isInstanceOf(GridException.class)
          .hasMessageContaining("only a job not yet dispatched can be held");
      client.cancel(running);
    }
  }
}
