package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.FAILED;
import static dev.grid.api.JobState.LOST;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import dev.grid.api.Scheduling;
import dev.grid.api.Usage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobUpdateTest {
  private static final JobId ID = JobId.of("j1");

  private static JobRecord queued(int maxRetries) {
    return JobRecord.queued(ID, JobSpec.command("true").withMaxRetries(maxRetries), 1000);
  }

  private static JobRecord applied(JobRecord r, JobCommand c) {
    UpdateResult u = JobUpdate.apply(r, c);
    assertThat(u.applied()).as("applied: %s (%s)", c, u.refusal()).isTrue();
    return u.record();
  }

  private static String refusal(JobRecord r, JobCommand c) {
    UpdateResult u = JobUpdate.apply(r, c);
    assertThat(u.applied()).as("refused: %s", c).isFalse();
    assertThat(u.record()).isSameAs(r);
    return u.refusal();
  }

  private static JobRecord running(int maxRetries, long epoch) {
    JobRecord r = applied(queued(maxRetries), new JobCommand.Dispatch(epoch, "n1", "w1", 1001));
    return applied(r, new JobCommand.Start("n1", 1, 1002));
  }

  @Test
  void when_a_job_runs_to_the_end_then_its_history_has_every_step() {
    JobRecord r = running(1, 7);
    r = applied(r, new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 3, 0, false, 1003));

    assertThat(r.history())
        .extracting(JobEvent::state)
        .containsExactly(QUEUED, DISPATCHED, RUNNING, SUCCEEDED);
    assertThat(r.history()).extracting(JobEvent::epoch).containsExactly(0L, 7L, 7L, 7L);
    assertThat(r.exitCode()).isZero();
    assertThat(r.startedAtMillis()).isEqualTo(1002);
    assertThat(r.endedAtMillis()).isEqualTo(1003);
    assertThat(r.attempt()).isEqualTo(1);
    assertThat(r.version()).isEqualTo(3);
  }

  @Test
  void when_a_stale_primary_dispatches_then_it_is_refused() {
    JobRecord r = running(1, 7);
    r = applied(r, new JobCommand.Reclaim(9, 1, false, "worker n1 left", 1004));

    assertThat(refusal(r, new JobCommand.Dispatch(8, "n2", "w2", 1005))).contains("stale epoch");
    assertThat(applied(r, new JobCommand.Dispatch(9, "n2", "w2", 1005)).attempt()).isEqualTo(2);
  }

  @Test
  void when_a_written_off_worker_starts_or_finishes_then_it_is_refused() {
    JobRecord r = applied(queued(1), new JobCommand.Dispatch(7, "n1", "w1", 1001));
    r = applied(r, new JobCommand.Reclaim(7, 1, true, "did not start", 1002));
    r = applied(r, new JobCommand.Dispatch(7, "n2", "w2", 1003));

    assertThat(refusal(r, new JobCommand.Start("n1", 1, 1004))).contains("stale");
    JobRecord started = applied(r, new JobCommand.Start("n2", 2, 1004));
    assertThat(
            refusal(started, new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 0, 0, false, 1005)))
        .contains("stale");
  }

  @Test
  void when_a_job_is_started_twice_then_the_second_start_is_refused() {
    JobRecord r = running(1, 7);
    assertThat(refusal(r, new JobCommand.Start("n1", 1, 1003))).contains("not dispatched");
  }

  @Test
  void when_a_running_jobs_worker_dies_then_it_is_retried_until_retries_run_out() {
    JobRecord r = running(1, 7);
    r = applied(r, new JobCommand.Reclaim(7, 1, false, "worker n1 left", 1004));
    assertThat(r.state()).isEqualTo(QUEUED);
    assertThat(r.retriesUsed()).isEqualTo(1);
    assertThat(r.message()).contains("retry 1 of 1");

    r = applied(r, new JobCommand.Dispatch(7, "n2", "w2", 1005));
    r = applied(r, new JobCommand.Start("n2", 2, 1006));
    r = applied(r, new JobCommand.Reclaim(7, 2, false, "worker n2 left", 1007));
    assertThat(r.state()).isEqualTo(LOST);
    assertThat(r.message()).contains("no retries left");
    assertThat(r.endedAtMillis()).isEqualTo(1007);
  }

  @Test
  void when_a_dispatched_job_never_started_then_reclaiming_it_uses_no_retry() {
    JobRecord r = applied(queued(0), new JobCommand.Dispatch(7, "n1", "w1", 1001));
    r = applied(r, new JobCommand.Reclaim(7, 1, false, "worker n1 left", 1002));
    assertThat(r.state()).isEqualTo(QUEUED);
    assertThat(r.retriesUsed()).isZero();
  }

  @Test
  void when_a_start_wins_the_race_with_a_dispatch_timeout_then_the_reclaim_is_refused() {
    JobRecord r = running(1, 7);
    assertThat(refusal(r, new JobCommand.Reclaim(7, 1, true, "did not start", 1004)))
        .contains("has started");
  }

  @Test
  void when_a_stopping_worker_hands_a_job_back_then_it_is_queued_without_using_a_retry() {
    JobRecord r = applied(running(0, 7), new JobCommand.Release("n1", 1, "node n1 stopped", 1004));
    assertThat(r.state()).isEqualTo(QUEUED);
    assertThat(r.retriesUsed()).isZero();
    assertThat(r.message()).contains("node n1 stopped");
    assertThat(refusal(r, new JobCommand.Release("n1", 1, "again", 1005))).contains("stale");
  }

  @Test
  void when_a_started_cron_fires_worker_dies_or_hands_it_back_then_it_ends_lost_not_run_again() {
    JobId fire = CronFire.of(JobId.of("cron.nightly.1795000000000")).orElseThrow().jobId();
    for (JobCommand interruption :
        List.<JobCommand>of(
            new JobCommand.Reclaim(7, 1, false, "worker n1 left", 1004),
            new JobCommand.Release("n1", 1, "node n1 stopped", 1004))) {
      JobRecord r = JobRecord.queued(fire, JobSpec.command("true").withMaxRetries(3), 1000);
      r = applied(r, new JobCommand.Dispatch(7, "n1", "w1", 1001));
      r = applied(r, new JobCommand.Start("n1", 1, 1002));

      r = applied(r, interruption);

      assertThat(r.state()).as("%s", interruption).isEqualTo(LOST);
      assertThat(r.retriesUsed()).isZero();
      assertThat(r.message()).contains("a cron fire runs at most once");
      assertThat(r.endedAtMillis()).isEqualTo(1004);
    }
  }

  @Test
  void when_a_dispatched_cron_fire_never_started_then_it_is_dispatched_again() {
    JobId fire = JobId.of("cron.nightly.1795000000000");
    JobRecord r = JobRecord.queued(fire, JobSpec.command("true").withMaxRetries(0), 1000);
    r = applied(r, new JobCommand.Dispatch(7, "n1", "w1", 1001));
    r = applied(r, new JobCommand.Reclaim(7, 1, false, "worker n1 left", 1002));
    assertThat(r.state()).isEqualTo(QUEUED);
  }

  @Test
  void when_reclaiming_an_old_attempt_then_it_is_refused() {
    JobRecord r = running(3, 7);
    assertThat(refusal(r, new JobCommand.Reclaim(7, 0, false, "x", 1004)))
        .contains("no longer active");
  }

  @Test
  void when_only_an_unstarted_job_may_be_cancelled_then_a_running_one_is_left_to_run() {
    assertThat(applied(queued(1), new JobCommand.Cancel(1001, true)).state()).isEqualTo(CANCELLED);
    JobRecord r = running(1, 7);
    assertThat(refusal(r, new JobCommand.Cancel(1003, true))).contains("started already");
  }

  @Test
  void when_cancelled_then_queued_jobs_end_at_once_and_running_ones_are_marked() {
    assertThat(applied(queued(1), new JobCommand.Cancel(1001)).state()).isEqualTo(CANCELLED);

    JobRecord r = applied(running(1, 7), new JobCommand.Cancel(1003));
    assertThat(r.state()).isEqualTo(RUNNING);
    assertThat(r.cancelRequested()).isTrue();
    r = applied(r, new JobCommand.Finish("n1", 1, CANCELLED, null, "killed", 0, 0, false, 1004));
    assertThat(r.state()).isEqualTo(CANCELLED);
    assertThat(refusal(r, new JobCommand.Cancel(1005))).contains("already CANCELLED");
  }

  @Test
  void when_a_cancelled_running_jobs_worker_dies_then_it_ends_cancelled_not_retried() {
    JobRecord r = applied(running(3, 7), new JobCommand.Cancel(1003));
    r = applied(r, new JobCommand.Reclaim(7, 1, false, "worker n1 left", 1004));
    assertThat(r.state()).isEqualTo(CANCELLED);
  }

  @Test
  void when_a_job_has_ended_then_nothing_moves_it() {
    JobRecord r = running(1, 7);
    r = applied(r, new JobCommand.Finish("n1", 1, FAILED, 2, "exit code 2", 0, 0, false, 1003));
    refusal(r, new JobCommand.Reclaim(9, 1, false, "x", 1004));
    refusal(r, new JobCommand.Dispatch(9, "n1", "w1", 1004));
    refusal(r, new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 0, 0, false, 1004));
  }

  @Test
  void when_a_worker_claims_lost_then_it_is_a_programming_error() {
    assertThatThrownBy(
            () ->
                JobUpdate.apply(
                    running(1, 7),
                    new JobCommand.Finish("n1", 1, LOST, null, null, 0, 0, false, 1003)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LOST");
  }

  @Test
  void when_the_job_does_not_exist_then_the_command_is_refused() {
    UpdateResult u = JobUpdate.apply(null, new JobCommand.Cancel(1));
    assertThat(u.applied()).isFalse();
    assertThat(u.record()).isNull();
  }

  private static JobRecord waiting() {
    return JobRecord.queued(
        ID, JobSpec.command("true").withAfter(Dependencies.afterOk(JobId.of("p1"))), 1000);
  }

  @Test
  void when_a_job_with_dependencies_is_accepted_then_it_waits_and_says_for_what() {
    JobRecord r = waiting();
    assertThat(r.state()).isEqualTo(JobState.WAITING);
    assertThat(r.history()).extracting(JobEvent::message).containsExactly("waiting for afterok p1");
    assertThat(refusal(r, new JobCommand.Dispatch(7, "n1", "w1", 1001)))
        .contains("not queued but WAITING");
  }

  @Test
  void when_dependencies_are_resolved_then_the_history_says_how_and_a_stale_primary_is_refused() {
    JobRecord queued =
        applied(
            waiting(), new JobCommand.Resolve(7, QUEUED, "dependencies met: p1 SUCCEEDED", 1001));
    assertThat(queued.history())
        .extracting(JobEvent::state)
        .containsExactly(JobState.WAITING, QUEUED);
    assertThat(queued.epoch()).isEqualTo(7);
    assertThat(refusal(queued, new JobCommand.Resolve(7, QUEUED, "again", 1002)))
        .contains("not waiting");

    JobRecord cancelled =
        applied(waiting(), new JobCommand.Resolve(7, CANCELLED, "afterok parent p1 FAILED", 1001));
    assertThat(cancelled.state()).isEqualTo(CANCELLED);
    assertThat(cancelled.message()).isEqualTo("afterok parent p1 FAILED");
    assertThat(cancelled.endedAtMillis()).isEqualTo(1001);
    assertThat(
            refusal(
                applied(waiting(), new JobCommand.Resolve(9, QUEUED, "x", 1001)),
                new JobCommand.Dispatch(8, "n1", "w1", 1002)))
        .contains("stale epoch 8 < 9");
  }

  @Test
  void when_a_waiting_job_is_cancelled_by_a_user_then_it_ends_cancelled() {
    assertThat(applied(waiting(), new JobCommand.Cancel(1001)).state()).isEqualTo(CANCELLED);
  }

  private static JobRecord runningRetrying(int attempt, JobRecord r) {
    r =
        applied(
            r,
            new JobCommand.Dispatch(
                7, "n1", "w1", r.retryAtMillis() == null ? 1001 : r.retryAtMillis()));
    return applied(
        r,
        new JobCommand.Start(
            "n1", attempt, r.history().get(r.history().size() - 1).atMillis() + 1));
  }

  private static final JobSpec RETRIED_ON_FAILURE =
      JobSpec.shell("exit 3")
          .withMaxRetries(2)
          .withRetryOn(List.of(RetryOn.FAILED))
          .withBackoff(new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1)));

  @Test
  void
      when_a_job_retried_on_failure_fails_then_it_waits_its_backoff_and_runs_again_until_retries_run_out() {
    JobRecord r = runningRetrying(1, JobRecord.queued(ID, RETRIED_ON_FAILURE, 1000));

    r = applied(r, new JobCommand.Finish("n1", 1, FAILED, 3, null, 5, 0, false, 2000));

    assertThat(r.state()).isEqualTo(QUEUED);
    assertThat(r.retriesUsed()).isEqualTo(1);
    assertThat(r.retryAtMillis()).isBetween(2000L + 10_000, 2000L + 12_000);
    assertThat(r.message()).startsWith("exit code 3; retry 1 of 2 in 1");
    assertThat(r.exitCode()).as("not ended: the record has no exit code yet").isNull();
    assertThat(r.history().get(r.history().size() - 1).exitCode()).isEqualTo(3);
    assertThat(r.toInfo().retryAtMillis()).isEqualTo(r.retryAtMillis());
    assertThat(refusal(r, new JobCommand.Dispatch(7, "n1", "w1", r.retryAtMillis() - 1)))
        .contains("backoff");

    r = runningRetrying(2, r);
    assertThat(r.toInfo().retryAtMillis()).as("shown only while queued").isNull();
    long secondEnd = r.startedAtMillis() + 100;
    r = applied(r, new JobCommand.Finish("n1", 2, FAILED, 4, null, 0, 0, false, secondEnd));
    assertThat(r.retryAtMillis())
        .as("the wait doubles")
        .isBetween(secondEnd + 20_000, secondEnd + 24_000);

    r = runningRetrying(3, r);
    r =
        applied(
            r,
            new JobCommand.Finish("n1", 3, FAILED, 5, null, 0, 0, false, r.startedAtMillis() + 1));
    assertThat(r.state()).as("no retries left").isEqualTo(FAILED);
    assertThat(r.exitCode()).isEqualTo(5);
    assertThat(r.history())
        .filteredOn(e -> e.exitCode() != null)
        .extracting(JobEvent::attempt, JobEvent::exitCode)
        .containsExactly(tuple(1, 3), tuple(2, 4), tuple(3, 5));
  }

  @Test
  void when_attempts_are_measured_then_the_record_sums_their_cpu_and_keeps_the_highest_peak() {
    JobRecord r = runningRetrying(1, JobRecord.queued(ID, RETRIED_ON_FAILURE, 1000));
    r =
        applied(
            r,
            new JobCommand.Finish(
                "n1", 1, FAILED, 3, null, 0, 0, false, 2000, new Usage(100, 20, 5_000_000)));
    assertThat(r.state()).isEqualTo(QUEUED);
    assertThat(r.toInfo().usage()).isEqualTo(new Usage(100, 20, 5_000_000));

    r = runningRetrying(2, r);
    r =
        applied(
            r,
            new JobCommand.Finish(
                "n1",
                2,
                SUCCEEDED,
                0,
                null,
                0,
                0,
                false,
                r.startedAtMillis() + 5,
                new Usage(300, 10, 2_000_000)));
    assertThat(r.toInfo().usage()).isEqualTo(new Usage(400, 30, 5_000_000));

    JobRecord unmeasured = runningRetrying(1, JobRecord.queued(ID, RETRIED_ON_FAILURE, 1000));
    unmeasured =
        applied(unmeasured, new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 0, 0, false, 2000));
    assertThat(unmeasured.toInfo().usage()).isNull();
  }

  @Test
  void when_a_job_fails_then_it_is_retried_only_for_the_causes_its_spec_names() {
    JobSpec onFailure = RETRIED_ON_FAILURE;
    JobSpec onTimeout = RETRIED_ON_FAILURE.withRetryOn(List.of(RetryOn.TIMEOUT));
    JobSpec lostOnly = RETRIED_ON_FAILURE.withRetryOn(null);
    assertThat(endOf(onFailure, FAILED)).isEqualTo(QUEUED);
    assertThat(endOf(onFailure, JobState.TIMED_OUT)).isEqualTo(JobState.TIMED_OUT);
    assertThat(endOf(onTimeout, JobState.TIMED_OUT)).isEqualTo(QUEUED);
    assertThat(endOf(onTimeout, FAILED)).isEqualTo(FAILED);
    assertThat(endOf(lostOnly, FAILED)).isEqualTo(FAILED);
    assertThat(endOf(onFailure, SUCCEEDED)).isEqualTo(SUCCEEDED);
    assertThat(endOf(onFailure, CANCELLED)).isEqualTo(CANCELLED);
  }

  private static JobState endOf(JobSpec spec, JobState outcome) {
    JobRecord r = runningRetrying(1, JobRecord.queued(ID, spec, 1000));
    return applied(r, new JobCommand.Finish("n1", 1, outcome, 1, null, 0, 0, false, 2000)).state();
  }

  @Test
  void when_a_cron_fire_or_a_cancelled_job_fails_then_it_is_not_run_again() {
    JobId fire = CronFire.of(JobId.of("cron.nightly.1795000000000")).orElseThrow().jobId();
    JobRecord r = runningRetrying(1, JobRecord.queued(fire, RETRIED_ON_FAILURE, 1000));
    assertThat(
            applied(r, new JobCommand.Finish("n1", 1, FAILED, 3, null, 0, 0, false, 2000)).state())
        .isEqualTo(FAILED);

    JobRecord c = runningRetrying(1, JobRecord.queued(ID, RETRIED_ON_FAILURE, 1000));
    c = applied(c, new JobCommand.Cancel(1500));
    assertThat(
            applied(c, new JobCommand.Finish("n1", 1, FAILED, 137, null, 0, 0, false, 2000))
                .state())
        .isEqualTo(FAILED);
  }

  @Test
  void
      when_a_queued_or_waiting_job_is_held_then_it_waits_until_released_and_a_running_one_cannot_be() {
    JobRecord held = applied(queued(1), new JobCommand.Hold(1001));
    assertThat(held.state()).isEqualTo(JobState.HELD);
    assertThat(held.message()).contains("bin/release j1");
    assertThat(refusal(held, new JobCommand.Hold(1002))).isEqualTo("already held");
    assertThat(refusal(held, new JobCommand.Dispatch(7, "n1", "w1", 1002))).contains("not queued");

    JobRecord released = applied(held, new JobCommand.Unhold(1003));
    assertThat(released.state()).isEqualTo(QUEUED);
    assertThat(released.history())
        .extracting(JobEvent::state)
        .containsExactly(QUEUED, JobState.HELD, QUEUED);

    JobRecord waiting = applied(waiting(), new JobCommand.Hold(1001));
    assertThat(applied(waiting, new JobCommand.Unhold(1002)).state())
        .as("a job with dependencies waits again, to have them decided")
        .isEqualTo(JobState.WAITING);

    assertThat(refusal(running(1, 7), new JobCommand.Hold(1005)))
        .contains("it is RUNNING: only a job not yet dispatched can be held");
    assertThat(refusal(running(1, 7), new JobCommand.Unhold(1005))).contains("not held");
    assertThat(applied(held, new JobCommand.Cancel(1004)).state()).isEqualTo(CANCELLED);
  }

  @Test
  void when_a_job_is_submitted_held_then_it_starts_held() {
    JobRecord r =
        JobRecord.queued(
            ID, JobSpec.command("true").withScheduling(new Scheduling(null, 0, true)), 1000);
    assertThat(r.state()).isEqualTo(JobState.HELD);
    assertThat(r.history()).extracting(JobEvent::state).containsExactly(JobState.HELD);
    assertThat(applied(r, new JobCommand.Unhold(1001)).state()).isEqualTo(QUEUED);
  }

  @Test
  void when_a_job_whose_dependencies_were_met_is_held_and_released_then_they_stay_met() {
    JobRecord met = applied(waiting(), new JobCommand.Resolve(7, QUEUED, "met", 1001));
    JobRecord held = applied(met, new JobCommand.Hold(1002));
    assertThat(applied(held, new JobCommand.Unhold(1003)).state())
        .as("queued again: its parents may have expired since")
        .isEqualTo(QUEUED);
    JobRecord heldWaiting = applied(waiting(), new JobCommand.Hold(1002));
    assertThat(applied(heldWaiting, new JobCommand.Unhold(1003)).state())
        .isEqualTo(JobState.WAITING);
  }

  @Test
  void a_fire_keeps_its_schedules_queue_priority_and_labels_and_is_named_for_it() {
    JobSpec job =
        JobSpec.command("true")
            .withScheduling(new Scheduling("ignored", 5, false, "batch", List.of("gpu"), false));
    Scheduling fire =
        CronService.fireSpec(dev.grid.api.ScheduleSpec.of("nightly", "@daily", job))
            .schedulingOrDefault();
    assertThat(fire).isEqualTo(new Scheduling("nightly", 5, false, "batch", List.of("gpu"), false));
  }
}
