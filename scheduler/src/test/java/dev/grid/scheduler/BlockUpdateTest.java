package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.FAILED;
import static dev.grid.api.JobState.LOST;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.SUCCEEDED;
import static dev.grid.api.JobState.TIMED_OUT;
import static dev.grid.api.JobState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import dev.grid.api.Usage;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BlockUpdateTest {
  private static final JobId ARRAY = JobId.of("a1");

  /** A fresh block of tasks 0..n-1, all QUEUED (or WAITING with dependencies). */
  private static TaskBlock block(int n, boolean after) {
    JobSpec spec = JobSpec.command("true").withArray(ArraySpec.parse("0-" + (n - 1)));
    if (after) {
      spec = spec.withAfter(Dependencies.afterOk(JobId.of("before")));
    }
    return TaskBlock.created(ARRAY, spec, 1000).get(0);
  }

  private static TaskBlock queued(int n) {
    return block(n, false);
  }

  /**
   * Applies a command that must move some slot, and checks what every applied command must hold:
   * the version rises by one, every slot that changed state did so by a move the one transition
   * table allows, slots not reported as changed are as they were, and the input is not touched.
   */
  private static TaskBlock applied(TaskBlock b, BlockCommand c) {
    Snapshot before = new Snapshot(b);
    BlockUpdate.Result r = BlockUpdate.apply(b, c);
    before.assertUnchanged(b);
    assertThat(r.applied()).as("applied: %s (%s)", c, r.refusal()).isTrue();
    assertThat(r.refusal()).isNull();
    TaskBlock a = r.block();
    assertThat(a).isNotSameAs(b);
    assertThat(a.version()).isEqualTo(b.version() + 1);
    assertThat(a.states()).isNotSameAs(b.states());
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      assertThat(a.has(slot)).isEqualTo(b.has(slot));
      if (!b.has(slot)) {
        continue;
      }
      JobState from = b.state(slot);
      JobState to = a.state(slot);
      if (from != to) {
        assertThat(from.canMoveTo(to)).as("slot %d moved %s -> %s", slot, from, to).isTrue();
        assertThat(r.changed(slot)).as("slot %d reported changed", slot).isTrue();
      }
      if (!r.changed(slot)) {
        assertThat(new Snapshot(a).slot(slot))
            .as("slot %d untouched", slot)
            .isEqualTo(before.slot(slot));
      }
    }
    return a;
  }

  /** Applies a command that must move nothing; returns the refusal. */
  private static String refused(TaskBlock b, BlockCommand c) {
    Snapshot before = new Snapshot(b);
    BlockUpdate.Result r = BlockUpdate.apply(b, c);
    before.assertUnchanged(b);
    assertThat(r.applied()).as("refused: %s", c).isFalse();
    assertThat(r.changed()).isEmpty();
    assertThat(r.block()).isSameAs(b);
    assertThat(r.block().version()).isEqualTo(b.version());
    assertThat(r.refusal()).isNotBlank();
    return r.refusal();
  }

  private static int[] slots(int... s) {
    return s;
  }

  private static BlockCommand.Dispatch dispatch(long epoch, String node, int... slots) {
    return new BlockCommand.Dispatch(epoch, node, "w-" + node, slots, 2000);
  }

  private static BlockCommand.Start start(String node, int[] slots, int[] attempts) {
    return new BlockCommand.Start(node, slots, attempts, 3000);
  }

  private static BlockCommand.Ended ok(int slot, int attempt) {
    return new BlockCommand.Ended(slot, attempt, SUCCEEDED, 0, null, 3100, 3200, 10, 20, false);
  }

  private static BlockCommand.Reclaim reclaimAll(long epoch, String node, int maxRetries) {
    return new BlockCommand.Reclaim(
        epoch, "w-" + node, null, null, false, maxRetries, "worker " + node + " left", 4000);
  }

  /** Slots 0..n-1 dispatched to n1 at epoch 7 and started (attempt 1). */
  private static TaskBlock running(int n) {
    int[] all = new int[n];
    int[] ones = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
      ones[i] = 1;
    }
    TaskBlock b = applied(queued(n), dispatch(7, "n1", all));
    return applied(b, start("n1", all, ones));
  }

  @Test
  void
      a_failed_task_of_an_array_that_retries_on_failure_waits_its_backoff_and_its_cost_is_summed() {
    BlockCommand.RetryRule rule =
        new BlockCommand.RetryRule(
            1, List.of(RetryOn.FAILED), new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1)));
    TaskBlock b = running(2);
    BlockCommand.Ended failed =
        new BlockCommand.Ended(
            0, 1, FAILED, 3, null, 3100, 3200, 5, 0, false, new Usage(100, 10, 1000));
    BlockCommand.Ended timedOut =
        new BlockCommand.Ended(
            1, 1, TIMED_OUT, 143, "timed out after 1 s", 3100, 3200, 0, 0, false, null);

    b = applied(b, new BlockCommand.Finish("n1", List.of(failed, timedOut), 3300, rule));

    assertThat(b.state(0)).isEqualTo(QUEUED);
    assertThat(b.retriesUsed()[0]).isEqualTo(1);
    assertThat(b.retryAt(0)).isBetween(3200L + 10_000, 3200L + 12_000);
    assertThat(b.messages().get(0)).startsWith("exit code 3; retry 1 of 1 in 1");
    assertThat(b.stdoutBytes()[0]).as("the attempt's output is readable meanwhile").isEqualTo(5);
    assertThat(b.state(1)).as("the array retries on failure, not on timeout").isEqualTo(TIMED_OUT);
    assertThat(b.usage()).containsOnlyKeys(0).containsEntry(0, new Usage(100, 10, 1000));
    JobSpec spec = JobSpec.command("true").withArray(ArraySpec.parse("0-1"));
    assertThat(b.task(spec, 0).toInfo().retryAtMillis()).isEqualTo(b.retryAt(0));

    long due = b.retryAt(0);
    assertThat(refused(b, new BlockCommand.Dispatch(7, "n1", "w-n1", slots(0), due - 1)))
        .contains("no slot");
    b = applied(b, new BlockCommand.Dispatch(7, "n2", "w-n2", slots(0), due));
    assertThat(b.retryAt(0)).isZero();
    b = applied(b, new BlockCommand.Start("n2", slots(0), new int[] {2}, due + 1));
    BlockCommand.Ended again =
        new BlockCommand.Ended(
            0, 2, FAILED, 4, null, due + 1, due + 9, 0, 0, false, new Usage(50, 5, 3000));
    b = applied(b, new BlockCommand.Finish("n2", List.of(again), due + 10, rule));

    assertThat(b.state(0)).as("no retries left").isEqualTo(FAILED);
    assertThat(b.exitCodes()[0]).isEqualTo(4);
    assertThat(b.usage().get(0)).isEqualTo(new Usage(150, 15, 3000));
  }

  @Test
  void a_failed_task_is_not_retried_without_the_rule_or_once_cancelled() {
    BlockCommand.RetryRule rule =
        new BlockCommand.RetryRule(
            3, List.of(RetryOn.FAILED), new Backoff(Duration.ZERO, Duration.ZERO));
    BlockCommand.Ended failed =
        new BlockCommand.Ended(0, 1, FAILED, 1, null, 3100, 3200, 0, 0, false);

    assertThat(applied(running(1), new BlockCommand.Finish("n1", List.of(failed), 3300)).state(0))
        .isEqualTo(FAILED);
    TaskBlock cancelling = applied(running(1), new BlockCommand.Cancel(slots(0), 3050));
    assertThat(
            applied(cancelling, new BlockCommand.Finish("n1", List.of(failed), 3300, rule))
                .state(0))
        .isEqualTo(FAILED);
    TaskBlock atOnce =
        applied(running(1), new BlockCommand.Finish("n1", List.of(failed), 3300, rule));
    assertThat(atOnce.state(0)).isEqualTo(QUEUED);
    assertThat(atOnce.retryAt(0)).as("no backoff: dispatched at once").isZero();
  }

  @Test
  void dispatch_moves_only_queued_slots_raises_their_attempts_and_records_the_worker() {
    TaskBlock b = applied(queued(4), new BlockCommand.Cancel(slots(3), 1500));

    BlockUpdate.Result r = BlockUpdate.apply(b, dispatch(7, "n1", 0, 1, 3, 7, 300, -1));
    TaskBlock d = applied(b, dispatch(7, "n1", 0, 1, 3, 7, 300, -1));

    assertThat(r.changed()).containsExactly(0, 1);
    assertThat(d.state(0)).isEqualTo(DISPATCHED);
    assertThat(d.state(1)).isEqualTo(DISPATCHED);
    assertThat(d.state(2)).isEqualTo(QUEUED);
    assertThat(d.state(3)).isEqualTo(CANCELLED);
    assertThat(d.has(7)).isFalse();
    assertThat(d.attempts()).startsWith(1, 1, 0, 0);
    assertThat(d.node(0)).isEqualTo("n1");
    assertThat(d.workerId(1)).isEqualTo("w-n1");
    assertThat(d.node(2)).isNull();
    assertThat(d.workerId(2)).isNull();
    assertThat(d.epoch()).isEqualTo(7);

    TaskBlock again = applied(d, dispatch(8, "n1", 2));
    assertThat(again.nodes()).as("a known worker is not added twice").containsExactly("n1");
    assertThat(refused(again, dispatch(8, "n2", 0, 1, 2, 3))).contains("no slot");
  }

  @Test
  void a_slot_dispatched_again_after_a_reclaim_gets_the_next_attempt_and_the_new_worker() {
    TaskBlock b = applied(queued(1), dispatch(7, "n1", 0));
    b = applied(b, reclaimAll(7, "n1", 0));
    assertThat(b.state(0)).isEqualTo(QUEUED);

    b = applied(b, dispatch(7, "n2", 0));

    assertThat(b.attempts()[0]).isEqualTo(2);
    assertThat(b.node(0)).isEqualTo("n2");
    assertThat(b.workerId(0)).isEqualTo("w-n2");
    assertThat(b.nodes()).containsExactly("n1", "n2");
    assertThat(b.workerIds()).containsExactly("w-n1", "w-n2");
  }

  @Test
  void dispatch_of_no_queued_slot_is_refused_and_keeps_the_block() {
    TaskBlock b = running(2);
    assertThat(refused(b, dispatch(9, "n2", 0, 1))).contains("no slot");
    assertThat(refused(b, dispatch(9, "n2"))).contains("no slot");
  }

  @Test
  void a_stale_epoch_is_refused_whole_for_dispatch_reclaim_and_resolve() {
    TaskBlock b = applied(queued(4), dispatch(7, "n1", 0, 1));
    assertThat(b.epoch()).isEqualTo(7);

    assertThat(refused(b, dispatch(6, "n2", 2, 3))).contains("stale epoch 6 < 7");
    assertThat(refused(b, reclaimAll(6, "n1", 1))).contains("stale epoch 6 < 7");
    TaskBlock waiting2 =
        applied(block(2, true), new BlockCommand.Resolve(7, CANCELLED, "dependency failed", 1600));
    assertThat(waiting2.epoch()).isEqualTo(7);
    TaskBlock fresh = block(2, true);
    TaskBlock fenced =
        new TaskBlock(
            fresh.arrayId(),
            fresh.block(),
            fresh.submittedAtMillis(),
            7,
            fresh.version(),
            fresh.states(),
            fresh.attempts(),
            fresh.retriesUsed(),
            fresh.workers(),
            fresh.nodes(),
            fresh.workerIds(),
            fresh.startedAtMillis(),
            fresh.endedAtMillis(),
            fresh.exitCodes(),
            fresh.stdoutBytes(),
            fresh.stderrBytes(),
            fresh.flags(),
            fresh.messages());
    assertThat(refused(fenced, new BlockCommand.Resolve(6, QUEUED, "ready", 1600)))
        .contains("stale epoch 6 < 7");

    TaskBlock same = applied(b, dispatch(7, "n2", 2));
    assertThat(same.epoch()).isEqualTo(7);
    TaskBlock newer = applied(b, dispatch(9, "n2", 2));
    assertThat(newer.epoch()).isEqualTo(9);
    assertThat(refused(newer, dispatch(8, "n1", 3))).contains("stale epoch 8 < 9");
  }

  @Test
  void start_applies_only_to_slots_of_the_same_node_and_attempt_and_the_rest_still_apply() {
    TaskBlock b = applied(queued(4), dispatch(7, "n1", 0, 1, 2));
    b = applied(b, dispatch(7, "n2", 3));

    BlockUpdate.Result r =
        BlockUpdate.apply(b, start("n1", slots(0, 1, 2, 3, 9), new int[] {1, 2, 1, 1, 1}));
    TaskBlock s = applied(b, start("n1", slots(0, 1, 2, 3, 9), new int[] {1, 2, 1, 1, 1}));

    assertThat(r.changed()).containsExactly(0, 2);
    assertThat(s.state(0)).isEqualTo(RUNNING);
    assertThat(s.state(1)).as("stale attempt").isEqualTo(DISPATCHED);
    assertThat(s.state(2)).isEqualTo(RUNNING);
    assertThat(s.state(3)).as("another node's slot").isEqualTo(DISPATCHED);
    assertThat(s.startedAtMillis()).startsWith(3000, 0, 3000, 0);
    assertThat(refused(s, start("n1", slots(0), new int[] {1})))
        .as("started twice")
        .contains("no slot");
    assertThat(refused(queued(1), start("n1", slots(0), new int[] {0})))
        .as("never dispatched")
        .contains("no slot");
  }

  @Test
  void finish_keeps_the_workers_start_time_exit_code_output_sizes_and_truncation() {
    TaskBlock b = running(3);
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(
                    new BlockCommand.Ended(0, 1, SUCCEEDED, 0, null, 3100, 3200, 10, 20, false),
                    new BlockCommand.Ended(1, 1, FAILED, 3, "exit 3", 3050, 3300, 1 << 20, 7, true),
                    new BlockCommand.Ended(
                        2, 1, TIMED_OUT, null, "timed out after 1s", 0, 4000, 0, 0, false)),
                5000));

    assertThat(b.state(0)).isEqualTo(SUCCEEDED);
    assertThat(b.state(1)).isEqualTo(FAILED);
    assertThat(b.state(2)).isEqualTo(TIMED_OUT);
    assertThat(b.startedAtMillis())
        .as("the worker's own start; the Start's when 0")
        .startsWith(3100, 3050, 3000);
    assertThat(b.endedAtMillis()).startsWith(3200, 3300, 4000);
    assertThat(b.exitCodes()).startsWith(0, 3, TaskBlock.NO_EXIT);
    assertThat(b.stdoutBytes()).startsWith(10, 1 << 20, 0);
    assertThat(b.stderrBytes()).startsWith(20, 7, 0);
    assertThat(b.flags()[0] & TaskBlock.TRUNCATED).isZero();
    assertThat(b.flags()[1] & TaskBlock.TRUNCATED).isEqualTo(TaskBlock.TRUNCATED);
    assertThat(b.messages())
        .containsExactly(Map.entry(1, "exit 3"), Map.entry(2, "timed out after 1s"));
    assertThat(b.allEnded()).isTrue();
  }

  @Test
  void finish_of_a_dispatched_slot_that_never_started_ends_it() {
    TaskBlock b = applied(queued(1), dispatch(7, "n1", 0));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(
                    new BlockCommand.Ended(
                        0,
                        1,
                        FAILED,
                        null,
                        "could not start: no such program",
                        0,
                        2500,
                        0,
                        0,
                        false)),
                2600));
    assertThat(b.state(0)).isEqualTo(FAILED);
    assertThat(b.startedAtMillis()[0]).isZero();
    assertThat(b.endedAtMillis()[0]).isEqualTo(2500);
  }

  @Test
  void a_slot_that_never_started_cannot_succeed_and_the_error_names_both_states() {
    TaskBlock b = applied(queued(1), dispatch(7, "n1", 0));
    assertThatThrownBy(
            () -> BlockUpdate.apply(b, new BlockCommand.Finish("n1", List.of(ok(0, 1)), 5000)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("from DISPATCHED to SUCCEEDED");
  }

  @Test
  void finish_skips_stale_slots_and_applies_the_rest_of_the_batch() {
    TaskBlock b = running(4);
    b = applied(b, new BlockCommand.Cancel(slots(3), 3500));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(
                    new BlockCommand.Ended(
                        3, 1, CANCELLED, null, "cancelled by user", 0, 3600, 0, 0, false)),
                3600));

    BlockCommand.Finish batch =
        new BlockCommand.Finish("n1", List.of(ok(1, 2), ok(3, 1), ok(200, 1), ok(0, 1)), 5000);
    BlockUpdate.Result r = BlockUpdate.apply(b, batch);
    TaskBlock f = applied(b, batch);

    assertThat(r.changed()).containsExactly(0);
    assertThat(f.state(0)).isEqualTo(SUCCEEDED);
    assertThat(f.state(1)).as("stale attempt").isEqualTo(RUNNING);
    assertThat(f.state(3)).as("already ended").isEqualTo(CANCELLED);
    assertThat(f.endedAtMillis()[3]).isEqualTo(3600);
    assertThat(refused(f, new BlockCommand.Finish("n2", List.of(ok(1, 1)), 5000)))
        .as("another node")
        .contains("no slot");
  }

  @Test
  void finish_refuses_lost_and_non_terminal_outcomes() {
    TaskBlock b = running(1);
    for (JobState bad : List.of(LOST, RUNNING, QUEUED, DISPATCHED, WAITING)) {
      BlockCommand.Finish f =
          new BlockCommand.Finish(
              "n1",
              List.of(new BlockCommand.Ended(0, 1, bad, null, null, 0, 5000, 0, 0, false)),
              5000);
      Snapshot before = new Snapshot(b);
      assertThatThrownBy(() -> BlockUpdate.apply(b, f))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.name());
      before.assertUnchanged(b);
    }
  }

  @Test
  void reclaim_of_a_gone_worker_queues_running_slots_with_a_retry_until_none_is_left() {
    TaskBlock b = running(2);
    b = applied(b, reclaimAll(7, "n1", 1));
    assertThat(b.state(0)).isEqualTo(QUEUED);
    assertThat(b.state(1)).isEqualTo(QUEUED);
    assertThat(b.retriesUsed()).startsWith(1, 1);
    assertThat(b.messages().get(0)).contains("worker n1 left").contains("retry 1 of 1");
    assertThat(b.endedAtMillis()[0]).isZero();

    b = applied(b, dispatch(7, "n2", 0, 1));
    b = applied(b, start("n2", slots(0, 1), new int[] {2, 2}));
    b = applied(b, reclaimAll(8, "n2", 1));

    assertThat(b.state(0)).isEqualTo(LOST);
    assertThat(b.messages().get(0)).contains("no retries left (maxRetries 1)");
    assertThat(b.endedAtMillis()[0]).isEqualTo(4000);
    assertThat(b.retriesUsed()[0]).isEqualTo(1);
    assertThat(b.epoch()).isEqualTo(8);
  }

  @Test
  void reclaim_with_no_retries_loses_a_running_slot_at_once() {
    TaskBlock b = applied(running(1), reclaimAll(7, "n1", 0));
    assertThat(b.state(0)).isEqualTo(LOST);
    assertThat(b.retriesUsed()[0]).isZero();
  }

  @Test
  void reclaim_of_a_dispatched_slot_queues_it_without_using_a_retry() {
    TaskBlock b = applied(queued(1), dispatch(7, "n1", 0));
    b = applied(b, reclaimAll(7, "n1", 0));
    assertThat(b.state(0)).isEqualTo(QUEUED);
    assertThat(b.retriesUsed()[0]).isZero();
    assertThat(b.messages().get(0)).contains("dispatching again");
  }

  @Test
  void reclaim_of_a_running_slot_whose_cancel_was_asked_cancels_it() {
    TaskBlock b = applied(running(2), new BlockCommand.Cancel(slots(0), 3500));
    b = applied(b, reclaimAll(7, "n1", 5));
    assertThat(b.state(0)).isEqualTo(CANCELLED);
    assertThat(b.endedAtMillis()[0]).isEqualTo(4000);
    assertThat(b.messages().get(0)).startsWith("cancelled; ").contains("worker n1 left");
    assertThat(b.state(1)).isEqualTo(QUEUED);
  }

  @Test
  void reclaim_leaves_slots_of_another_worker_ended_slots_and_mismatched_attempts() {
    TaskBlock b = applied(queued(5), dispatch(7, "n1", 0, 1, 2));
    b = applied(b, dispatch(7, "n2", 3, 4));
    b = applied(b, start("n1", slots(0, 1), new int[] {1, 1}));
    b = applied(b, new BlockCommand.Finish("n1", List.of(ok(1, 1)), 3300));

    BlockUpdate.Result r = BlockUpdate.apply(b, reclaimAll(7, "n1", 1));
    TaskBlock a = applied(b, reclaimAll(7, "n1", 1));
    assertThat(r.changed()).containsExactly(0, 2);
    assertThat(a.state(1)).isEqualTo(SUCCEEDED);
    assertThat(a.state(3)).isEqualTo(DISPATCHED);
    assertThat(a.state(4)).isEqualTo(DISPATCHED);

    BlockCommand.Reclaim stale =
        new BlockCommand.Reclaim(
            7, "w-n2", slots(3, 4), new int[] {2, 1}, false, 1, "worker n2 left", 4000);
    BlockUpdate.Result s = BlockUpdate.apply(b, stale);
    applied(b, stale);
    assertThat(s.changed()).as("slot 3's attempt is 1, not 2").containsExactly(4);
    assertThat(refused(b, new BlockCommand.Reclaim(7, "w-n3", null, null, false, 1, "gone", 4000)))
        .contains("no slot");
  }

  @Test
  void reclaim_only_if_unstarted_leaves_running_slots() {
    TaskBlock b = applied(queued(2), dispatch(7, "n1", 0, 1));
    b = applied(b, start("n1", slots(0), new int[] {1}));
    BlockCommand.Reclaim timeout =
        new BlockCommand.Reclaim(
            7, "w-n1", slots(0, 1), new int[] {1, 1}, true, 1, "did not start within 30s", 4000);

    TaskBlock a = applied(b, timeout);

    assertThat(a.state(0)).isEqualTo(RUNNING);
    assertThat(a.state(1)).isEqualTo(QUEUED);
    assertThat(a.retriesUsed()).startsWith(0, 0);
    assertThat(refused(a, timeout)).contains("no slot");
  }

  @Test
  void release_queues_active_slots_without_a_retry_or_cancels_those_asked_to_cancel() {
    TaskBlock b = applied(queued(4), dispatch(7, "n1", 0, 1, 2, 3));
    b = applied(b, start("n1", slots(0, 1), new int[] {1, 1}));
    b = applied(b, new BlockCommand.Cancel(slots(1), 3500));

    BlockCommand.Release release =
        new BlockCommand.Release(
            "n1", slots(0, 1, 2, 3), new int[] {1, 1, 1, 2}, "node n1 stopped", 4000);
    BlockUpdate.Result r = BlockUpdate.apply(b, release);
    TaskBlock a = applied(b, release);

    assertThat(r.changed()).containsExactly(0, 1, 2);
    assertThat(a.state(0)).isEqualTo(QUEUED);
    assertThat(a.messages().get(0)).contains("node n1 stopped").contains("dispatching again");
    assertThat(a.state(1)).isEqualTo(CANCELLED);
    assertThat(a.endedAtMillis()[1]).isEqualTo(4000);
    assertThat(a.state(2)).isEqualTo(QUEUED);
    assertThat(a.state(3)).as("stale attempt").isEqualTo(DISPATCHED);
    assertThat(a.retriesUsed()).startsWith(0, 0, 0, 0);
    assertThat(a.endedAtMillis()[0]).isZero();
    assertThat(refused(a, new BlockCommand.Release("n2", slots(3), new int[] {1}, "x", 4000)))
        .as("another node")
        .contains("no slot");
    assertThat(refused(a, release)).as("released twice").contains("no slot");
  }

  @Test
  void resolve_moves_waiting_slots_to_queued_or_cancelled_and_no_other_slot() {
    TaskBlock w = applied(block(3, true), new BlockCommand.Cancel(slots(2), 1500));
    assertThat(w.state(0)).isEqualTo(WAITING);

    TaskBlock q = applied(w, new BlockCommand.Resolve(7, QUEUED, "dependencies met", 1600));
    assertThat(q.state(0)).isEqualTo(QUEUED);
    assertThat(q.state(1)).isEqualTo(QUEUED);
    assertThat(q.endedAtMillis()).startsWith(0, 0, 1500);
    assertThat(q.messages().get(0)).isEqualTo("dependencies met");
    assertThat(q.state(2)).isEqualTo(CANCELLED);
    assertThat(q.messages().get(2)).isEqualTo("cancelled by user");

    TaskBlock c = applied(w, new BlockCommand.Resolve(7, CANCELLED, "b1 failed", 1600));
    assertThat(c.state(0)).isEqualTo(CANCELLED);
    assertThat(c.endedAtMillis()).startsWith(1600, 1600, 1500);
    assertThat(c.messages().get(1)).isEqualTo("b1 failed");

    assertThat(refused(q, new BlockCommand.Resolve(7, CANCELLED, "late", 1700)))
        .contains("no slot");
    assertThat(refused(queued(2), new BlockCommand.Resolve(7, QUEUED, "x", 1700)))
        .contains("no slot");
    assertThatThrownBy(() -> BlockUpdate.apply(w, new BlockCommand.Resolve(7, FAILED, "x", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FAILED");
  }

  @Test
  void cancel_ends_queued_and_dispatched_slots_flags_running_ones_once_and_leaves_ended_ones() {
    TaskBlock b = applied(queued(5), dispatch(7, "n1", 1, 2, 3));
    b = applied(b, start("n1", slots(2, 3), new int[] {1, 1}));
    b = applied(b, new BlockCommand.Finish("n1", List.of(ok(3, 1)), 3300));

    BlockUpdate.Result r = BlockUpdate.apply(b, new BlockCommand.Cancel(null, 3500));
    TaskBlock c = applied(b, new BlockCommand.Cancel(null, 3500));

    assertThat(r.changed()).containsExactly(0, 1, 2, 4);
    assertThat(c.state(0)).isEqualTo(CANCELLED);
    assertThat(c.state(1)).isEqualTo(CANCELLED);
    assertThat(c.state(4)).isEqualTo(CANCELLED);
    assertThat(c.endedAtMillis()).startsWith(3500, 3500, 0, 3200, 3500);
    assertThat(c.messages().get(1)).isEqualTo("cancelled by user");
    assertThat(c.state(2)).as("its worker ends it").isEqualTo(RUNNING);
    assertThat(c.cancelRequested(2)).isTrue();
    assertThat(c.cancelRequested(3)).isFalse();
    assertThat(c.state(3)).isEqualTo(SUCCEEDED);

    assertThat(refused(c, new BlockCommand.Cancel(null, 3600))).contains("no slot");
    assertThat(refused(c, new BlockCommand.Cancel(slots(2, 3, 9, 256), 3600))).contains("no slot");
  }

  @Test
  void a_missing_block_is_refused() {
    BlockUpdate.Result r = BlockUpdate.apply(null, new BlockCommand.Cancel(null, 1));
    assertThat(r.applied()).isFalse();
    assertThat(r.block()).isNull();
    assertThat(r.refusal()).contains("no such task block");
  }

  @Test
  void the_processor_stores_the_block_only_when_a_slot_moved() {
    TaskBlock b = queued(2);
    Map.Entry<String, TaskBlock> entry = new AbstractMap.SimpleEntry<>(b.key(), b);

    BlockUpdate.Result moved = new BlockUpdate.Processor(dispatch(7, "n1", 0)).process(entry);
    assertThat(entry.getValue()).isSameAs(moved.block());
    assertThat(entry.getValue().state(0)).isEqualTo(DISPATCHED);

    TaskBlock now = entry.getValue();
    BlockUpdate.Result stale = new BlockUpdate.Processor(dispatch(6, "n1", 1)).process(entry);
    assertThat(stale.applied()).isFalse();
    assertThat(entry.getValue()).isSameAs(now);
  }

  /**
   * Random commands, valid and stale, on one block: every applied command passes {@link #applied}'s
   * checks (allowed transitions only, version + 1, input untouched), and versions only rise.
   */
  @Test
  void any_sequence_of_commands_moves_slots_only_as_the_transition_table_allows() {
    Random random = new Random(11);
    for (int run = 0; run < 40; run++) {
      TaskBlock b = block(8, random.nextBoolean());
      long epoch = 1;
      for (int step = 0; step < 60; step++) {
        BlockCommand c = randomCommand(random, b, epoch);
        if (random.nextInt(10) == 0) {
          epoch++;
        }
        BlockUpdate.Result r = BlockUpdate.apply(b, c);
        b = r.applied() ? applied(b, c) : b;
      }
    }
  }

  private static BlockCommand randomCommand(Random random, TaskBlock b, long epoch) {
    String node = random.nextBoolean() ? "n1" : "n2";
    int[] slots = new int[1 + random.nextInt(4)];
    int[] attempts = new int[slots.length];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = random.nextInt(9);
      attempts[i] = b.attempts()[Math.min(slots[i], TaskBlock.SIZE - 1)] - random.nextInt(2);
    }
    long at = 1000 + random.nextInt(1000);
    long e = epoch - random.nextInt(2);
    return switch (random.nextInt(7)) {
      case 0 -> new BlockCommand.Dispatch(e, node, "w-" + node, slots, at);
      case 1 -> new BlockCommand.Start(node, slots, attempts, at);
      case 2 -> {
        List<BlockCommand.Ended> ends = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
          // A worker ends only what it started, or fails what it could not start.
          JobState[] outcomes =
              b.has(slots[i]) && b.state(slots[i]) == DISPATCHED
                  ? new JobState[] {FAILED, CANCELLED}
                  : new JobState[] {SUCCEEDED, FAILED, TIMED_OUT, CANCELLED};
          ends.add(
              new BlockCommand.Ended(
                  slots[i],
                  attempts[i],
                  outcomes[random.nextInt(outcomes.length)],
                  random.nextInt(3),
                  null,
                  at - 1,
                  at,
                  1,
                  2,
                  random.nextBoolean()));
        }
        yield new BlockCommand.Finish(node, ends, at);
      }
      case 3 ->
          new BlockCommand.Reclaim(
              e,
              "w-" + node,
              random.nextBoolean() ? null : slots,
              null,
              random.nextBoolean(),
              random.nextInt(3),
              "gone",
              at);
      case 4 -> new BlockCommand.Release(node, slots, attempts, "stopped", at);
      case 5 -> new BlockCommand.Resolve(e, random.nextBoolean() ? QUEUED : CANCELLED, "deps", at);
      default -> new BlockCommand.Cancel(random.nextBoolean() ? null : slots, at);
    };
  }

  /** Deep copies of a block's columns, to check that nothing changed them. */
  private static final class Snapshot {
    final long version;
    final long epoch;
    final byte[] states;
    final int[] attempts;
    final int[] retriesUsed;
    final short[] workers;
    final List<String> nodes;
    final List<String> workerIds;
    final long[] startedAt;
    final long[] endedAt;
    final int[] exitCodes;
    final long[] stdout;
    final long[] stderr;
    final byte[] flags;
    final Map<Integer, String> messages;

    Snapshot(TaskBlock b) {
      version = b.version();
      epoch = b.epoch();
      states = b.states().clone();
      attempts = b.attempts().clone();
      retriesUsed = b.retriesUsed().clone();
      workers = b.workers().clone();
      nodes = List.copyOf(b.nodes());
      workerIds = new ArrayList<>(b.workerIds());
      startedAt = b.startedAtMillis().clone();
      endedAt = b.endedAtMillis().clone();
      exitCodes = b.exitCodes().clone();
      stdout = b.stdoutBytes().clone();
      stderr = b.stderrBytes().clone();
      flags = b.flags().clone();
      messages = new TreeMap<>(b.messages());
    }

    /** One slot's columns, comparable with equals. */
    List<Object> slot(int s) {
      return List.of(
          states[s],
          attempts[s],
          retriesUsed[s],
          workers[s],
          startedAt[s],
          endedAt[s],
          exitCodes[s],
          stdout[s],
          stderr[s],
          flags[s],
          String.valueOf(messages.get(s)));
    }

    void assertUnchanged(TaskBlock b) {
      assertThat(b.version()).as("version").isEqualTo(version);
      assertThat(b.epoch()).as("epoch").isEqualTo(epoch);
      assertThat(b.states()).as("states").containsExactly(states);
      assertThat(b.attempts()).as("attempts").containsExactly(attempts);
      assertThat(b.retriesUsed()).as("retriesUsed").containsExactly(retriesUsed);
      assertThat(b.workers()).as("workers").containsExactly(workers);
      assertThat(b.nodes()).as("nodes").isEqualTo(nodes);
      assertThat(b.workerIds()).as("workerIds").isEqualTo(workerIds);
      assertThat(b.startedAtMillis()).as("startedAt").containsExactly(startedAt);
      assertThat(b.endedAtMillis()).as("endedAt").containsExactly(endedAt);
      assertThat(b.exitCodes()).as("exitCodes").containsExactly(exitCodes);
      assertThat(b.stdoutBytes()).as("stdout").containsExactly(stdout);
      assertThat(b.stderrBytes()).as("stderr").containsExactly(stderr);
      assertThat(b.flags()).as("flags").containsExactly(flags);
      assertThat(b.messages()).as("messages").isEqualTo(messages);
    }
  }
}
