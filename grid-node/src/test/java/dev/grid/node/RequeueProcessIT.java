package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requeue with a real node process: an ended job runs again as a new job, an array again with only
 * its tasks that did not succeed, a job cancelled for a failed dependency runs at once; a running
 * job and an array that wholly succeeded are refused.
 */
@Tag("slow")
class RequeueProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final long JOBS_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void ended_jobs_and_the_failed_tasks_of_arrays_run_again_as_new_jobs() throws Exception {
    Path flag = dir.resolve("second-time");
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 1, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId failed = client.submit(JobSpec.shell("[ -e '" + flag + "' ]"));
      assertThat(ended(client, failed).state()).isEqualTo(JobState.FAILED);
      JobId child = client.submit(JobSpec.command("true").withAfter(Dependencies.afterOk(failed)));
      assertThat(ended(client, child).state()).isEqualTo(JobState.CANCELLED);
      java.nio.file.Files.createFile(flag);

      JobInfo again = client.requeue(failed);
      assertThat(again.id()).isNotEqualTo(failed);
      assertThat(again.spec().shell()).isEqualTo(client.status(failed).spec().shell());
      assertThat(ended(client, again.id()).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(client.status(failed).state())
          .as("the old one stays as it ended")
          .isEqualTo(JobState.FAILED);
      assertThat(ended(client, client.requeue(child).id()).state())
          .as("run at once: its dependency was decided for the first run")
          .isEqualTo(JobState.SUCCEEDED);

      JobId array =
          client.submit(
              JobSpec.shell("[ $GRID_ARRAY_INDEX -ne 2 ] && [ $GRID_ARRAY_INDEX -ne 4 ]")
                  .withArray(ArraySpec.parse("0-5")));
      assertThat(ended(client, array).state()).isEqualTo(JobState.FAILED);
      JobInfo failedTasks = client.requeue(array);
      assertThat(failedTasks.spec().array().indices()).isEqualTo("2,4");
      assertThat(ended(client, failedTasks.id()).tasks()).containsEntry(JobState.FAILED, 2);

      JobId fine = client.submit(JobSpec.shell("true").withArray(ArraySpec.parse("0-2")));
      assertThat(ended(client, fine).state()).isEqualTo(JobState.SUCCEEDED);
      assertThatThrownBy(() -> client.requeue(fine))
          .isInstanceOf(GridException.class)
          .hasMessageContaining("every task of array " + fine + " succeeded");

      JobId running = client.submit(JobSpec.command("sleep", "5"));
      await()
          .atMost(Duration.ofSeconds(JOBS_SECONDS))
          .until(() -> client.status(running).state() == JobState.RUNNING);
      assertThatThrownBy(() -> client.requeue(running))
          .isInstanceOf(GridException.class)
          .hasMessageContaining("only an ended job can be requeued");
      client.cancel(running);
    }
  }

  private static JobInfo ended(GridClient client, JobId id) throws Exception {
    return client.completion(id).get(JOBS_SECONDS, TimeUnit.SECONDS);
  }
}
