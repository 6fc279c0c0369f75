package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.FAILED;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.scheduler.PrimaryPlan.Action;
import dev.grid.scheduler.PrimaryPlan.Dispatch;
import dev.grid.scheduler.PrimaryPlan.DispatchSlice;
import dev.grid.scheduler.PrimaryPlan.Resend;
import dev.grid.scheduler.PrimaryPlan.ResendSlice;
import dev.grid.scheduler.PrimaryPlan.Resolve;
import dev.grid.scheduler.PrimaryPlan.TakeBack;
import dev.grid.scheduler.PrimaryPlan.TakeBackTasks;
import dev.grid.scheduler.PrimaryPlan.Timers;
import dev.grid.scheduler.PrimaryPlanner.Node;
import dev.grid.scheduler.PrimaryPlanner.Snapshot;
import dev.grid.scheduler.PrimaryPlanner.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The primary's decisions on a test clock, without a cluster: what {@link PrimaryService} takes
 * back, releases and dispatches, given what it knows. Workers are {@code w1..w3} on nodes {@code
 * n1..n3}.
 */
class PrimaryPlannerTest {
  private static final long EPOCH = 7;
  private static final PrimaryService.Settings SETTINGS = PrimaryService.Settings.defaults();
  private static final Duration GRACE = SETTINGS.reclaimGrace();
  private static final Duration TIMEOUT = SETTINGS.dispatchTimeout();

  private final JobIndex jobs = new JobIndex();
  private final BlockIndex blocks = new BlockIndex();
  private final Map<String, Node> members = new LinkedHashMap<>();
  private final Map<JobId, DependencyCheck.Parent> lookedUp = new HashMap<>();
  private Timers timers = Timers.none();
  private String lastWorker;

  /** The test clocks: the wall clock (ms) and the monotonic one (ns), from unrelated origins. */
  private long nowMillis = 1_000_000;

  private long nowNanos = 5_000_000_000L;

  // --- the harness: a snapshot of the fields above, its plan recorded as the service does

  private PrimaryPlan plan(Step... steps) {
    PrimaryPlan plan =
        PrimaryPlanner.plan(
            new Snapshot(
                EPOCH,
                SETTINGS,
                EnumSet.of(steps[0], steps),
                jobs,
                blocks,
                new ArrayList<>(members.values()),
                timers,
                lastWorker,
                lookedUp,
                nowMillis,
                nowNanos));
    timers = plan.timers();
    lastWorker = plan.lastWorker();
    return plan;
  }

  private void advance(Duration d) {
    nowMillis += d.toMillis();
    nowNanos += d.toNanos();
  }

  private void worker(int n, int slots) {
    members.put("w" + n, new Node("w" + n, "n" + n, slots));
  }

  private void gone(int n) {
    members.remove("w" + n);
  }

  private static JobRecord applied(JobRecord r, JobCommand c) {
    UpdateResult u = JobUpdate.apply(r, c);
    assertThat(u.applied()).as("applied: %s (%s)", c, u.refusal()).isTrue();
    return u.record();
  }

  private static TaskBlock applied(TaskBlock b, BlockCommand c) {
    BlockUpdate.Result r = BlockUpdate.apply(b, c);
    assertThat(r.applied()).as("applied: %s (%s)", c, r.refusal()).isTrue();
    return r.block();
  }

  private JobRecord queued(String id, long submittedAt) {
    JobRecord r = JobRecord.queued(JobId.of(id), JobSpec.command("true"), submittedAt);
    jobs.offer(r, nowMillis);
    return r;
  }

  private JobRecord dispatched(String id, int worker) {
    JobRecord r =
        applied(
            JobRecord.queued(JobId.of(id), JobSpec.command("true").withMaxRetries(1), 1000),
            new JobCommand.Dispatch(EPOCH - 1, "n" + worker, "w" + worker, 1001));
    jobs.offer(r, nowMillis);
    return r;
  }

  private JobRecord running(String id, int worker) {
    JobRecord r = applied(dispatched(id, worker), new JobCommand.Start("n" + worker, 1, 1002));
    jobs.offer(r, nowMillis);
    return r;
  }

