package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.AbstractMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskBlockTest {
  private static final JobId ARRAY = JobId.of("a1");

  private static TaskBlock block(long epoch, JobState... states) {
    byte[] codes = new byte[TaskBlock.SIZE];
    for (int i = 0; i < states.length; i++) {
      codes[i] = TaskBlock.code(states[i]);
    }
    return new TaskBlock(ARRAY, 0, codes, epoch);
  }

  @Test
  void a_block_counts_only_the_slots_that_hold_a_task() {
    assertThat(block(1, JobState.QUEUED, JobState.SUCCEEDED, JobState.SUCCEEDED).counts())
        .containsExactlyInAnyOrderEntriesOf(Map.of(JobState.QUEUED, 1, JobState.SUCCEEDED, 2));
  }

  @Test
  void when_an_older_primary_publishes_after_a_newer_one_then_its_block_is_refused() {
    Map.Entry<String, TaskBlock> entry =
        new AbstractMap.SimpleEntry<>(TaskBlock.key(ARRAY, 0), block(7, JobState.SUCCEEDED));

    boolean stale = new TaskBlock.Publish(block(6, JobState.RUNNING)).process(entry);
    assertThat(stale).isFalse();
    assertThat(entry.getValue().epoch()).isEqualTo(7);

    boolean same = new TaskBlock.Publish(block(7, JobState.FAILED)).process(entry);
    assertThat(same).isTrue();
    assertThat(entry.getValue().counts()).containsExactly(Map.entry(JobState.FAILED, 1));
  }

  @Test
  void tasks_fall_in_blocks_of_1024_by_index() {
    assertThat(TaskBlock.blockOf(1023)).isZero();
    assertThat(TaskBlock.blockOf(1024)).isEqualTo(1);
    assertThat(TaskBlock.key(ARRAY, 3)).isEqualTo("a1/3");
  }
}
