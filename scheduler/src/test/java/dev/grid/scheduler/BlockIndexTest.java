package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlockIndexTest {
  private static final JobId A1 = JobId.of("a1");
  private static final JobId A2 = JobId.of("a2");

  private final BlockIndex index = new BlockIndex();

  /** The blocks of a new array of tasks 0..n-1, all queued. */
  private static List<TaskBlock> array(JobId id, int n) {
    return TaskBlock.created(
        id, JobSpec.command("true").withArray(ArraySpec.parse("0-" + (n - 1))), 1000);
  }

  private static TaskBlock apply(TaskBlock b, BlockCommand c) {
    BlockUpdate.Result r = BlockUpdate.apply(b, c);
    assertThat(r.applied()).as("applied: %s (%s)", c, r.refusal()).isTrue();
    return r.block();
  }

  private static TaskBlock dispatch(TaskBlock b, String worker, int... slots) {
    return apply(b, new BlockCommand.Dispatch(1, "node-" + worker, worker, slots, 1100));
  }

  private static TaskBlock start(TaskBlock b, String worker, int... slots) {
    int[] attempts = new int[slots.length];
    for (int i = 0; i < slots.length; i++) {
      attempts[i] = b.attempts()[slots[i]];
    }
    return apply(b, new BlockCommand.Start("node-" + worker, slots, attempts, 1200));
  }

  private static TaskBlock end(
      TaskBlock b, String worker, JobState outcome, long startedAt, long endedAt, int... slots) {
    List<BlockCommand.Ended> ends = new ArrayList<>();
    for (int slot : slots) {
      ends.add(
          new BlockCommand.Ended(
              slot, b.attempts()[slot], outcome, 0, null, startedAt, endedAt, 0, 0, false));
    }
    return apply(b, new BlockCommand.Finish("node-" + worker, ends, endedAt));
  }

  private void assertSums(JobId array, int queued, int active, int unfinished) {
    assertThat(index.queuedTasks(array)).as("queued of %s", array).isEqualTo(queued);
    assertThat(index.activeTasks(array)).as("active of %s", array).isEqualTo(active);
    assertThat(index.unfinishedTasks(array)).as("unfinished of %s", array).isEqualTo(unfinished);
  }

  @Test
  void sums_follow_the_newest_copy_of_each_block() {
    List<TaskBlock> blocks = array(A1, 300);
    assertThat(index.offer(blocks.get(0), 0)).isTrue();
    assertThat(index.offer(blocks.get(1), 0)).isTrue();
    assertSums(A1, 300, 0, 300);
    assertThat(index.activeByWorker()).isEmpty();

    TaskBlock b0 = dispatch(blocks.get(0), "w1", 0, 1, 2);
    b0 = dispatch(b0, "w2", 3);
    TaskBlock b1 = dispatch(blocks.get(1), "w1", 0);
    index.offer(b0, 0);
    index.offer(b1, 0);
    assertSums(A1, 295, 5, 300);
    assertThat(index.activeByWorker()).containsExactlyInAnyOrderEntriesOf(Map.of("w1", 4, "w2", 1));

    b0 = start(b0, "w1", 0, 1);
    b0 = end(b0, "w1", JobState.SUCCEEDED, 1200, 1300, 0);
    index.offer(b0, 0);
    assertSums(A1, 295, 4, 299);
    assertThat(index.activeByWorker()).containsExactlyInAnyOrderEntriesOf(Map.of("w1", 3, "w2", 1));

    b0 = apply(b0, new BlockCommand.Reclaim(1, "w2", null, null, false, 0, "w2 left", 1400));
    index.offer(b0, 0);
    assertSums(A1, 296, 3, 299);
    assertThat(index.activeByWorker())
        .as("a worker with none left is dropped")
        .containsExactlyInAnyOrderEntriesOf(Map.of("w1", 3));
    assertThat(index.blocksOf(A1)).extracting(TaskBlock::block).containsExactly(0, 1);
    assertThat(index.blocksOf(A1).get(0).version()).isEqualTo(b0.version());
    assertThat(index.all()).hasSize(2);
    assertSums(A2, 0, 0, 0);
  }

  @Test
  void an_older_or_equal_copy_is_ignored() {
    TaskBlock v0 = array(A1, 4).get(0);
    TaskBlock v1 = dispatch(v0, "w1", 0, 1);
    assertThat(index.offer(v1, 0)).isTrue();

    assertThat(index.offer(v0, 0)).as("older").isFalse();
    assertThat(index.offer(v1, 0)).as("the same version").isFalse();
    assertSums(A1, 2, 2, 4);
    assertThat(index.blocksOf(A1)).singleElement().isSameAs(v1);
  }

  @Test
  void a_correction_replaces_even_a_newer_copy() {
    TaskBlock v0 = array(A1, 4).get(0);
    TaskBlock v1 = dispatch(v0, "w1", 0, 1);
    TaskBlock v2 = dispatch(v1, "w1", 2);
    index.offer(v2, 0);
    assertSums(A1, 1, 3, 4);

    index.correct(v1, 0);

    assertSums(A1, 2, 2, 4);
    assertThat(index.activeByWorker()).containsExactly(Map.entry("w1", 2));
    assertThat(index.blocksOf(A1)).singleElement().isSameAs(v1);
    assertThat(index.offer(v2, 0)).as("newer than the correction").isTrue();
    assertSums(A1, 1, 3, 4);
  }

  @Test
  void a_block_whose_tasks_all_ended_leaves_the_index_and_a_late_older_copy_stays_out() {
    List<TaskBlock> blocks = array(A1, 257);
    TaskBlock b0 = blocks.get(0);
    index.offer(b0, 0);
    index.offer(blocks.get(1), 0);
    TaskBlock dispatched = dispatch(b0, "w1", 0);
    index.offer(dispatched, 0);
    TaskBlock ended = apply(dispatched, new BlockCommand.Cancel(null, 1500));

    index.offer(ended, 5);

    assertSums(A1, 1, 0, 1);
    assertThat(index.activeByWorker()).isEmpty();
    assertThat(index.blocksOf(A1)).extracting(TaskBlock::block).containsExactly(1);
    assertThat(index.offer(dispatched, 6)).as("late older copy").isFalse();
    assertThat(index.offer(b0, 6)).as("late oldest copy").isFalse();
    assertSums(A1, 1, 0, 1);

    index.offer(apply(blocks.get(1), new BlockCommand.Cancel(null, 1600)), 7);
    assertSums(A1, 0, 0, 0);
    assertThat(index.blocksOf(A1)).isEmpty();
    assertThat(index.all()).isEmpty();
  }

  @Test
  void an_ended_block_seen_first_is_not_kept() {
    TaskBlock ended = apply(array(A1, 2).get(0), new BlockCommand.Cancel(null, 1500));
    assertThat(index.offer(ended, 0)).isTrue();
    assertThat(index.all()).isEmpty();
    assertSums(A1, 0, 0, 0);
  }

  @Test
  void pruned_ended_blocks_are_forgotten_oldest_first() {
    TaskBlock a = array(A1, 1).get(0);
    TaskBlock b = array(A2, 1).get(0);
    index.offer(apply(a, new BlockCommand.Cancel(null, 1)), 100);
    index.offer(apply(b, new BlockCommand.Cancel(null, 1)), 200);

    index.pruneEnded(150);

    assertThat(index.offer(a, 300)).as("forgotten: an old copy comes in again").isTrue();
    assertThat(index.offer(b, 300)).as("still remembered").isFalse();
  }

  @Test
  void the_mean_task_time_learns_from_tasks_that_newly_ran_to_their_end() {
    TaskBlock b =
        start(
            dispatch(array(A1, 8).get(0), "w1", 0, 1, 2, 3, 4, 5, 6, 7),
            "w1",
            0,
            1,
            2,
            3,
            4,
            5,
            6,
            7);
    index.offer(b, 0);
    assertThat(index.meanMillis(A1)).isNull();

    b = end(b, "w1", JobState.TIMED_OUT, 1000, 9000, 0);
    index.offer(b, 0);
    assertThat(index.meanMillis(A1)).as("a task killed at its timeout teaches nothing").isNull();

    b = end(b, "w1", JobState.SUCCEEDED, 1000, 1100, 1);
    b = end(b, "w1", JobState.FAILED, 1000, 1300, 2);
    index.offer(b, 0);
    assertThat(index.meanMillis(A1)).as("the first batch's mean").isEqualTo(200.0);

    index.offer(apply(b, new BlockCommand.Cancel(new int[] {7}, 1400)), 0);
    assertThat(index.meanMillis(A1)).as("tasks that had ended count once").isEqualTo(200.0);

    TaskBlock later = index.blocksOf(A1).get(0);
    later = end(later, "w1", JobState.SUCCEEDED, 2000, 2400, 3);
    index.offer(later, 0);
    assertThat(index.meanMillis(A1))
        .as("0.7 * old + 0.3 * batch")
        .isCloseTo(0.7 * 200 + 0.3 * 400, within(1e-9));
  }

  @Test
  void dropping_a_deleted_block_takes_its_sums_away_and_keeps_the_others() {
    TaskBlock first = dispatch(array(A1, 300).get(0), "w1", 0, 1);
    TaskBlock second = array(A1, 300).get(1);
    index.offer(first, 0);
    index.offer(second, 0);
    TaskBlock other = dispatch(array(A2, 2).get(0), "w1", 0);
    index.offer(other, 0);

    index.drop(first.key());

    assertThat(index.blocksOf(A1)).singleElement().isSameAs(second);
    assertThat(index.activeTasks(A1)).isZero();
    assertSums(A2, 1, 1, 2);
    assertThat(index.activeByWorker()).containsExactly(Map.entry("w1", 1));
  }
}