  /** An array of tasks {@code 0..n-1} ({@code %cap} if cap > 0), its blocks all queued. */
  private List<TaskBlock> array(String id, int n, int cap, long submittedAt) {
    String range = "0-" + (n - 1) + (cap > 0 ? "%" + cap : "");
    JobSpec spec = JobSpec.command("true").withArray(ArraySpec.parse(range));
    jobs.offer(JobRecord.queued(JobId.of(id), spec, submittedAt), nowMillis);
    List<TaskBlock> created = TaskBlock.created(JobId.of(id), spec, submittedAt);
    created.forEach(b -> blocks.offer(b, nowMillis));
    return created;
  }

  /** Applies the plan's slices to the blocks known here, as the map would; returns the blocks. */
  private Map<String, TaskBlock> applySlices(PrimaryPlan plan, Map<String, TaskBlock> current) {
    for (DispatchSlice d : plan.actions(DispatchSlice.class)) {
      TaskBlock b = applied(current.get(d.blockKey()), d.command());
      current.put(b.key(), b);
      blocks.offer(b, nowMillis);
    }
    return current;
  }

  /** Applies the plan's job dispatches to the jobs known here, as the map would. */
  private void applyDispatches(List<Dispatch> dispatches) {
    for (Dispatch d : dispatches) {
      jobs.offer(applied(jobs.get(d.job()), d.command()), nowMillis);
    }
  }

  private static Map<String, TaskBlock> byKey(List<TaskBlock> list) {
    Map<String, TaskBlock> out = new LinkedHashMap<>();
    list.forEach(b -> out.put(b.key(), b));
    return out;
  }

