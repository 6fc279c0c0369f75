package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockUpdateTest {
  private static final JobId ARRAY = JobId.of("j0mf3k2x9a-04f2k1qz");
  private static final JobSpec SPEC = JobSpec.command("true").withArray(ArraySpec.parse("0-9"));
  private static final int[] ALL = IntStream.range(0, 10).toArray();

  private static TaskBlock dispatchedAndStarted() {
    TaskBlock b = TaskBlock.created(ARRAY, SPEC, 1000).get(0);
    b = BlockUpdate.apply(b, new BlockCommand.Dispatch(3, "n1", "w1", ALL, 1100)).block();
    int[] attempts = new int[ALL.length];
    java.util.Arrays.fill(attempts, 1);
    return BlockUpdate.apply(b, new BlockCommand.Start("n1", ALL, attempts, 1200)).block();
  }

  @Test
  void a_block_with_ended_and_running_tasks_reads_back_equal_from_its_stored_json() {
    TaskBlock b = BlockUpdate.apply(dispatchedAndStarted(), new BlockCommand.Finish("n1",
        List.of(new BlockCommand.Ended(0, 1, JobState.FAILED, 2, "exit 2", 1150, 1300, 5, 7,
            true)), 1300)).block();

    TaskBlock read = JsonCodec.BLOCKS.decode(JsonCodec.BLOCKS.encode(b));

    // a record of arrays has no value equality: compare what readers see
    assertThat(read.tasks(SPEC)).isEqualTo(b.tasks(SPEC));
    assertThat(read.version()).isEqualTo(b.version());
    assertThat(read.epoch()).isEqualTo(3);
  }

  /**
   * The tasks a worker started as a slice but had not yet run (queued for its slice threads)
   * are RUNNING in the block: when the worker dies each uses a retry, and with none left ends
   * LOST although it never ran.
   */
  @Test
  void started_but_waiting_tasks_of_a_gone_worker_with_no_retries_end_lost() {
    TaskBlock b = dispatchedAndStarted();

    BlockUpdate.Result r = BlockUpdate.apply(b, new BlockCommand.Reclaim(3, "w1", null, null,
        false, 0, "worker n1 left the grid", 2000));

    assertThat(r.changed()).hasSize(10);
    assertThat(IntStream.of(ALL).mapToObj(r.block()::state)).containsOnly(JobState.LOST);
  }

  /**
   * A cancel of a task whose cancel is already requested moves no slot, so JobTable's
   * tellRunning (which walks the changed slots) does not tell its worker again, unlike a job's
   * repeated cancel.
   */
  @Test
  void a_repeated_cancel_of_a_running_task_changes_no_slot() {
    TaskBlock once = BlockUpdate.apply(dispatchedAndStarted(),
        new BlockCommand.Cancel(new int[] {4}, 1500)).block();

    BlockUpdate.Result again =
        BlockUpdate.apply(once, new BlockCommand.Cancel(new int[] {4}, 1600));

    assertThat(once.cancelRequested(4)).isTrue();
    assertThat(again.changed()).isEmpty();
  }
}
