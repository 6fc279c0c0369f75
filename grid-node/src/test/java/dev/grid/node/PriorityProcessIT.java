package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.GridClient;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
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
 * Priorities and names with a real node process: behind a job holding the only slot, the queued
 * jobs start by priority, equal ones in submission order, and a listing by name shows only those.
 */
@Tag("slow")
class PriorityProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void queued_jobs_start_by_priority_and_a_listing_by_name_shows_only_that_name() throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 1, 1).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId blocker = client.submit(JobSpec.command("sleep", "2"));
      List<JobId> submitted = new ArrayList<>();
      int[] priorities = {0, 5, -3, 5, 0, 10};
      for (int i = 0; i < priorities.length; i++) {
        String name = priorities[i] >= 5 ? "urgent" : "routine";
        submitted.add(
            client.submit(
                JobSpec.command("true").withScheduling(new Scheduling(name, priorities[i]))));
      }
      assertThat(client.status(blocker).state().isTerminal())
          .as("the blocker still holds the slot: the queue formed behind it")
          .isFalse();

      List<JobInfo> ended = new ArrayList<>();
      for (JobId id : submitted) {
        ended.add(client.completion(id).get(JOBS.toSeconds(), TimeUnit.SECONDS));
      }
      assertThat(ended).allSatisfy(j -> assertThat(j.state()).isEqualTo(JobState.SUCCEEDED));
      List<Integer> started =
          ended.stream()
              .sorted(Comparator.comparingLong(JobInfo::startedAtMillis))
              .map(j -> submitted.indexOf(j.id()))
              .toList();
      assertThat(started)
          .as("by priority, ties in submission order")
          .containsExactly(5, 1, 3, 0, 4, 2);

      List<JobId> urgent =
          client.jobsPage(JobFilter.ALL.named("urgent"), false, 100, null).jobs().stream()
              .map(JobInfo::id)
              .toList();
      assertThat(urgent)
          .containsExactlyInAnyOrder(submitted.get(1), submitted.get(3), submitted.get(5));
    }
  }
}
