package dev.grid.node;

import static dev.grid.node.EndDecision.Verdict.HAND_BACK_FENCED;
import static dev.grid.node.EndDecision.Verdict.HAND_BACK_STOPPED;
import static dev.grid.node.EndDecision.Verdict.RECORD_END;
import static dev.grid.node.EndDecision.Verdict.WRITE_NOTHING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.node.EndDecision.Kind;
import dev.grid.node.EndDecision.Node;
import dev.grid.node.EndDecision.Verdict;
import dev.grid.node.exec.JobValue;
import dev.grid.node.exec.Outcome;
import dev.grid.node.exec.RunResult;
import dev.grid.scheduler.JobRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class EndDecisionTest {
  private static final JobRecord JOB =
      JobRecord.queued(JobId.of("job-1"), JobSpec.shell("true"), 0);
  private static final Predicate<JobRecord> NOT_CANCELLED = j -> false;
  private static final Predicate<JobRecord> CANCELLED_BY_USER = j -> true;

  private static RunResult exited(Integer code) {
    return new RunResult(Outcome.EXITED, code, "exit " + code, null, null, 0, 0, 0, 1);
  }

  private static RunResult ended(Outcome outcome) {
    return new RunResult(outcome, null, outcome.name(), null, null, 0, 0, 0, 1);
  }

  private static Verdict decide(
      Kind kind, Node node, RunResult result, boolean fenced, Predicate<JobRecord> cancels) {
    return EndDecision.decide(kind, node, result, false, fenced, JOB, cancels);
  }

  @Test
  void when_the_node_crashed_then_nothing_is_written_even_for_a_success() {
    for (Kind kind : Kind.values()) {
      assertThat(decide(kind, Node.CRASHED, exited(0), false, NOT_CANCELLED))
          .isEqualTo(WRITE_NOTHING);
    }
  }

  @Test
  void when_a_stopping_node_killed_the_run_then_it_is_handed_back() {
    for (Kind kind : Kind.values()) {
      assertThat(decide(kind, Node.STOPPING, ended(Outcome.CANCELLED), false, NOT_CANCELLED))
          .isEqualTo(HAND_BACK_STOPPED);
    }
  }

  @Test
  void when_the_user_cancelled_a_run_a_stopping_node_killed_then_it_is_recorded_cancelled() {
    assertThat(decide(Kind.JOB, Node.STOPPING, ended(Outcome.CANCELLED), false, CANCELLED_BY_USER))
        .isEqualTo(RECORD_END);
    assertThat(EndDecision.stateOf(ended(Outcome.CANCELLED))).isEqualTo(JobState.CANCELLED);
  }

  @Test
  void when_a_run_ended_by_itself_while_the_node_stopped_then_its_end_is_recorded() {
    assertThat(decide(Kind.TASK, Node.STOPPING, exited(3), false, NOT_CANCELLED))
        .isEqualTo(RECORD_END);
  }

  @Test
  void when_a_run_failed_while_its_node_was_fenced_then_it_is_handed_back_not_failed() {
    for (RunResult failed :
        List.of(
            exited(1), ended(Outcome.TIMED_OUT), ended(Outcome.CANCELLED), ended(Outcome.THREW))) {
      assertThat(decide(Kind.TASK, Node.UP, failed, true, NOT_CANCELLED))
          .as("%s", failed)
          .isEqualTo(HAND_BACK_FENCED);
    }
  }

  @Test
  void when_a_run_succeeded_while_its_node_was_fenced_then_its_success_is_recorded() {
    assertThat(decide(Kind.JOB, Node.UP, exited(0), true, NOT_CANCELLED)).isEqualTo(RECORD_END);
    assertThat(decide(Kind.TASK, Node.UP, ended(Outcome.RETURNED), true, NOT_CANCELLED))
        .isEqualTo(RECORD_END);
  }

  @Test
  void when_the_worker_failed_a_job_on_a_stopping_or_fenced_node_then_the_job_is_handed_back() {
    assertThat(EndDecision.decide(Kind.JOB, Node.STOPPING, null, true, false, JOB, NOT_CANCELLED))
        .isEqualTo(HAND_BACK_STOPPED);
    assertThat(EndDecision.decide(Kind.JOB, Node.UP, null, true, true, JOB, NOT_CANCELLED))
        .isEqualTo(HAND_BACK_FENCED);
  }

  @Test
  void when_the_worker_failed_a_task_on_a_stopping_or_fenced_node_then_its_failure_is_recorded() {
    assertThat(EndDecision.decide(Kind.TASK, Node.STOPPING, null, true, false, JOB, NOT_CANCELLED))
        .isEqualTo(RECORD_END);
    assertThat(EndDecision.decide(Kind.TASK, Node.UP, null, true, true, JOB, NOT_CANCELLED))
        .isEqualTo(RECORD_END);
  }

  @Test
  void the_record_is_read_for_a_cancel_only_when_a_stopping_node_killed_the_run() {
    AtomicInteger reads = new AtomicInteger();
    Predicate<JobRecord> counting =
        j -> {
          reads.incrementAndGet();
          return false;
        };
    decide(Kind.TASK, Node.UP, ended(Outcome.CANCELLED), true, counting);
    decide(Kind.TASK, Node.STOPPING, exited(0), false, counting);
    decide(Kind.JOB, Node.CRASHED, ended(Outcome.CANCELLED), false, counting);
    assertThat(reads).hasValue(0);

    decide(Kind.JOB, Node.STOPPING, ended(Outcome.CANCELLED), false, counting);
    assertThat(reads).hasValue(1);
  }

  /**
   * Every combination, against the two methods the decision replaced, written out as they were:
   * {@code finish} for single jobs and {@code finishTask} for tasks.
   */
  @Test
  void the_decision_is_what_the_single_job_and_the_task_paths_decided_before() {
    List<RunResult> results = new ArrayList<>();
    results.add(null);
    for (Integer code : Arrays.asList(0, 1, 137, null)) {
      results.add(exited(code));
    }
    for (Outcome o :
        List.of(
            Outcome.TIMED_OUT,
            Outcome.CANCELLED,
            Outcome.START_FAILED,
            Outcome.RETURNED,
            Outcome.THREW)) {
      results.add(ended(o));
    }
    int cases = 0;
    for (Kind kind : Kind.values()) {
      for (Node node : Node.values()) {
        for (RunResult result : results) {
          for (boolean workerFailed : new boolean[] {false, true}) {
            for (boolean stoppedByFence : new boolean[] {false, true}) {
              for (boolean fencedSince : new boolean[] {false, true}) {
                for (boolean cancelled : new boolean[] {false, true}) {
                  Verdict before =
                      kind == Kind.JOB
                          ? finishBefore(node, result, stoppedByFence, fencedSince, cancelled)
                          : finishTaskBefore(
                              node, result, workerFailed, stoppedByFence, fencedSince, cancelled);
                  Verdict now =
                      EndDecision.decide(
                          kind,
                          node,
                          result,
                          workerFailed,
                          stoppedByFence || fencedSince,
                          JOB,
                          j -> cancelled);
                  assertThat(now)
                      .as(
                          "%s %s %s workerFailed=%s stoppedByFence=%s fencedSince=%s cancelled=%s",
                          kind, node, result, workerFailed, stoppedByFence, fencedSince, cancelled)
                      .isEqualTo(before);
                  cases++;
                }
              }
            }
          }
        }
      }
    }
    assertThat(cases).isEqualTo(2 * 3 * 10 * 16);
  }

  private static Verdict finishBefore(
      Node node, RunResult result, boolean stoppedByFence, boolean fencedSince, boolean cancel) {
    boolean crashed = node == Node.CRASHED;
    boolean closed = node != Node.UP;
    if (crashed) {
      return WRITE_NOTHING;
    }
    boolean killedByStop = result == null || result.outcome() == Outcome.CANCELLED;
    if (closed && killedByStop && !cancel) {
      return HAND_BACK_STOPPED;
    }
    if (!succeededBefore(result) && (stoppedByFence || fencedSince)) {
      return HAND_BACK_FENCED;
    }
    return RECORD_END;
  }

  private static Verdict finishTaskBefore(
      Node node,
      RunResult result,
      boolean workerFailed,
      boolean stoppedByFence,
      boolean fencedSince,
      boolean cancel) {
    boolean crashed = node == Node.CRASHED;
    boolean closed = node != Node.UP;
    if (crashed) {
      return WRITE_NOTHING;
    }
    boolean killedByStop = result == null || result.outcome() == Outcome.CANCELLED;
    if (!workerFailed && closed && killedByStop && !cancel) {
      return HAND_BACK_STOPPED;
    }
    if (!workerFailed && !succeededBefore(result) && (stoppedByFence || fencedSince)) {
      return HAND_BACK_FENCED;
    }
    return RECORD_END;
  }

  private static boolean succeededBefore(RunResult r) {
    return r != null
        && (r.outcome() == Outcome.RETURNED
            || (r.outcome() == Outcome.EXITED && r.exitCode() != null && r.exitCode() == 0));
  }

  @Test
  void each_outcome_ends_its_job_in_one_state() {
    assertThat(EndDecision.stateOf(exited(0))).isEqualTo(JobState.SUCCEEDED);
    assertThat(EndDecision.stateOf(exited(1))).isEqualTo(JobState.FAILED);
    assertThat(EndDecision.stateOf(exited(137))).isEqualTo(JobState.FAILED);
    assertThat(EndDecision.stateOf(exited(null))).isEqualTo(JobState.FAILED);
    assertThat(EndDecision.stateOf(ended(Outcome.TIMED_OUT))).isEqualTo(JobState.TIMED_OUT);
    assertThat(EndDecision.stateOf(ended(Outcome.CANCELLED))).isEqualTo(JobState.CANCELLED);
    assertThat(EndDecision.stateOf(ended(Outcome.START_FAILED))).isEqualTo(JobState.FAILED);
    assertThat(EndDecision.stateOf(ended(Outcome.THREW))).isEqualTo(JobState.FAILED);
    assertThat(EndDecision.stateOf(ended(Outcome.RETURNED))).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void a_run_succeeded_only_if_it_exited_zero_or_returned() {
    assertThat(EndDecision.succeeded(exited(0))).isTrue();
    assertThat(
            EndDecision.succeeded(
                new RunResult(
                    Outcome.RETURNED,
                    null,
                    "r",
                    null,
                    null,
                    0,
                    0,
                    0,
                    1,
                    new JobValue(new byte[] {1}, "x"))))
        .isTrue();
    assertThat(EndDecision.succeeded(exited(1))).isFalse();
    assertThat(EndDecision.succeeded(exited(null))).isFalse();
    assertThat(EndDecision.succeeded(ended(Outcome.TIMED_OUT))).isFalse();
    assertThat(EndDecision.succeeded(null)).isFalse();
  }

  @Test
  void a_failure_without_a_message_is_named_by_its_exit_code() {
    assertThat(EndDecision.messageOf(null, JobState.FAILED, 3)).isEqualTo("exit code 3");
    assertThat(EndDecision.messageOf("timed out after 5s", JobState.TIMED_OUT, null))
        .isEqualTo("timed out after 5s");
    assertThat(EndDecision.messageOf("oops", JobState.FAILED, 1)).isEqualTo("oops");
    assertThat(EndDecision.messageOf(null, JobState.SUCCEEDED, 0)).isNull();
  }
}
