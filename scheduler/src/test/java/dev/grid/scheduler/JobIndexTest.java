package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import dev.grid.api.Scheduling;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobIndexTest {
  private static final JobId ARRAY = JobId.of("arr");
  private static final JobSpec CAPPED = JobSpec.command("true").withArray(ArraySpec.parse("0-9%2"));

  private final JobIndex index = new JobIndex();

  private JobRecord task(int i) {
    return JobRecord.accepted(JobTable.taskId(ARRAY, i), CAPPED, 1000, ARRAY, i);
  }

  @Test
  void an_array_record_is_queued_apart_from_jobs_and_never_dispatched_itself() {
    index.offer(JobRecord.queued(ARRAY, CAPPED, 1000), 0);
    JobRecord single = JobRecord.queued(JobId.of("single"), JobSpec.command("true"), 1001);
    index.offer(single, 0);

    assertThat(index.queued(100, 0)).extracting(JobRecord::id).containsExactly(JobId.of("single"));
    assertThat(index.queuedArrays()).extracting(JobRecord::id).containsExactly(ARRAY);
  }

  @Test
  void waiting_jobs_are_listed_until_they_are_decided() {
    JobRecord w =
        JobRecord.queued(
            JobId.of("w"),
            JobSpec.command("true").withAfter(Dependencies.afterOk(JobId.of("p"))),
            1000);
    index.offer(w, 0);
    assertThat(index.waiting()).containsExactly(w);
    assertThat(index.queued(10, 0)).isEmpty();

    index.offer(
        JobUpdate.apply(w, new JobCommand.Resolve(1, JobState.QUEUED, "met", 1001)).record(), 0);
    assertThat(index.waiting()).isEmpty();
    assertThat(index.queued(10, 0)).extracting(JobRecord::id).containsExactly(JobId.of("w"));
  }

  @Test
  void active_jobs_and_their_count_per_worker_follow_dispatch_start_and_end() {
    for (int i = 0; i < 4; i++) {
      index.offer(task(i), 0);
    }
    JobRecord d0 = JobUpdate.apply(task(0), new JobCommand.Dispatch(1, "n1", "w1", 1001)).record();
    JobRecord d1 = JobUpdate.apply(task(1), new JobCommand.Dispatch(1, "n1", "w1", 1001)).record();
    JobRecord d2 = JobUpdate.apply(task(2), new JobCommand.Dispatch(1, "n2", "w2", 1001)).record();
    index.offer(d0, 0);
    index.offer(d1, 0);
    index.offer(d2, 0);
    assertThat(index.activeByWorker()).containsOnly(entry("w1", 2), entry("w2", 1));

    JobRecord running = JobUpdate.apply(d0, new JobCommand.Start("n1", 1, 1002)).record();
    index.offer(running, 0);
    index.offer(d0, 0); // a late copy of an older version changes nothing
    assertThat(index.activeByWorker()).containsOnly(entry("w1", 2), entry("w2", 1));
    assertThat(index.active())
        .extracting(JobRecord::id)
        .containsExactlyInAnyOrder(JobId.of("arr_0"), JobId.of("arr_1"), JobId.of("arr_2"));

    index.offer(
        JobUpdate.apply(
                running,
                new JobCommand.Finish("n1", 1, JobState.SUCCEEDED, 0, null, 0, 0, false, 1003))
            .record(),
        0);
    index.offer(JobUpdate.apply(d2, new JobCommand.Cancel(1003)).record(), 0);
    assertThat(index.activeByWorker()).containsOnly(entry("w1", 1));
    assertThat(index.active()).extracting(JobRecord::id).containsExactly(JobId.of("arr_1"));
  }

  @Test
  void a_refusal_corrects_a_copy_written_on_the_losing_side_of_a_split() {
    JobRecord running =
        JobUpdate.apply(
                JobUpdate.apply(task(0), new JobCommand.Dispatch(1, "n1", "w1", 1001)).record(),
                new JobCommand.Start("n1", 1, 1002))
            .record();
    index.offer(running, 0);
    // the frozen worker handed the job back on its own stale copy, and that copy reached us
    JobRecord stale =
        JobUpdate.apply(running, new JobCommand.Release("n1", 1, "node n1 was frozen", 1003))
            .record();
    index.offer(stale, 0);
    assertThat(index.active()).isEmpty();
    assertThat(index.queued(10, 0)).extracting(JobRecord::id).containsExactly(JobId.of("arr_0"));

    index.offer(running, 0); // an older version is ignored...
    assertThat(index.active()).isEmpty();
    index.correct(running, 0); // ...but the owner's answer to a refused update is the truth

    assertThat(index.active()).containsExactly(running);
    assertThat(index.activeByWorker()).containsOnly(entry("w1", 1));
    assertThat(index.queued(10, 0)).isEmpty();
  }

  @Test
  void an_ended_job_keeps_late_copies_out_until_it_is_pruned_oldest_first() {
    JobRecord early = JobUpdate.apply(task(0), new JobCommand.Cancel(1001)).record();
    JobRecord late = JobUpdate.apply(task(1), new JobCommand.Cancel(1001)).record();
    index.offer(early, 100);
    index.offer(late, 200);

    index.offer(task(0), 150); // a late copy of the queued record
    index.pruneEnded(150);
    assertThat(index.queued(10, 0)).isEmpty();

    index.offer(task(0), 300); // forgotten now: taken as new, as any unknown record
    index.offer(task(1), 300); // still remembered as ended
    assertThat(index.queued(10, 0)).extracting(JobRecord::id).containsExactly(JobId.of("arr_0"));
  }

  @Test
  void counts_by_state_follow_each_job_through_dispatch_start_and_end() {
    JobRecord a = JobRecord.queued(JobId.of("a"), JobSpec.command("true"), 1000);
    JobRecord b = JobRecord.queued(JobId.of("b"), JobSpec.command("true"), 1001);
    index.offer(a, 0);
    index.offer(b, 0);
    assertThat(index.counts(5).byState()).containsOnly(entry(JobState.QUEUED, 2));
    assertThat(index.counts(5).queueDepth()).isEqualTo(7);

    JobRecord dispatched =
        JobUpdate.apply(a, new JobCommand.Dispatch(1, "n1", "w1", 1002)).record();
    index.offer(dispatched, 0);
    JobRecord running = JobUpdate.apply(dispatched, new JobCommand.Start("n1", 1, 1003)).record();
    index.offer(running, 0);
    index.offer(dispatched, 0); // a late event: older, ignored
    assertThat(index.counts(0).byState())
        .containsOnly(entry(JobState.QUEUED, 1), entry(JobState.RUNNING, 1));

    JobRecord done =
        JobUpdate.apply(
                running,
                new JobCommand.Finish("n1", 1, JobState.SUCCEEDED, 0, null, 0, 0, false, 1004))
            .record();
    index.offer(done, 0);
    assertThat(index.counts(0).inState(JobState.RUNNING)).isZero();
    assertThat(index.counts(0).inState(JobState.QUEUED)).isEqualTo(1);
    assertThat(index.counts(0).queuedJobs()).isEqualTo(1);
  }

  @Test
  void a_job_waiting_out_its_backoff_is_offered_once_due_in_submission_order() {
    JobSpec retried =
        JobSpec.shell("exit 3").withMaxRetries(1).withRetryOn(List.of(RetryOn.FAILED));
    JobRecord failed = JobRecord.queued(JobId.of("failed"), retried, 1000);
    failed = JobUpdate.apply(failed, new JobCommand.Dispatch(1, "n1", "w1", 1001)).record();
    failed = JobUpdate.apply(failed, new JobCommand.Start("n1", 1, 1002)).record();
    failed =
        JobUpdate.apply(
                failed, new JobCommand.Finish("n1", 1, JobState.FAILED, 3, null, 0, 0, false, 1003))
            .record();
    assertThat(failed.state()).isEqualTo(JobState.QUEUED);
    long due = failed.retryAtMillis();
    index.offer(failed, 0);
    index.offer(JobRecord.queued(JobId.of("later"), JobSpec.command("true"), 1500), 0);

    assertThat(index.queued(10, due - 1))
        .extracting(JobRecord::id)
        .containsExactly(JobId.of("later"));
    assertThat(index.queued(10, due))
        .extracting(JobRecord::id)
        .containsExactly(JobId.of("failed"), JobId.of("later"));
    assertThat(index.queued(1, due)).extracting(JobRecord::id).containsExactly(JobId.of("failed"));
    assertThat(index.counts(0).queuedJobs()).isEqualTo(2);

    index.offer(JobUpdate.apply(failed, new JobCommand.Dispatch(1, "n1", "w1", due)).record(), 0);
    assertThat(index.queued(10, due)).extracting(JobRecord::id).containsExactly(JobId.of("later"));
  }

  private static JobRecord job(String id, long submittedAt, int priority) {
    return JobRecord.queued(
        JobId.of(id),
        JobSpec.command("true").withScheduling(new Scheduling(null, priority)),
        submittedAt);
  }

  @Test
  void higher_priority_goes_first_and_equal_ones_in_submission_order() {
    index.offer(job("old-low", 1000, 0), 0);
    index.offer(job("new-high", 2000, 5), 0);
    index.offer(job("new-low", 3000, 0), 0);
    index.offer(job("newer-high", 4000, 5), 0);

    assertThat(index.queued(10, 0))
        .extracting(r -> r.id().value())
        .containsExactly("new-high", "newer-high", "old-low", "new-low");
  }

  @Test
  void a_low_priority_job_waits_at_most_its_gap_in_levels_times_the_aging() {
    long minute = Scheduling.AGING.toMillis();
    index.offer(job("low", 0, 0), 0);
    // A stream of priority-3 jobs submitted every 10 s for 10 minutes.
    for (int i = 1; i <= 60; i++) {
      index.offer(job(String.format("high-%02d", i), i * 10_000L, 3), 0);
    }

    List<String> order = index.queued(100, 0).stream().map(r -> r.id().value()).toList();

    // Those submitted within 3 minutes after it go first (3 levels); from then on it is older.
    int lowAt = order.indexOf("low");
    assertThat(order.subList(0, lowAt))
        .allSatisfy(
            id -> assertThat(Integer.parseInt(id.substring(5)) * 10_000L).isLessThan(3 * minute));
    assertThat(order.subList(lowAt + 1, order.size()))
        .allSatisfy(
            id ->
                assertThat(Integer.parseInt(id.substring(5)) * 10_000L)
                    .isGreaterThanOrEqualTo(3 * minute));
    assertThat(lowAt).isEqualTo(17);
  }

  private static JobRecord inQueue(String id, long submittedAt, String queue) {
    return JobRecord.queued(
        JobId.of(id),
        JobSpec.command("true").withScheduling(new Scheduling(null, 0, false, queue)),
        submittedAt);
  }

  @Test
  void a_queue_at_its_limit_gives_none_of_its_jobs_and_the_others_are_merged_in_order() {
    for (int i = 0; i < 1000; i++) {
      index.offer(inQueue("batch-" + i, i, "batch"), 0);
    }
    index.offer(inQueue("web-1", 5000, "web"), 0);
    index.offer(inQueue("plain", 6000, null), 0);
    index.offer(inQueue("web-2", 7000, "web"), 0);

    assertThat(index.queued(10, 0, Map.of("batch", 0), c -> 100))
        .extracting(r -> r.id().value())
        .containsExactly("web-1", "plain", "web-2");
    assertThat(index.queued(4, 0, Map.of("batch", 2, "web", 1), c -> 100))
        .extracting(r -> r.id().value())
        .containsExactly("batch-0", "batch-1", "web-1", "plain");
    assertThat(index.counts(0).queuedJobs()).isEqualTo(1003);
  }

  @Test
  void jobs_that_need_labels_no_worker_with_room_has_are_passed_over_not_walked() {
    for (int i = 0; i < 1000; i++) {
      index.offer(
          JobRecord.queued(
              JobId.of("gpu-" + i),
              JobSpec.command("true")
                  .withScheduling(Scheduling.DEFAULT.withConstraints(List.of("gpu"), false)),
              i),
          0);
    }
    index.offer(inQueue("plain", 5000, null), 0);

    assertThat(index.queued(2, 0, Map.of(), needs -> needs.contains("gpu") ? 0 : 100))
        .extracting(r -> r.id().value())
        .containsExactly("plain");
    assertThat(index.queued(2, 0, Map.of(), needs -> 100))
        .extracting(r -> r.id().value())
        .containsExactly("gpu-0", "gpu-1");
  }

  @Test
  void a_retried_job_whose_backoff_is_over_keeps_its_place_within_a_limited_queue() {
    JobSpec urgent =
        JobSpec.shell("exit 3")
            .withMaxRetries(1)
            .withRetryOn(List.of(RetryOn.FAILED))
            .withScheduling(new Scheduling(null, 10, false, "batch"));
    JobRecord failed = JobRecord.queued(JobId.of("urgent"), urgent, 5000);
    failed = JobUpdate.apply(failed, new JobCommand.Dispatch(1, "n1", "w1", 5001)).record();
    failed = JobUpdate.apply(failed, new JobCommand.Start("n1", 1, 5002)).record();
    failed =
        JobUpdate.apply(
                failed, new JobCommand.Finish("n1", 1, JobState.FAILED, 3, null, 0, 0, false, 5003))
            .record();
    index.offer(failed, 0);
    for (int i = 0; i < 3; i++) {
      index.offer(inQueue("low-" + i, i, "batch"), 0);
    }

    assertThat(index.queued(10, failed.retryAtMillis(), Map.of("batch", 1), c -> 100))
        .extracting(r -> r.id().value())
        .as("priority 10 goes first, though the lane's room would have gone to low-0")
        .containsExactly("urgent");
  }

  @Test
  void of_jobs_that_need_labels_only_as_many_as_their_workers_have_free_slots_are_looked_at() {
    for (int i = 0; i < 20; i++) {
      index.offer(
          JobRecord.queued(
              JobId.of(String.format("gpu-%02d", i)),
              JobSpec.command("true")
                  .withScheduling(Scheduling.DEFAULT.withConstraints(List.of("gpu"), false)),
              i),
          0);
    }
    for (int i = 0; i < 20; i++) {
      index.offer(inQueue(String.format("cpu-%02d", i), 100 + i, null), 0);
    }

    List<String> ids =
        index.queued(11, 0, Map.of(), needs -> needs.contains("gpu") ? 1 : 100).stream()
            .map(r -> r.id().value())
            .toList();

    assertThat(ids)
        .hasSize(11)
        .startsWith("gpu-00", "cpu-00")
        .filteredOn(id -> id.startsWith("gpu"))
        .hasSize(1);
  }
}
