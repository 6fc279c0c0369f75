package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun.Outcome;
import dev.grid.scheduler.RetentionPlanner.Plan;
import dev.grid.scheduler.RetentionPlanner.ScheduleView;
import dev.grid.scheduler.RetentionPlanner.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final long HOUR = Duration.ofHours(1).toMillis();
  private static final RetentionPolicy DAY_AND_3_RUNS =
      RetentionPolicy.defaults().withMaxAge(Duration.ofDays(1)).withKeepRuns(3);

  private final List<JobSummary> jobs = new ArrayList<>();
  private final List<ScheduleView> schedules = new ArrayList<>();
  private final List<ScheduleRunRecord> runs = new ArrayList<>();

  private Plan plan(RetentionPolicy policy) {
    return RetentionPlanner.plan(new Snapshot(jobs, schedules, runs), policy, NOW);
  }

  private JobId ended(String id, long endedAt) {
    jobs.add(new JobSummary(JobId.of(id), JobState.SUCCEEDED, endedAt));
    return JobId.of(id);
  }

  private JobId inState(String id, JobState state) {
    jobs.add(new JobSummary(JobId.of(id), state, 0));
    return JobId.of(id);
  }

  /** An array's own record, last changed (submitted) at {@code at}. */
  private JobId array(String id, long at) {
    jobs.add(new JobSummary(JobId.of(id), JobState.QUEUED, at, null, true));
    return JobId.of(id);
  }

  /** Task {@code index} of the array, in {@code state}, ended at {@code endedAt} if it ended. */
  private JobId task(JobId array, int index, JobState state, long endedAt) {
    JobId id = JobId.of(array.value() + "_" + index);
    jobs.add(new JobSummary(id, state, state.isTerminal() ? endedAt : 0, array, false));
    return id;
  }

  /** A run of {@code name} due at {@code due} that became a job, ended at its due time + 1s. */
  private JobId cronRun(String name, long due) {
    JobId id = new CronFire(name, due).jobId();
    runs.add(new ScheduleRunRecord(name, due, Outcome.STARTED, id, null));
    return ended(id.value(), due + 1000);
  }

  private ScheduleView schedule(String name, long lastFire, JobId lastJob, int keep) {
    ScheduleView s = new ScheduleView(name, lastFire, lastJob, keep);
    schedules.add(s);
    return s;
  }

  private static JobId cronJob(String name, long due) {
    return new CronFire(name, due).jobId();
  }

  @Test
  void a_job_ended_exactly_the_age_ago_stays_and_one_a_millisecond_older_goes() {
    long day = Duration.ofDays(1).toMillis();
    ended("j-at-limit", NOW - day);
    JobId older = ended("j-older", NOW - day - 1);
    ended("j-young", NOW - 1);

    assertThat(plan(DAY_AND_3_RUNS).jobs()).containsExactly(older);
  }

  @Test
  void jobs_that_have_not_ended_are_never_expired_however_old_or_many() {
    inState("cron.s.1000", JobState.QUEUED);
    inState("cron.s.2000", JobState.DISPATCHED);
    inState("cron.s.3000", JobState.RUNNING);
    inState("cron.s.4000", JobState.RUNNING);
    inState("cron.s.5000", JobState.QUEUED);
    inState("one-off", JobState.RUNNING);
    schedule("s", 10_000, cronJob("s", 5000), 1);

    assertThat(plan(DAY_AND_3_RUNS.withKeepRuns(1)).isEmpty()).isTrue();
  }

  @Test
  void every_terminal_state_expires_by_age() {
    List<JobId> expected = new ArrayList<>();
    for (JobState s : JobState.values()) {
      if (s.isTerminal()) {
        jobs.add(new JobSummary(JobId.of("j-" + s), s, NOW - 2 * Duration.ofDays(1).toMillis()));
        expected.add(JobId.of("j-" + s));
      }
    }
    assertThat(plan(DAY_AND_3_RUNS).jobs()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void an_age_of_zero_keeps_jobs_forever() {
    ended("ancient", 1);
    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).isEmpty()).isTrue();
  }

  @Test
  void one_off_jobs_expire_by_age_only_however_many_there_are() {
    for (int i = 0; i < 10; i++) {
      ended("j-" + i, NOW - i * HOUR);
    }
    assertThat(plan(DAY_AND_3_RUNS.withKeepRuns(1)).isEmpty()).isTrue();
  }

  @Test
  void oldest_expired_first() {
    JobId b = ended("b", NOW - 3 * 24 * HOUR);
    JobId a = ended("a", NOW - 5 * 24 * HOUR);
    JobId c = ended("c", NOW - 2 * 24 * HOUR);
    assertThat(plan(DAY_AND_3_RUNS).jobs()).containsExactly(a, b, c);
  }

  @Test
  void a_schedule_keeps_its_newest_runs_and_expires_older_ones_however_young() {
    List<JobId> ids = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      ids.add(cronRun("tick", NOW - 10_000 + i * 1000));
    }
    schedule("tick", NOW - 4000, ids.get(5), 3);

    Plan plan = plan(DAY_AND_3_RUNS);
    assertThat(plan.jobs()).containsExactly(ids.get(0), ids.get(1), ids.get(2));
    assertThat(plan.runs()).as("their run records go with the jobs").isEmpty();
  }

  @Test
  void a_schedule_with_fewer_runs_than_it_keeps_keeps_them_all() {
    JobId first = cronRun("tick", NOW - 3000);
    JobId second = cronRun("tick", NOW - 2000);
    schedule("tick", NOW - 2000, second, 3);
    runs.add(new ScheduleRunRecord("tick", NOW - 5000, Outcome.MISSED, null, "no primary"));

    assertThat(plan(DAY_AND_3_RUNS).isEmpty()).isTrue();
    assertThat(first).isNotNull();
  }

  @Test
  void a_schedule_with_exactly_as_many_runs_as_it_keeps_keeps_them_all() {
    cronRun("tick", NOW - 3000);
    cronRun("tick", NOW - 2000);
    JobId last = cronRun("tick", NOW - 1000);
    schedule("tick", NOW - 1000, last, 3);

    assertThat(plan(DAY_AND_3_RUNS).isEmpty()).isTrue();
  }

  @Test
  void cron_jobs_expire_by_age_even_among_the_newest_runs() {
    long old = NOW - 2 * 24 * HOUR;
    JobId a = cronRun("daily", old);
    JobId b = cronRun("daily", old + 1000);
    schedule("daily", NOW, cronJob("daily", NOW), 3);
    inState(cronJob("daily", NOW).value(), JobState.RUNNING);

    assertThat(plan(DAY_AND_3_RUNS).jobs()).containsExactly(a, b);
  }

  @Test
  void running_jobs_count_among_the_newest_runs_so_older_finished_ones_go() {
    JobId a = cronRun("s", 1000);
    JobId b = cronRun("s", 2000);
    inState(cronJob("s", 3000).value(), JobState.RUNNING);
    inState(cronJob("s", 4000).value(), JobState.RUNNING);
    runs.add(new ScheduleRunRecord("s", 3000, Outcome.STARTED, cronJob("s", 3000), null));
    runs.add(new ScheduleRunRecord("s", 4000, Outcome.STARTED, cronJob("s", 4000), null));
    schedule("s", 4000, cronJob("s", 4000), 2);

    Plan plan = plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO));
    assertThat(plan.jobs()).containsExactly(a, b);
    assertThat(plan.runs()).isEmpty();
  }

  @Test
  void the_latest_run_of_a_schedule_stays_however_old_for_the_overlap_policy() {
    long old = NOW - 10 * 24 * HOUR;
    JobId earlier = cronRun("weekly", old - 1000);
    JobId latest = cronRun("weekly", old);
    // later due times were skipped, so the latest job is older than the last handled due time
    runs.add(new ScheduleRunRecord("weekly", old + 1000, Outcome.SKIPPED, null, "overlap"));
    schedule("weekly", old + 1000, latest, 3);

    Plan plan = plan(DAY_AND_3_RUNS);
    assertThat(plan.jobs()).containsExactly(earlier).doesNotContain(latest);
    assertThat(plan.runs()).as("the last handled due time's record stays").isEmpty();
  }

  @Test
  void a_fire_in_progress_is_never_expired_so_a_catch_up_finds_its_job() {
    long old = NOW - 10 * 24 * HOUR;
    JobId handled = cronRun("s", old);
    // Due after the last handled due time: created, ended, but the schedule was not advanced yet.
    JobId inProgress = cronRun("s", old + 1000);
    JobId later = cronRun("s", old + 2000);
    schedule("s", old, handled, 1);

    Plan plan = plan(DAY_AND_3_RUNS);
    assertThat(plan.jobs()).doesNotContain(inProgress, later, handled);
    assertThat(plan.runs()).isEmpty();
  }

  @Test
  void a_schedule_of_its_own_keeps_as_many_runs_as_it_says() {
    List<JobId> own = new ArrayList<>();
    List<JobId> grid = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      own.add(cronRun("own", i * 1000L));
      grid.add(cronRun("grid", i * 1000L));
    }
    schedule("own", 6000, own.get(4), 1);
    schedule("grid", 6000, grid.get(4), 3);

    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).jobs())
        .containsExactlyInAnyOrder(
            own.get(0), own.get(1), own.get(2), own.get(3), grid.get(0), grid.get(1));
  }

  @Test
  void keeping_zero_runs_keeps_them_all() {
    for (int i = 1; i <= 5; i++) {
      cronRun("all", i * 1000L);
    }
    schedule("all", 6000, cronJob("all", 5000), 0);
    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).isEmpty()).isTrue();
  }

  @Test
  void missed_and_skipped_records_expire_by_count_and_by_age() {
    long young = NOW - HOUR;
    long old = NOW - 2 * 24 * HOUR;
    runs.add(new ScheduleRunRecord("s", old, Outcome.MISSED, null, "no primary"));
    for (int i = 1; i <= 5; i++) {
      runs.add(new ScheduleRunRecord("s", young + i, Outcome.SKIPPED, null, "overlap"));
    }
    schedule("s", young + 6, null, 3);

    assertThat(plan(DAY_AND_3_RUNS).runs())
        .containsExactly(
            ScheduleRunRecord.key("s", old),
            ScheduleRunRecord.key("s", young + 1),
            ScheduleRunRecord.key("s", young + 2));
    schedules.set(0, new ScheduleView("s", young + 6, null, 0));
    assertThat(plan(DAY_AND_3_RUNS).runs())
        .as("keeping all runs, by age only")
        .containsExactly(ScheduleRunRecord.key("s", old));
  }

  @Test
  void a_run_record_whose_job_still_runs_stays_beyond_the_count() {
    inState(cronJob("s", 1000).value(), JobState.RUNNING);
    runs.add(new ScheduleRunRecord("s", 1000, Outcome.STARTED, cronJob("s", 1000), null));
    for (int i = 2; i <= 4; i++) {
      runs.add(new ScheduleRunRecord("s", i * 1000L, Outcome.MISSED, null, "no primary"));
    }
    schedule("s", 5000, cronJob("s", 1000), 1);

    Plan plan = plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO));
    assertThat(plan.jobs()).isEmpty();
    assertThat(plan.runs())
        .containsExactly(ScheduleRunRecord.key("s", 2000), ScheduleRunRecord.key("s", 3000));
  }

  @Test
  void a_run_record_whose_job_is_gone_expires_like_a_missed_one() {
    runs.add(new ScheduleRunRecord("s", 1000, Outcome.STARTED, cronJob("s", 1000), null));
    JobId kept = cronRun("s", 2000);
    schedule("s", 3000, kept, 1);

    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).runs())
        .containsExactly(ScheduleRunRecord.key("s", 1000));
  }

  @Test
  void jobs_of_a_deleted_schedule_expire_by_age_and_by_the_grid_count() {
    List<JobId> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      JobId id = cronJob("gone", NOW - 10_000 + i);
      ended(id.value(), NOW - 10_000 + i);
      ids.add(id);
    }
    assertThat(plan(DAY_AND_3_RUNS).jobs()).containsExactly(ids.get(0), ids.get(1));
  }

  @Test
  void schedule_names_with_dots_and_digits_are_counted_apart() {
    for (int i = 1; i <= 3; i++) {
      cronRun("a.5", i * 1000L);
      cronRun("a", i * 1000L);
    }
    schedule("a.5", 4000, cronJob("a.5", 3000), 2);
    schedule("a", 4000, cronJob("a", 3000), 3);

    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).jobs())
        .containsExactly(cronJob("a.5", 1000));
  }

  @Test
  void an_array_expires_with_all_its_tasks_once_the_last_task_ended_the_age_ago() {
    long day = Duration.ofDays(1).toMillis();
    JobId array = array("arr", NOW - 10 * day);
    JobId t0 = task(array, 0, JobState.SUCCEEDED, NOW - 9 * day);
    JobId t1 = task(array, 1, JobState.FAILED, NOW - 8 * day);
    JobId t2 = task(array, 2, JobState.CANCELLED, NOW - day - 1);
    JobId single = ended("single", NOW - 2 * day);

    Plan plan = plan(DAY_AND_3_RUNS);

    assertThat(plan.jobs())
        .as("the single job ended first; the array's tasks, then the array")
        .containsExactly(single, t0, t1, t2, array);
    assertThat(plan.arrays()).containsExactly(array);
  }

  @Test
  void an_array_and_its_old_tasks_stay_while_one_task_has_not_ended_or_the_last_is_young() {
    long day = Duration.ofDays(1).toMillis();
    JobId running = array("running", NOW - 10 * day);
    task(running, 0, JobState.SUCCEEDED, NOW - 9 * day);
    task(running, 1, JobState.RUNNING, 0);
    JobId young = array("young", NOW - 10 * day);
    task(young, 0, JobState.SUCCEEDED, NOW - 9 * day);
    task(young, 1, JobState.SUCCEEDED, NOW - day);

    assertThat(plan(DAY_AND_3_RUNS).isEmpty()).isTrue();
  }

  @Test
  void an_array_just_submitted_whose_tasks_are_not_seen_yet_stays_and_an_old_empty_one_goes() {
    long day = Duration.ofDays(1).toMillis();
    array("just-submitted", NOW - 1);
    JobId leftOver = array("left-over", NOW - 2 * day); // a sweep cut short after its tasks

    Plan plan = plan(DAY_AND_3_RUNS);

    assertThat(plan.jobs()).containsExactly(leftOver);
    assertThat(plan.arrays()).containsExactly(leftOver);
  }

  @Test
  void a_task_whose_array_record_is_gone_expires_by_its_own_age() {
    long day = Duration.ofDays(1).toMillis();
    JobId gone = JobId.of("gone");
    JobId old = task(gone, 0, JobState.SUCCEEDED, NOW - 2 * day);
    task(gone, 1, JobState.SUCCEEDED, NOW - 1);

    Plan plan = plan(DAY_AND_3_RUNS);

    assertThat(plan.jobs()).containsExactly(old);
    assertThat(plan.arrays()).isEmpty();
  }

  @Test
  void an_age_of_zero_keeps_arrays_forever() {
    JobId array = array("arr", 1);
    task(array, 0, JobState.SUCCEEDED, 2);
    assertThat(plan(DAY_AND_3_RUNS.withMaxAge(Duration.ZERO)).isEmpty()).isTrue();
  }
}
