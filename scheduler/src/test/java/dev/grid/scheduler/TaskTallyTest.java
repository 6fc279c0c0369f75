package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskTallyTest {
  private static final JobId ARRAY = JobId.of("a1");

  @Test
  void when_copies_of_a_task_come_out_of_order_then_the_newest_version_counts() {
    TaskTally tally = new TaskTally();
    tally.offer(ARRAY, 7, JobState.SUCCEEDED, 3, 0);
    tally.offer(ARRAY, 7, JobState.RUNNING, 2, 0);
    tally.offer(ARRAY, 8, JobState.QUEUED, 0, 0);

    assertThat(tally.counts(ARRAY))
        .containsExactlyInAnyOrderEntriesOf(Map.of(JobState.SUCCEEDED, 1, JobState.QUEUED, 1));
  }

  @Test
  void when_tasks_change_then_only_their_blocks_are_published_once_with_the_epoch() {
    TaskTally tally = new TaskTally();
    for (int i = 0; i < 3000; i++) {
      tally.offer(ARRAY, i, JobState.QUEUED, 0, 0);
    }
    assertThat(tally.takeChanged(5)).extracting(TaskBlock::block).containsExactly(0, 1, 2);

    tally.offer(ARRAY, 1030, JobState.DISPATCHED, 1, 0);
    tally.offer(ARRAY, 1030, JobState.DISPATCHED, 1, 0);
    var changed = tally.takeChanged(6);

    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).block()).isEqualTo(1);
    assertThat(changed.get(0).epoch()).isEqualTo(6);
    assertThat(changed.get(0).counts()).containsExactlyInAnyOrderEntriesOf(
        Map.of(JobState.QUEUED, 1023, JobState.DISPATCHED, 1));
    assertThat(tally.takeChanged(6)).isEmpty();
  }

  @Test
  void when_an_array_has_ended_long_ago_then_it_is_forgotten_but_a_running_one_is_kept() {
    TaskTally tally = new TaskTally();
    JobId running = JobId.of("a2");
    tally.offer(ARRAY, 0, JobState.SUCCEEDED, 4, 100);
    tally.offer(running, 0, JobState.RUNNING, 3, 100);
    tally.takeChanged(1);

    tally.pruneEnded(200);

    assertThat(tally.counts(ARRAY)).isEmpty();
    assertThat(tally.counts(running)).containsExactly(Map.entry(JobState.RUNNING, 1));
  }

  @Test
  void when_a_block_is_not_yet_published_then_its_array_is_kept() {
    TaskTally tally = new TaskTally();
    tally.offer(ARRAY, 0, JobState.SUCCEEDED, 4, 100);

    tally.pruneEnded(200);

    assertThat(tally.counts(ARRAY)).containsExactly(Map.entry(JobState.SUCCEEDED, 1));
  }
}
