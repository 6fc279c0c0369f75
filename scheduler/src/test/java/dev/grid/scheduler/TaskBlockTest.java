package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.FAILED;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.SUCCEEDED;
import static dev.grid.api.JobState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TaskBlockTest {
  private static final JobId ARRAY = JobId.of("a1");

  private static JobSpec array(String indices) {
    return JobSpec.command("true").withArray(ArraySpec.parse(indices));
  }

  private static TaskBlock applied(TaskBlock b, BlockCommand c) {
    BlockUpdate.Result r = BlockUpdate.apply(b, c);
    assertThat(r.applied()).as("applied: %s (%s)", c, r.refusal()).isTrue();
    return r.block();
  }

  private static List<Integer> slotsWithTasks(TaskBlock b) {
    return IntStream.range(0, TaskBlock.SIZE).filter(b::has).boxed().toList();
  }

  @Test
  void created_splits_sparse_indices_into_blocks_of_256_and_skips_empty_blocks() {
    List<TaskBlock> blocks = TaskBlock.created(ARRAY, array("0,255,256,1000-1002"), 1000);

    assertThat(blocks).extracting(TaskBlock::block).containsExactly(0, 1, 3);
    assertThat(blocks).extracting(TaskBlock::key).containsExactly("a1:0", "a1:1", "a1:3");
    assertThat(slotsWithTasks(blocks.get(0))).containsExactly(0, 255);
    assertThat(slotsWithTasks(blocks.get(1))).containsExactly(0);
    assertThat(slotsWithTasks(blocks.get(2))).containsExactly(232, 233, 234);
    assertThat(blocks.get(2).indexOf(232)).isEqualTo(1000);
    for (TaskBlock b : blocks) {
      assertThat(b.arrayId()).isEqualTo(ARRAY);
      assertThat(b.submittedAtMillis()).isEqualTo(1000);
      assertThat(b.epoch()).isZero();
      assertThat(b.version()).isZero();
      assertThat(b.states()).hasSize(TaskBlock.SIZE);
      assertThat(b.attempts()).containsOnly(0);
      assertThat(b.workers()).containsOnly((short) -1);
      assertThat(b.exitCodes()).containsOnly(TaskBlock.NO_EXIT);
      assertThat(b.nodes()).isEmpty();
      assertThat(b.messages()).isEmpty();
      assertThat(b.allEnded()).isFalse();
    }
    assertThat(blocks.get(2).counts()).containsExactly(Map.entry(QUEUED, 3));
  }

  @Test
  void created_tasks_wait_when_the_array_has_dependencies() {
    JobSpec spec = array("0-599").withAfter(Dependencies.afterOk(JobId.of("j0")));
    List<TaskBlock> blocks = TaskBlock.created(ARRAY, spec, 1000);

    assertThat(blocks).extracting(TaskBlock::block).containsExactly(0, 1, 2);
    assertThat(blocks)
        .extracting(TaskBlock::counts)
        .containsExactly(Map.of(WAITING, 256), Map.of(WAITING, 256), Map.of(WAITING, 88));
  }

  @Test
  void counts_and_all_ended_read_only_the_slots_that_hold_a_task() {
    TaskBlock b = TaskBlock.created(ARRAY, array("0-3"), 1000).get(0);
    b = applied(b, new BlockCommand.Dispatch(1, "n1", "w1", new int[] {0, 1, 2}, 1100));
    b = applied(b, new BlockCommand.Start("n1", new int[] {0, 1}, new int[] {1, 1}, 1200));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(new BlockCommand.Ended(0, 1, SUCCEEDED, 0, null, 1200, 1300, 0, 0, false)),
                1300));

    assertThat(b.counts())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(SUCCEEDED, 1, RUNNING, 1, DISPATCHED, 1, QUEUED, 1));
    assertThat(b.allEnded()).isFalse();

    b = applied(b, new BlockCommand.Cancel(null, 1400));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(
                    new BlockCommand.Ended(
                        1, 1, CANCELLED, null, "cancelled", 1200, 1500, 0, 0, false)),
                1500));
    assertThat(b.counts()).containsExactlyInAnyOrderEntriesOf(Map.of(SUCCEEDED, 1, CANCELLED, 3));
    assertThat(b.allEnded()).isTrue();
  }

  @Test
  void a_slot_reads_as_the_record_of_its_task() {
    JobSpec spec = array("0-299");
    TaskBlock b = TaskBlock.created(ARRAY, spec, 1000).get(1);
    b = applied(b, new BlockCommand.Dispatch(4, "n1", "w1", new int[] {1, 2, 3}, 1100));
    b = applied(b, new BlockCommand.Start("n1", new int[] {1, 2}, new int[] {1, 1}, 1200));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(new BlockCommand.Ended(1, 1, FAILED, 3, "exit 3", 1210, 1300, 5, 6, true)),
                1300));

    JobRecord failed = b.task(spec, 1);
    assertThat(failed.id()).isEqualTo(JobId.of("a1_257"));
    assertThat(failed.arrayId()).isEqualTo(ARRAY);
    assertThat(failed.arrayIndex()).isEqualTo(257);
    assertThat(failed.spec()).isEqualTo(spec);
    assertThat(failed.state()).isEqualTo(FAILED);
    assertThat(failed.node()).isEqualTo("n1");
    assertThat(failed.workerId()).isEqualTo("w1");
    assertThat(failed.attempt()).isEqualTo(1);
    assertThat(failed.epoch()).isEqualTo(4);
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.message()).isEqualTo("exit 3");
    assertThat(failed.startedAtMillis()).isEqualTo(1210);
    assertThat(failed.endedAtMillis()).isEqualTo(1300);
    assertThat(failed.stdoutBytes()).isEqualTo(5);
    assertThat(failed.stderrBytes()).isEqualTo(6);
    assertThat(failed.truncated()).isTrue();
    assertThat(failed.version()).isEqualTo(b.version());
    assertThat(failed.history())
        .extracting(JobEvent::state)
        .containsExactly(QUEUED, DISPATCHED, RUNNING, FAILED);
    assertThat(failed.history())
        .extracting(JobEvent::atMillis)
        .containsExactly(1000L, 1210L, 1210L, 1300L);
    assertThat(failed.history().get(3).message()).isEqualTo("exit 3");

    JobRecord running = b.task(spec, 2);
    assertThat(running.state()).isEqualTo(RUNNING);
    assertThat(running.exitCode()).as("no exit code yet").isNull();
    assertThat(running.endedAtMillis()).isNull();
    assertThat(running.history())
        .extracting(JobEvent::state)
        .containsExactly(QUEUED, DISPATCHED, RUNNING);

    JobRecord dispatched = b.task(spec, 3);
    assertThat(dispatched.startedAtMillis()).isNull();
    assertThat(dispatched.history())
        .extracting(JobEvent::state)
        .containsExactly(QUEUED, DISPATCHED);

    JobRecord queued = b.task(spec, 4);
    assertThat(queued.id()).isEqualTo(JobId.of("a1_260"));
    assertThat(queued.node()).isNull();
    assertThat(queued.workerId()).isNull();
    assertThat(queued.attempt()).isZero();
    assertThat(queued.exitCode()).isNull();
    assertThat(queued.history()).extracting(JobEvent::state).containsExactly(QUEUED);

    assertThat(b.tasks(spec))
        .extracting(JobRecord::arrayIndex)
        .containsExactlyElementsOf(IntStream.range(256, 300).boxed().toList());
  }

  @Test
  void a_task_cancelled_while_waiting_or_requeued_after_a_retry_shows_a_short_history() {
    JobSpec spec = array("0-1").withAfter(Dependencies.afterOk(JobId.of("j0")));
    TaskBlock b = TaskBlock.created(ARRAY, spec, 1000).get(0);
    b = applied(b, new BlockCommand.Cancel(new int[] {0}, 1100));
    b = applied(b, new BlockCommand.Resolve(2, QUEUED, "dependencies met", 1200));
    b = applied(b, new BlockCommand.Dispatch(2, "n1", "w1", new int[] {1}, 1300));
    b = applied(b, new BlockCommand.Start("n1", new int[] {1}, new int[] {1}, 1400));
    b = applied(b, new BlockCommand.Reclaim(3, "w1", null, null, false, 2, "worker n1 left", 1500));

    JobRecord cancelled = b.task(spec, 0);
    assertThat(cancelled.history()).extracting(JobEvent::state).containsExactly(WAITING, CANCELLED);
    assertThat(cancelled.endedAtMillis()).isEqualTo(1100);
    assertThat(cancelled.message()).isEqualTo("cancelled by user");

    JobRecord retried = b.task(spec, 1);
    assertThat(retried.state()).isEqualTo(QUEUED);
    assertThat(retried.attempt()).isEqualTo(1);
    assertThat(retried.retriesUsed()).isEqualTo(1);
    assertThat(retried.message()).contains("retry 1 of 2");
    assertThat(retried.history()).extracting(JobEvent::state).containsExactly(WAITING, QUEUED);
  }

  @Test
  void a_running_task_asked_to_cancel_reads_as_cancel_requested() {
    JobSpec spec = array("0");
    TaskBlock b = TaskBlock.created(ARRAY, spec, 1000).get(0);
    b = applied(b, new BlockCommand.Dispatch(1, "n1", "w1", new int[] {0}, 1100));
    b = applied(b, new BlockCommand.Start("n1", new int[] {0}, new int[] {1}, 1200));
    assertThat(b.task(spec, 0).cancelRequested()).isFalse();

    b = applied(b, new BlockCommand.Cancel(null, 1300));

    assertThat(b.task(spec, 0).cancelRequested()).isTrue();
    assertThat(b.task(spec, 0).state()).isEqualTo(RUNNING);
  }

  @Test
  void an_index_names_its_block_and_slot_and_a_block_its_key() {
    assertThat(TaskBlock.blockOf(0)).isZero();
    assertThat(TaskBlock.blockOf(255)).isZero();
    assertThat(TaskBlock.blockOf(256)).isEqualTo(1);
    assertThat(TaskBlock.blockOf(999_999)).isEqualTo(3906);
    assertThat(TaskBlock.slotOf(255)).isEqualTo(255);
    assertThat(TaskBlock.slotOf(256)).isZero();
    assertThat(TaskBlock.slotOf(1000)).isEqualTo(232);
    assertThat(TaskBlock.key(ARRAY, 3)).isEqualTo("a1:3");
    for (int index : List.of(0, 255, 256, 1000, 999_999)) {
      TaskBlock b = TaskBlock.created(ARRAY, array(String.valueOf(index)), 1).get(0);
      assertThat(b.indexOf(TaskBlock.slotOf(index))).isEqualTo(index);
      assertThat(b.key()).isEqualTo(TaskBlock.key(ARRAY, TaskBlock.blockOf(index)));
    }
  }

  @Test
  void every_state_is_kept_as_a_code_that_reads_back() {
    TaskBlock b = TaskBlock.created(ARRAY, array("0"), 1).get(0);
    for (JobState s : JobState.values()) {
      b.states()[0] = TaskBlock.code(s);
      assertThat(b.state(0)).isEqualTo(s);
      assertThat(b.has(0)).isTrue();
    }
  }
}