  private static int firstDispatched(TaskBlock b) {
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      if (b.has(slot) && b.state(slot) == DISPATCHED) {
        return slot;
      }
    }
    throw new AssertionError("no dispatched task in " + b.key());
  }

  private static int tasks(PrimaryPlan plan) {
    return plan.actions(DispatchSlice.class).stream()
        .mapToInt(d -> d.command().slots().length)
        .sum();
  }

  // --- taking back

  @Test
  void when_a_worker_is_gone_past_the_grace_then_its_running_jobs_are_taken_back() {
    worker(1, 2);
    worker(2, 2);
    running("j1", 2);
    running("j2", 1);
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();

    gone(2);
    assertThat(plan(Step.TAKE_BACK).actions()).as("just seen gone").isEmpty();
    advance(GRACE);

    List<TakeBack> back = plan(Step.TAKE_BACK).actions(TakeBack.class);
    assertThat(back).extracting(TakeBack::job).containsExactly(JobId.of("j1"));
    JobCommand.Reclaim c = back.get(0).command();
    assertThat(c.epoch()).isEqualTo(EPOCH);
    assertThat(c.attempt()).isEqualTo(1);
    assertThat(c.onlyIfUnstarted()).as("started or not, it is taken back").isFalse();
    assertThat(c.reason()).isEqualTo("worker n2 left the grid");
    assertThat(c.atMillis()).isEqualTo(nowMillis);
  }

  @Test
  void when_a_worker_is_gone_within_the_grace_then_nothing_is_taken_back() {
    worker(1, 2);
    running("j1", 2);
    dispatched("j2", 2);
    gone(2);
    plan(Step.TAKE_BACK);
    advance(GRACE.minusMillis(1));

    PrimaryPlan plan = plan(Step.TAKE_BACK);

    assertThat(plan.actions()).isEmpty();
    assertThat(plan.timers().goneSince()).containsOnlyKeys("w2");
  }

  @Test
  void
      when_a_worker_comes_back_within_the_grace_then_it_keeps_its_jobs_and_a_new_absence_counts_afresh() {
    worker(1, 2);
    worker(2, 2);
    running("j1", 2);
    gone(2);
    plan(Step.TAKE_BACK);
    advance(Duration.ofSeconds(3));
    worker(2, 2);
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();
    assertThat(timers.goneSince()).as("forgotten once back").isEmpty();

    advance(Duration.ofSeconds(2));
    gone(2);
    plan(Step.TAKE_BACK);
    advance(GRACE.minusMillis(1));
    assertThat(plan(Step.TAKE_BACK).actions())
        .as("5 s since it first left, but not the grace since it left again")
        .isEmpty();
    advance(Duration.ofMillis(1));
    assertThat(plan(Step.TAKE_BACK).actions(TakeBack.class))
        .extracting(TakeBack::job)
        .containsExactly(JobId.of("j1"));
  }

  @Test
  void the_grace_counts_on_the_monotonic_clock_so_a_wall_clock_step_does_not_cut_it_short() {
    worker(1, 2);
    running("j1", 2);
    gone(2);
    plan(Step.TAKE_BACK);

    nowMillis += Duration.ofHours(1).toMillis();
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();
    nowNanos += GRACE.toNanos();
    assertThat(plan(Step.TAKE_BACK).actions()).hasSize(1);
  }

  @Test
  void
      when_a_dispatched_job_is_not_started_within_the_timeout_then_it_is_taken_back_if_still_unstarted() {
    worker(1, 2);
    dispatched("j1", 1);
    running("j2", 1);
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();
    assertThat(timers.dispatchSeen()).containsOnlyKeys(JobId.of("j1"));
    advance(TIMEOUT);
    assertThat(plan(Step.TAKE_BACK).actions()).as("at the timeout, not yet").isEmpty();
    advance(Duration.ofMillis(1));

    List<TakeBack> back = plan(Step.TAKE_BACK).actions(TakeBack.class);

    assertThat(back).extracting(TakeBack::job).containsExactly(JobId.of("j1"));
    assertThat(back.get(0).command().onlyIfUnstarted()).isTrue();
    assertThat(back.get(0).command().reason()).isEqualTo("worker n1 did not start it within 5s");
  }

  @Test
  void the_dispatch_timeout_counts_from_when_this_session_first_saw_the_job_dispatched() {
    worker(1, 2);
    JobRecord j = dispatched("j1", 1);
    plan(Step.TAKE_BACK);
    advance(Duration.ofSeconds(3));
    jobs.offer(applied(j, new JobCommand.Start("n1", 1, 1003)), nowMillis);
    plan(Step.TAKE_BACK);
    assertThat(timers.dispatchSeen()).as("started: its timer goes").isEmpty();

    advance(Duration.ofSeconds(3));
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();
  }

  @Test
  void
      tasks_are_taken_back_from_a_gone_worker_past_the_grace_and_unstarted_ones_from_a_live_worker_past_the_timeout() {
    worker(1, 4);
    worker(2, 4);
    TaskBlock b = array("a", 10, 0, 1000).get(0);
    b = applied(b, new BlockCommand.Dispatch(EPOCH, "n1", "w1", new int[] {0, 1, 2}, 1001));
    b = applied(b, new BlockCommand.Dispatch(EPOCH, "n2", "w2", new int[] {3, 4}, 1001));
    b = applied(b, new BlockCommand.Start("n1", new int[] {0}, new int[] {1}, 1002));
    blocks.offer(b, nowMillis);
    gone(2);
    assertThat(plan(Step.TAKE_BACK).actions()).isEmpty();
    advance(TIMEOUT.plusMillis(1));

    List<TakeBackTasks> back = plan(Step.TAKE_BACK).actions(TakeBackTasks.class);

    assertThat(back).hasSize(2);
    BlockCommand.Reclaim ofGone = back.get(0).command();
    assertThat(ofGone.workerId()).isEqualTo("w2");
    assertThat(ofGone.slots()).as("every task it holds").isNull();
    assertThat(ofGone.onlyIfUnstarted()).isFalse();
    assertThat(ofGone.reason()).isEqualTo("worker n2 left the grid");
    BlockCommand.Reclaim unstarted = back.get(1).command();
    assertThat(unstarted.workerId()).isEqualTo("w1");
    assertThat(unstarted.slots()).containsExactly(1, 2);
    assertThat(unstarted.attempts()).containsExactly(1, 1);
    assertThat(unstarted.onlyIfUnstarted()).isTrue();
    assertThat(unstarted.reason()).isEqualTo("worker n1 did not start it within 5s");
    assertThat(back).extracting(TakeBackTasks::arrayId).containsOnly(JobId.of("a"));
  }

  // --- a new primary's first pass

  @Test
  void a_new_primary_sends_again_what_an_earlier_one_dispatched_and_was_not_started() {
    worker(1, 4);
    JobRecord d = dispatched("j1", 1);
    running("j2", 1);
    TaskBlock b = array("a", 10, 0, 1000).get(0);
    b = applied(b, new BlockCommand.Dispatch(EPOCH - 1, "n1", "w1", new int[] {2, 5}, 1001));
    b = applied(b, new BlockCommand.Start("n1", new int[] {2}, new int[] {1}, 1002));
    blocks.offer(b, nowMillis);

    PrimaryPlan plan = plan(Step.RESEND);

    assertThat(plan.actions(Resend.class)).containsExactly(new Resend("w1", List.of(d)));
    List<ResendSlice> slices = plan.actions(ResendSlice.class);
    assertThat(slices).hasSize(1);
    TaskSlice slice = slices.get(0).slice();
    assertThat(slice.slots()).containsExactly(5);
    assertThat(slice.workerId()).isEqualTo("w1");
    assertThat(slice.epoch()).as("under the new epoch").isEqualTo(EPOCH);
  }

  // --- dependencies

  @Test
  void when_an_afterok_parent_failed_then_its_dependant_is_cancelled_naming_it() {
    JobId parent = JobId.of("p");
    JobRecord child =
        JobRecord.queued(
            JobId.of("c"), JobSpec.command("true").withAfter(Dependencies.afterOk(parent)), 2000);
    jobs.offer(child, nowMillis);
    assertThat(PrimaryPlanner.parentsToLookUp(jobs, blocks)).containsExactly(parent);
    lookedUp.put(parent, new DependencyCheck.Parent(parent, FAILED, null));

    List<Resolve> decided = plan(Step.RESOLVE).actions(Resolve.class);

    assertThat(decided).hasSize(1);
    assertThat(decided.get(0).job()).isEqualTo(child.id());
    assertThat(decided.get(0).array()).isFalse();
    assertThat(decided.get(0).command().to()).isEqualTo(CANCELLED);
    assertThat(decided.get(0).command().reason())
        .isEqualTo("dependency never satisfied: afterok parent p FAILED");
    assertThat(decided.get(0).command().epoch()).isEqualTo(EPOCH);
  }

  @Test
  void
      when_a_parent_succeeded_then_its_dependants_are_released_and_an_afterany_one_also_after_a_failure() {
    JobId ok = JobId.of("ok");
    JobId bad = JobId.of("bad");
    jobs.offer(
        JobRecord.queued(
            JobId.of("c1"), JobSpec.command("true").withAfter(Dependencies.afterOk(ok)), 2000),
        nowMillis);
    jobs.offer(
        JobRecord.queued(
            JobId.of("c2"), JobSpec.command("true").withAfter(Dependencies.afterAny(bad)), 2000),
        nowMillis);
    lookedUp.put(ok, new DependencyCheck.Parent(ok, SUCCEEDED, null));
    lookedUp.put(bad, new DependencyCheck.Parent(bad, FAILED, null));

    Map<JobId, JobCommand.Resolve> decided = new HashMap<>();
    plan(Step.RESOLVE).actions(Resolve.class).forEach(r -> decided.put(r.job(), r.command()));

    assertThat(decided).containsOnlyKeys(JobId.of("c1"), JobId.of("c2"));
    assertThat(decided.get(JobId.of("c1")).to()).isEqualTo(QUEUED);
    assertThat(decided.get(JobId.of("c1")).reason()).isEqualTo("dependencies met: ok SUCCEEDED");
    assertThat(decided.get(JobId.of("c2")).to()).isEqualTo(QUEUED);
  }

  @Test
  void a_dependant_of_a_parent_still_unfinished_here_waits_and_the_parent_is_not_looked_up() {
    worker(1, 2);
    JobRecord parent = running("p", 1);
    array("arr", 3, 0, 1000);
    jobs.offer(
        JobRecord.queued(
            JobId.of("c"),
            JobSpec.command("true").withAfter(Dependencies.afterOk(parent.id(), JobId.of("arr"))),
            2000),
        nowMillis);

    assertThat(PrimaryPlanner.parentsToLookUp(jobs, blocks)).isEmpty();
    assertThat(plan(Step.RESOLVE).actions()).isEmpty();
  }

  @Test
  void an_array_waiting_on_a_parent_is_decided_as_an_array() {
    JobId parent = JobId.of("p");
    JobSpec spec =
        JobSpec.command("true")
            .withArray(ArraySpec.parse("0-9"))
            .withAfter(Dependencies.afterOk(parent));
    jobs.offer(JobRecord.queued(JobId.of("arr"), spec, 2000), nowMillis);
    lookedUp.put(parent, new DependencyCheck.Parent(parent, SUCCEEDED, null));

    List<Resolve> decided = plan(Step.RESOLVE).actions(Resolve.class);

    assertThat(decided).hasSize(1);
    assertThat(decided.get(0).array()).as("its blocks are decided first").isTrue();
    assertThat(decided.get(0).command().to()).isEqualTo(QUEUED);
  }

  // --- dispatching

  @Test
  void queued_jobs_go_round_robin_to_workers_with_free_slots_continuing_after_the_last() {
    worker(1, 2);
    worker(2, 1);
    worker(3, 2);
    running("busy", 2);
    for (int i = 0; i < 3; i++) {
      queued("j" + i, 1000 + i);
    }

    List<Dispatch> first = plan(Step.DISPATCH).actions(Dispatch.class);

    assertThat(first).extracting(d -> d.job().value()).containsExactly("j0", "j1", "j2");
    assertThat(first)
        .extracting(d -> d.command().node())
        .as("n2 has no free slot")
        .containsExactly("n1", "n3", "n1");
    assertThat(first).extracting(d -> d.command().workerId()).containsExactly("w1", "w3", "w1");
    assertThat(first).extracting(d -> d.command().epoch()).containsOnly(EPOCH);
    assertThat(lastWorker).isEqualTo("n1");

    applyDispatches(first);
    JobRecord j0 = applied(jobs.get(JobId.of("j0")), new JobCommand.Start("n1", 1, 1003));
    jobs.offer(
        applied(j0, new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 0, 0, false, 1004)),
        nowMillis);
    queued("j3", 2000);
    assertThat(plan(Step.DISPATCH).actions(Dispatch.class))
        .extracting(d -> d.command().node())
        .as("n1 has a free slot again and sorts first, but n3 comes after n1")
        .containsExactly("n3");
  }

  @Test
  void with_no_free_slot_nothing_is_dispatched_and_the_round_robin_stays() {
    worker(1, 1);
    running("busy", 1);
    queued("j0", 1000);
    lastWorker = "n1";

    PrimaryPlan plan = plan(Step.DISPATCH);

    assertThat(plan.actions()).isEmpty();
    assertThat(plan.lastWorker()).isEqualTo("n1");
  }

  @Test
  void a_capped_array_never_has_more_tasks_in_flight_than_its_cap() {
    worker(1, 4);
    worker(2, 4);
    worker(3, 4);
    Map<String, TaskBlock> current = byKey(array("a", 300, 5, 1000));
    int ended = 0;
    for (int round = 0; round < 20; round++) {
      PrimaryPlan plan = plan(Step.DISPATCH);
      current = applySlices(plan, current);
      assertThat(blocks.activeTasks(JobId.of("a"))).as("in flight, round %s", round).isEqualTo(5);
      assertThat(tasks(plan)).as("dispatched, round %s", round).isEqualTo(round == 0 ? 5 : 2);
      // Two tasks end: two more may go.
      for (int k = 0; k < 2; k++) {
        TaskBlock b = current.values().iterator().next();
        int slot = firstDispatched(b);
        int attempt = b.attempts()[slot];
        b =
            applied(
                b, new BlockCommand.Start(b.node(slot), new int[] {slot}, new int[] {attempt}, 1));
        b =
            applied(
                b,
                new BlockCommand.Finish(
                    b.node(slot),
                    List.of(
                        new BlockCommand.Ended(
                            slot, attempt, SUCCEEDED, 0, null, 1, 2, 0, 0, false)),
                    2));
        current.put(b.key(), b);
        blocks.offer(b, nowMillis);
      }
      ended += 2;
    }
    assertThat(ended).isEqualTo(40);
  }

  @Test
  void short_tasks_go_in_deep_slices_and_long_or_unknown_ones_one_per_slot() {
    worker(1, 2);
    Map<String, TaskBlock> current = byKey(array("a", 500, 0, 1000));
    PrimaryPlan first = plan(Step.DISPATCH);
    assertThat(tasks(first)).as("run time unknown: one per free slot").isEqualTo(2);
    current = applySlices(first, current);

    // Both end after 2 ms: the array is fast, 100 / 2 = 50 tasks per slot.
    TaskBlock b = current.values().iterator().next();
    b = applied(b, new BlockCommand.Start("n1", new int[] {0, 1}, new int[] {1, 1}, 1));
    List<BlockCommand.Ended> ends = new ArrayList<>();
    for (int slot : new int[] {0, 1}) {
      ends.add(new BlockCommand.Ended(slot, 1, SUCCEEDED, 0, null, 10, 12, 0, 0, false));
    }
    b = applied(b, new BlockCommand.Finish("n1", ends, 12));
    blocks.offer(b, nowMillis);
    assertThat(blocks.meanMillis(JobId.of("a"))).isEqualTo(2.0);

    assertThat(tasks(plan(Step.DISPATCH))).isEqualTo(2 * 50);
  }

  @Test
  void the_depth_of_an_array_follows_its_tasks_run_time_and_is_one_under_a_cap() {
    JobRecord open =
        JobRecord.queued(
            JobId.of("a"), JobSpec.command("true").withArray(ArraySpec.parse("0-9")), 0);
    JobRecord capped =
        JobRecord.queued(
            JobId.of("b"), JobSpec.command("true").withArray(ArraySpec.parse("0-9%2")), 0);

    assertThat(PrimaryPlanner.depth(open, null)).isEqualTo(1);
    assertThat(PrimaryPlanner.depth(open, 50.0)).isEqualTo(1);
    assertThat(PrimaryPlanner.depth(open, 49.0)).isEqualTo(2);
    assertThat(PrimaryPlanner.depth(open, 10.0)).isEqualTo(10);
    assertThat(PrimaryPlanner.depth(open, 0.5)).isEqualTo(64);
    assertThat(PrimaryPlanner.depth(open, 0.0)).isEqualTo(64);
    assertThat(PrimaryPlanner.depth(capped, 1.0)).isEqualTo(1);
  }

  @Test
  void a_job_queued_before_a_fast_array_is_not_passed_over_by_its_slices() {
    worker(1, 2);
    Map<String, TaskBlock> current = byKey(array("a", 500, 0, 2000));
    queued("older", 1000);
    running("busy", 1);
    // The array is fast and its worker holds one task: a slice would fit under its depth.
    TaskBlock b = current.values().iterator().next();
    b = applied(b, new BlockCommand.Dispatch(EPOCH, "n1", "w1", new int[] {0, 1}, 1));
    b = applied(b, new BlockCommand.Start("n1", new int[] {0, 1}, new int[] {1, 1}, 1));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(new BlockCommand.Ended(0, 1, SUCCEEDED, 0, null, 10, 11, 0, 0, false)),
                11));
    blocks.offer(b, nowMillis);
    assertThat(jobs.activeByWorker().get("w1") + blocks.activeByWorker().get("w1")).isEqualTo(2);

    assertThat(plan(Step.DISPATCH).actions()).as("the older job waits for a slot").isEmpty();

    jobs.offer(
        applied(
            jobs.get(JobId.of("busy")),
            new JobCommand.Finish("n1", 1, SUCCEEDED, 0, null, 0, 0, false, 5)),
        nowMillis);
    List<Action> next = plan(Step.DISPATCH).actions();
    assertThat(next).first().isInstanceOf(Dispatch.class);
    assertThat(((Dispatch) next.get(0)).job()).isEqualTo(JobId.of("older"));
  }

  @Test
  void an_older_array_is_served_before_a_newer_job_and_its_slices_name_queued_slots_once() {
    worker(1, 2);
    worker(2, 2);
    Map<String, TaskBlock> current = byKey(array("a", 3, 0, 1000));
    queued("newer", 2000);

    PrimaryPlan plan = plan(Step.DISPATCH);

    assertThat(plan.actions(DispatchSlice.class))
        .flatExtracting(d -> List.of(d.command().slots()))
        .as("no slot twice")
        .hasSize(2);
    int[] all =
        plan.actions(DispatchSlice.class).stream()
            .flatMapToInt(d -> Arrays.stream(d.command().slots()))
            .toArray();
    assertThat(all).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(plan.actions(Dispatch.class))
        .extracting(Dispatch::job)
        .containsExactly(JobId.of("newer"));
    assertThat(plan.actions().get(0)).as("jobs are written first").isInstanceOf(Dispatch.class);
    applySlices(plan, current);
    assertThat(blocks.queuedTasks(JobId.of("a"))).isZero();
  }

  @Test
  void a_member_that_takes_no_work_is_live_but_gets_nothing() {
    members.put("w9", new Node("w9", null, 0));
    running("j1", 9);
    queued("j2", 1000);

    PrimaryPlan plan = plan(Step.TAKE_BACK, Step.DISPATCH);

    assertThat(plan.actions()).isEmpty();
    assertThat(plan.timers().goneSince()).as("not gone").isEmpty();
  }

  @Test
  void when_running_work_reserves_cpus_then_a_job_that_needs_more_goes_to_the_other_node() {
    members.put("w1", new Node("w1", "n1", 4, Set.of(), 4, 8L << 30));
    members.put("w2", new Node("w2", "n2", 4, Set.of(), 4, 8L << 30));
    Resources three = new Resources(3, 0);
    JobRecord big =
        applied(
            JobRecord.queued(JobId.of("big"), JobSpec.command("true").withResources(three), 900),
            new JobCommand.Dispatch(EPOCH - 1, "n1", "w1", 901));
    jobs.offer(big, nowMillis);
    array("arr", 2, 0, 950);
    JobRecord arrayRecord = jobs.get(JobId.of("arr"));
    jobs.offer(
        JobRecord.queued(
            arrayRecord.id(), arrayRecord.spec().withResources(new Resources(1, 0)), 950),
        nowMillis);
    queued("next", 1000);
    JobRecord needs =
        JobRecord.queued(
            JobId.of("needs2"), JobSpec.command("true").withResources(new Resources(2, 0)), 1001);
    jobs.offer(needs, nowMillis);

    PrimaryPlan plan = plan(Step.DISPATCH);

    // w1 has 1 CPU left after 'big': an array task (1 CPU) fits there, 'needs2' does not.
    assertThat(plan.actions(Dispatch.class))
        .filteredOn(d -> d.job().equals(JobId.of("needs2")))
        .extracting(d -> d.command().node())
        .containsExactly("n2");
    assertThat(PrimaryPlanner.reservedByWorker(jobs, blocks)).containsOnlyKeys("w1");
    assertThat(PrimaryPlanner.reservedByWorker(jobs, blocks).get("w1")).containsExactly(3, 0);
  }

  @Test
  void when_a_task_backs_off_after_a_failure_then_it_is_dispatched_only_once_its_time_came() {
    worker(1, 4);
    Map<String, TaskBlock> current = byKey(array("arr", 2, 0, 950));
    TaskBlock b = current.values().iterator().next();
    b = applied(b, new BlockCommand.Dispatch(EPOCH, "n1", "w1", new int[] {0}, 960));
    b = applied(b, new BlockCommand.Start("n1", new int[] {0}, new int[] {1}, 970));
    BlockCommand.RetryRule rule =
        new BlockCommand.RetryRule(
            2, List.of(RetryOn.FAILED), new Backoff(Duration.ofMinutes(1), Duration.ofHours(1)));
    b =
        applied(
            b,
            new BlockCommand.Finish(
                "n1",
                List.of(new BlockCommand.Ended(0, 1, FAILED, 1, null, 970, nowMillis, 0, 0, false)),
                nowMillis,
                rule));
    blocks.offer(b, nowMillis);
    assertThat(blocks.dueTasks(JobId.of("arr"), nowMillis)).isEqualTo(1);

    PrimaryPlan first = plan(Step.DISPATCH);
    assertThat(first.actions(DispatchSlice.class))
        .flatExtracting(d -> Arrays.stream(d.command().slots()).boxed().toList())
        .as("only the task that is not backing off")
        .containsExactly(1);

    advance(Duration.ofMinutes(2));
    PrimaryPlan later = plan(Step.DISPATCH);
    assertThat(later.actions(DispatchSlice.class))
        .flatExtracting(d -> Arrays.stream(d.command().slots()).boxed().toList())
        .contains(0);
  }

  @Test
  void an_arrays_running_tasks_reserve_what_each_task_asks_on_their_workers() {
    JobSpec spec =
        JobSpec.command("true")
            .withArray(ArraySpec.parse("0-299"))
            .withResources(new Resources(1, 1L << 30));
    jobs.offer(JobRecord.queued(JobId.of("big"), spec, 900), nowMillis);
    List<TaskBlock> created = TaskBlock.created(JobId.of("big"), spec, 900);
    TaskBlock first =
        applied(
            created.get(0), new BlockCommand.Dispatch(EPOCH, "n1", "w1", new int[] {0, 1, 2}, 950));
    TaskBlock second =
        applied(created.get(1), new BlockCommand.Dispatch(EPOCH, "n2", "w2", new int[] {7}, 950));
    blocks.offer(first, nowMillis);
    blocks.offer(second, nowMillis);

    Map<String, long[]> reserved = PrimaryPlanner.reservedByWorker(jobs, blocks);

    assertThat(reserved.get("w1")).containsExactly(3, 3L << 30);
    assertThat(reserved.get("w2")).containsExactly(1, 1L << 30);
  }
}
