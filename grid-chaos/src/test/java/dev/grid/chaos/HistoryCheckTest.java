package dev.grid.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun;
import dev.grid.chaos.History.Fault;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryCheckTest {
  private static final long T = 1_800_000_000_000L;

  private final List<String> ledger = new ArrayList<>();
  private final List<History.Accepted> jobs = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();

  @Test
  void when_every_job_ran_once_then_the_run_passes() {
    job("1", "n1", T, T + 500);
    job("2", "n2", T + 100, T + 600);

    ChaosReport report = check();

    assertThat(report.violations()).isEmpty();
    assertThat(report.summaryLine())
        .startsWith(
            "chaos: seed=7 duration=60s faults=0 accepted=2"
                + " finished=2 lost=0 run-twice=0 overlapping=0")
        .endsWith("PASS");
  }

  @Test
  void when_the_ledger_shows_a_second_completed_run_then_the_job_ran_twice() {
    job("1", "n1", T, T + 500);
    runLines("1", 2, "n2", "r2", T + 5000, T + 5500);

    ChaosReport report = check();

    assertThat(report.runTwice()).isEqualTo(1);
    assertThat(report.overlapping()).isZero();
    assertThat(report.violations()).singleElement().asString().startsWith("run-twice: job j1");
  }

  @Test
  void when_a_ledger_line_is_duplicated_then_the_check_fails() {
    job("1", "n1", T, T + 500);
    ledger.add(ledger.get(ledger.size() - 1));

    ChaosReport report = check();

    assertThat(report.passed()).isFalse();
    assertThat(report.ledgerBad()).isEqualTo(1);
  }

  @Test
  void when_a_retry_starts_while_the_first_run_still_beats_then_the_runs_overlap() {
    ledger.add(line("1", 1, "n1", "r1", "start", T));
    ledger.add(line("1", 1, "n1", "r1", "beat", T + 4000));
    job("1", "n2", T + 3000, T + 3500, 2);

    ChaosReport report = check();

    assertThat(report.overlapping()).isEqualTo(1);
    assertThat(report.runTwice()).isZero();
  }

  @Test
  void when_a_run_dies_with_its_sigkilled_node_then_its_retry_is_legal() {
    ledger.add(line("1", 1, "n1", "r1", "start", T));
    faults.add(new Fault(T + 300, Fault.Kind.KILL_WORKER, "n1", 0, T + 4000));
    job("1", "n2", T + 1500, T + 2000, 2);

    assertThat(check().violations()).isEmpty();
  }

  @Test
  void when_a_run_starts_just_after_its_node_was_sigkilled_then_it_died_with_that_node() {
    faults.add(new Fault(T, Fault.Kind.KILL_WORKER, "n1", 0, T + 10_000));
    ledger.add(line("1", 1, "n1", "r1", "start", T + 14));
    faults.add(new Fault(T + 100_000, Fault.Kind.KILL_WORKER, "n1", 0, T + 104_000));
    job("1", "n3", T + 2000, T + 2500, 2);

    assertThat(check().violations()).isEmpty();
  }

  @Test
  void when_a_run_ends_while_its_node_is_paused_then_its_rerun_is_after_a_fault_not_twice() {
    // n1 paused at T+300 for 6 s: the run ends unreported at T+500, the grid runs it again
    faults.add(new Fault(T + 300, Fault.Kind.PAUSE_WORKER, "n1", 0, T + 6300));
    job("1", "n1", T, T + 500);
    runLines("1", 2, "n2", "r1.2", T + 7000, T + 7500);
    // the same on n3 with no fault: the grid ran a finished job again for no reason
    job("2", "n3", T, T + 500);
    runLines("2", 2, "n2", "r2.2", T + 7000, T + 7500);

    ChaosReport report = check();

    assertThat(report.rerunAfterFault()).isEqualTo(1);
    assertThat(report.runTwice()).isEqualTo(1);
    assertThat(report.violations()).singleElement().asString().startsWith("run-twice: job j2");
  }

  @Test
  void when_a_long_run_went_silent_before_its_node_was_killed_then_a_retry_is_legal() {
    ledger.add("long 1 j1 1 n1 r1 start " + T);
    ledger.add("long 1 j1 1 n1 r1 beat " + (T + 500));
    faults.add(new Fault(T + 20_000, Fault.Kind.KILL_WORKER, "n1", 0, T + 24_000));
    job("1", "n2", T + 10_000, T + 10_500, 2);

    assertThat(check().violations()).isEmpty();
  }

  @Test
  void when_a_long_run_beats_until_its_node_is_killed_then_a_retry_before_the_kill_overlaps() {
    ledger.add("long 1 j1 1 n1 r1 start " + T);
    ledger.add("long 1 j1 1 n1 r1 beat " + (T + 9_500));
    faults.add(new Fault(T + 10_000, Fault.Kind.KILL_WORKER, "n1", 0, T + 14_000));
    job("1", "n2", T + 9_800, T + 10_500, 2);

    assertThat(check().overlapping()).isEqualTo(1);
  }

  @Test
  void when_a_retry_starts_before_the_killed_node_died_then_the_runs_overlap() {
    ledger.add(line("1", 1, "n1", "r1", "start", T));
    faults.add(new Fault(T + 2000, Fault.Kind.KILL_WORKER, "n1", 0, T + 4000));
    job("1", "n2", T + 1500, T + 2500, 2);

    assertThat(check().overlapping()).isEqualTo(1);
  }

  @Test
  void when_a_node_dies_just_after_a_run_ended_then_the_rerun_is_counted_apart() {
    runLines("1", 1, "n1", "r1", T, T + 500);
    faults.add(new Fault(T + 520, Fault.Kind.KILL_PRIMARY, "n1", 5, T + 4000));
    job("1", "n2", T + 2000, T + 2500, 2);

    ChaosReport report = check();

    assertThat(report.violations()).filteredOn(v -> v.startsWith("run-twice")).isEmpty();
    assertThat(report.rerunAfterFault()).isEqualTo(1);
  }

  @Test
  void when_a_run_ends_just_after_its_node_was_sigkilled_then_the_rerun_is_counted_apart() {
    runLines("1", 1, "n1", "r1", T, T + 500);
    faults.add(new Fault(T + 450, Fault.Kind.KILL_WORKER, "n1", 0, T + 4000));
    job("1", "n2", T + 2000, T + 2500, 2);

    ChaosReport report = check();

    assertThat(report.violations()).isEmpty();
    assertThat(report.rerunAfterFault()).isEqualTo(1);
  }

  @Test
  void when_a_job_never_ended_or_its_output_differs_then_it_is_lost_or_unreadable() {
    JobId stuck = JobId.of("j1");
    jobs.add(new History.Accepted("1", "m1", stuck, info(stuck, JobState.QUEUED, 1), null, null));
    job("2", "n1", T, T + 500);
    History.Accepted ok = jobs.remove(jobs.size() - 1);
    jobs.add(
        new History.Accepted(
            ok.seq(),
            ok.marker(),
            ok.id(),
            ok.info(),
            "something else\n".getBytes(StandardCharsets.UTF_8),
            null));

    ChaosReport report = check();

    assertThat(report.lost()).isEqualTo(1);
    assertThat(report.unreadable()).isEqualTo(1);
    assertThat(report.finished()).isEqualTo(1);
  }

  @Test
  void cron_fires_are_counted_once_twice_or_missed() {
    long f1 = T;
    long f2 = T + 1000;
    long f3 = T + 2000;
    JobInfo j1 = cronJob(f1, T, T + 200, "r1");
    JobInfo j2 = cronJob(f2, T + 1000, T + 1200, "r2");
    // a second completed run of fire 2's job
    ledger.add("cron - " + j2.id() + " 2 n3 r2b start " + (T + 3000));
    ledger.add("cron - " + j2.id() + " 2 n3 r2b end " + (T + 3200));
    List<ScheduleRun> runs = List.of(started(f1, j1), started(f2, j2));
    History.Cron cron = new History.Cron(List.of(f1, f2, f3), runs, Map.of(f1, j1, f2, j2));

    ChaosReport report = check(cron);

    assertThat(report.cronDue()).isEqualTo(3);
    assertThat(report.cronOnce()).isEqualTo(1);
    assertThat(report.cronTwice()).isEqualTo(1);
    assertThat(report.cronMissed()).isEqualTo(1);
  }

  @Test
  void a_fire_the_grid_ended_lost_to_keep_it_at_most_once_is_interrupted_not_missed() {
    long f1 = T;
    long f2 = T + 1000;
    JobId id1 = JobId.of("cron.tick." + f1);
    ledger.add("cron - " + id1 + " 1 n1 r1 start " + T);
    JobInfo j1 =
        lost(
            id1,
            "worker n1 left the grid; " + JobInfo.CRON_AT_MOST_ONCE + ", so it is not run again");
    JobId id2 = JobId.of("cron.tick." + f2);
    JobInfo j2 = lost(id2, "worker n1 left the grid; no retries left (maxRetries 0)");
    History.Cron cron =
        new History.Cron(
            List.of(f1, f2), List.of(started(f1, j1), started(f2, j2)), Map.of(f1, j1, f2, j2));

    ChaosReport report = check(cron);

    assertThat(report.cronInterrupted()).isEqualTo(1);
    assertThat(report.cronMissed()).isEqualTo(1);
    assertThat(report.violations())
        .singleElement()
        .asString()
        .startsWith("cron-missed: fire " + f2);
    assertThat(report.summaryLine()).contains(" cron-missed=1 cron-interrupted=1 ");
  }

  private static JobInfo lost(JobId id, String message) {
    return new JobInfo(
        id,
        JobState.LOST,
        "n1",
        1,
        null,
        message,
        JobSpec.command("true"),
        T,
        T,
        T + 500,
        0,
        0,
        false,
        List.of(new JobEvent(JobState.LOST, T + 500, "n1", 1, 1, message)),
        null,
        null,
        null);
  }

  @Test
  void failover_is_the_time_from_the_kill_to_the_first_dispatch_of_a_higher_epoch() {
    faults.add(new Fault(T, Fault.Kind.KILL_PRIMARY, "n1", 5, T + 5000));
    faults.add(new Fault(T + 20_000, Fault.Kind.KILL_PRIMARY, "n2", 9, T + 25_000));
    List<History.Dispatch> dispatches =
        List.of(
            new History.Dispatch(T + 100, 5, "a"),
            new History.Dispatch(T + 1500, 9, "b"),
            new History.Dispatch(T + 1800, 9, "c"),
            new History.Dispatch(T + 23_000, 12, "d"));

    ChaosReport report =
        HistoryCheck.check(new History(jobs, List.of(), 0, null, faults, dispatches), 7, 60_000);

    assertThat(report.failoverP50Millis()).isEqualTo(1500);
    assertThat(report.failoverMaxMillis()).isEqualTo(3000);
  }

  @Test
  void in_a_run_without_faults_a_change_of_primary_is_a_false_failover() {
    List<History.Dispatch> steady =
        List.of(new History.Dispatch(T, 5, "a"), new History.Dispatch(T + 100_000, 5, "b"));
    List<History.Dispatch> changed =
        List.of(new History.Dispatch(T, 5, "a"), new History.Dispatch(T + 100_000, 9, "b"));

    ChaosReport quiet =
        HistoryCheck.check(new History(jobs, List.of(), 0, null, faults, steady), 7, 300_000);
    ChaosReport flapped =
        HistoryCheck.check(new History(jobs, List.of(), 0, null, faults, changed), 7, 300_000);

    assertThat(quiet.violations()).isEmpty();
    assertThat(flapped.primaryChanges()).isEqualTo(1);
    assertThat(flapped.violations()).singleElement().asString().startsWith("false failover");
    assertThat(flapped.summaryLine()).contains("primary-changes=1");
  }

  private ChaosReport check() {
    return check(null);
  }

  private ChaosReport check(History.Cron cron) {
    Ledger.Parsed parsed = Ledger.parse(ledger);
    return HistoryCheck.check(
        new History(jobs, parsed.runs(), parsed.badLines(), cron, faults, List.of()), 7, 60_000);
  }

  /** A job that SUCCEEDED, with its ledger run and its marker as output. */
  private void job(String seq, String node, long start, long end) {
    job(seq, node, start, end, 1);
  }

  private void job(String seq, String node, long start, long end, int attempt) {
    runLines(seq, attempt, node, "r" + seq + "." + attempt, start, end);
    JobId id = JobId.of("j" + seq);
    jobs.add(
        new History.Accepted(
            seq,
            "m" + seq,
            id,
            info(id, JobState.SUCCEEDED, attempt),
            ("m" + seq + "\n").getBytes(StandardCharsets.UTF_8),
            null));
  }

  private void runLines(String seq, int attempt, String node, String run, long start, long end) {
    ledger.add(line(seq, attempt, node, run, "start", start));
    ledger.add(line(seq, attempt, node, run, "end", end));
  }

  private static String line(
      String seq, int attempt, String node, String run, String event, long at) {
    return "job " + seq + " j" + seq + " " + attempt + " " + node + " " + run + " " + event + " "
        + at;
  }

  private JobInfo cronJob(long fire, long start, long end, String run) {
    JobId id = JobId.of("cron.tick." + fire);
    ledger.add("cron - " + id + " 1 n1 " + run + " start " + start);
    ledger.add("cron - " + id + " 1 n1 " + run + " end " + end);
    return info(id, JobState.SUCCEEDED, 1);
  }

  private static ScheduleRun started(long fire, JobInfo job) {
    return new ScheduleRun(fire, ScheduleRun.Outcome.STARTED, job.id(), job.state(), null);
  }

  private static JobInfo info(JobId id, JobState state, int attempt) {
    return new JobInfo(
        id,
        state,
        "n1",
        attempt,
        0,
        null,
        JobSpec.command("true"),
        T,
        T,
        T,
        0,
        0,
        false,
        List.of(new JobEvent(state, T, "n1", attempt, 1, null)));
  }
}
