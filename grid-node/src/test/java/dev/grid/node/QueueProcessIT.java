package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.QueueInfo;
import dev.grid.api.Scheduling;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named queues with a limit, on a real node: a queue capped at one slot runs its jobs one at a time
 * while another queue's jobs use the free slots at once; a job waiting on its queue says so; the
 * limit is kept across a full restart and can be lifted.
 */
@Tag("slow")
class QueueProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final long JOBS_SECONDS = 60;

  @TempDir Path dir;

  private static JobSpec in(String queue) {
    return JobSpec.command("sleep", "1").withScheduling(new Scheduling(null, 0, false, queue));
  }

  @Test
  void a_capped_queue_runs_one_at_a_time_and_leaves_the_other_slots_to_other_queues()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 1, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      assertThat(client.setQueueLimit("batch", 1).maxSlots()).isEqualTo(1);
      List<JobId> batch = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        batch.add(client.submit(in("batch")));
      }
      List<JobId> interactive = List.of(client.submit(in("interactive")), client.submit(in(null)));

      await()
          .atMost(Duration.ofSeconds(JOBS_SECONDS))
          .until(
              () ->
                  batch.stream()
                      .map(client::status)
                      .anyMatch(
                          j ->
                              j.state() == JobState.QUEUED
                                  && j.message() != null
                                  && j.message()
                                      .startsWith(
                                          "waiting for a slot of queue 'batch': its limit of 1")));
      assertThat(client.queues()).contains(new QueueInfo("batch", 1, 1));

      List<JobInfo> batchEnded = new ArrayList<>();
      for (JobId id : batch) {
        batchEnded.add(client.completion(id).get(JOBS_SECONDS, TimeUnit.SECONDS));
      }
      batchEnded.sort(Comparator.comparingLong(JobInfo::startedAtMillis));
      for (int i = 1; i < batchEnded.size(); i++) {
        assertThat(dispatchedAt(batchEnded.get(i)))
            .as("one batch job at a time")
            .isGreaterThanOrEqualTo(batchEnded.get(i - 1).endedAtMillis());
      }
      for (JobId id : interactive) {
        JobInfo done = client.completion(id).get(JOBS_SECONDS, TimeUnit.SECONDS);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.startedAtMillis())
            .as("not held back by the batch queue")
            .isLessThan(batchEnded.get(1).startedAtMillis());
      }
    }
    try (LocalGrid again = new LocalGrid(dir, 1, 4).start(READY);
        GridClient client = GridClient.connect(again.urls(), again.token())) {
      await()
          .atMost(READY)
          .untilAsserted(
              () ->
                  assertThat(client.queues())
                      .extracting(QueueInfo::name, QueueInfo::maxSlots)
                      .contains(org.assertj.core.groups.Tuple.tuple("batch", 1)));
      assertThat(client.removeQueueLimit("batch").maxSlots()).isNull();
      assertThat(client.queues()).extracting(QueueInfo::name).doesNotContain("batch");
    }
  }

  private static long dispatchedAt(JobInfo job) {
    return job.history().stream()
        .filter(e -> e.state() == JobState.DISPATCHED)
        .mapToLong(JobEvent::atMillis)
        .max()
        .orElseThrow();
  }
}
