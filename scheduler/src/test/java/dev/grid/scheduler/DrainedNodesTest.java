package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.DrainState;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import dev.grid.scheduler.PrimaryPlan.Dispatch;
import dev.grid.scheduler.PrimaryPlan.DispatchSlice;
import dev.grid.scheduler.PrimaryPlan.Timers;
import dev.grid.scheduler.PrimaryPlanner.Node;
import dev.grid.scheduler.PrimaryPlanner.Snapshot;
import dev.grid.scheduler.PrimaryPlanner.Step;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Drained nodes in the primary's decisions, without a cluster: a pass planned from a snapshot whose
 * members went through {@link DrainTable#withoutNewWork}, as the primary builds it, gives a drained
 * node nothing new and takes nothing it runs back; and what the primary counts on drained nodes.
 * Workers are {@code w1..w3} on nodes {@code n1..n3}.
 */
class DrainedNodesTest {
  private static final long EPOCH = 7;
  private static final PrimaryService.Settings SETTINGS = PrimaryService.Settings.defaults();

  private final JobIndex jobs = new JobIndex();
  private final BlockIndex blocks = new BlockIndex();
  private final Map<String, Node> members = new LinkedHashMap<>();
  private final Set<String> drained = new HashSet<>();
  private Timers timers = Timers.none();
  private long nowMillis = 1_000_000;
  private long nowNanos = 5_000_000_000L;

  private PrimaryPlan plan(Step... steps) {
    PrimaryPlan plan =
        PrimaryPlanner.plan(
            new Snapshot(
                EPOCH,
                SETTINGS,
                EnumSet.of(steps[0], steps),
                jobs,
                blocks,
                DrainTable.withoutNewWork(new ArrayList<>(members.values()), drained),
                timers,
                null,
                Map.of(),
                nowMillis,
                nowNanos));
    timers = plan.timers();
    return plan;
  }

  private void worker(int n, int slots) {
    members.put("w" + n, new Node("w" + n, "n" + n, slots));
  }

  private JobRecord queued(String id, JobSpec spec, long submittedAt) {
    JobRecord r = JobRecord.queued(JobId.of(id), spec, submittedAt);
    jobs.offer(r, nowMillis);
    return r;
  }

  private void running(String id, int worker) {
    JobRecord r = JobRecord.queued(JobId.of(id), JobSpec.command("sleep", "60"), 900);
    r =
        JobUpdate.apply(r, new JobCommand.Dispatch(EPOCH - 1, "n" + worker, "w" + worker, 901))
            .record();
    r = JobUpdate.apply(r, new JobCommand.Start("n" + worker, 1, 902)).record();
    jobs.offer(r, nowMillis);
  }

  private static List<String> nodes(PrimaryPlan plan) {
    List<String> out = new ArrayList<>();
    plan.actions(Dispatch.class).forEach(d -> out.add(d.command().node()));
    plan.actions(DispatchSlice.class).forEach(d -> out.add(d.command().node()));
    return out;
  }

  @Test
  void a_drained_node_gets_no_job_and_the_queue_goes_to_the_others() {
    worker(1, 4);
    worker(2, 4);
    worker(3, 4);
    drained.add("n2");
    for (int i = 0; i < 6; i++) {
      queued("j" + i, JobSpec.command("true"), 1000 + i);
    }

    PrimaryPlan plan = plan(Step.DISPATCH);

    assertThat(plan.actions(Dispatch.class)).hasSize(6);
    assertThat(nodes(plan)).doesNotContain("n2").contains("n1", "n3");
  }

  @Test
  void a_drained_node_gets_no_slice_of_an_array() {
    worker(1, 2);
    worker(2, 2);
    drained.add("n1");
    JobSpec spec = JobSpec.command("true").withArray(ArraySpec.parse("0-9"));
    queued("a", spec, 1000);
    TaskBlock.created(JobId.of("a"), spec, 1000).forEach(b -> blocks.offer(b, nowMillis));

    PrimaryPlan plan = plan(Step.DISPATCH);

    assertThat(plan.actions(DispatchSlice.class)).isNotEmpty();
    assertThat(nodes(plan)).containsOnly("n2");
  }

  @Test
  void what_a_drained_node_runs_is_not_taken_back_however_long_it_runs() {
    worker(1, 2);
    worker(2, 2);
    drained.add("n1");
    running("long", 1);

    nowMillis += SETTINGS.reclaimGrace().toMillis() * 10;
    nowNanos += SETTINGS.reclaimGrace().toNanos() * 10;
    PrimaryPlan plan = plan(Step.TAKE_BACK, Step.DISPATCH);

    assertThat(plan.actions()).isEmpty();
    assertThat(plan.timers().goneSince()).as("drained is not gone").isEmpty();
  }

  @Test
  void with_every_node_drained_nothing_is_dispatched_and_the_jobs_wait() {
    worker(1, 2);
    worker(2, 2);
    drained.addAll(Set.of("n1", "n2"));
    queued("j1", JobSpec.command("true"), 1000);

    assertThat(plan(Step.DISPATCH).actions()).isEmpty();

    drained.remove("n2"); // undrained: dispatch comes back to it
    assertThat(nodes(plan(Step.DISPATCH))).containsExactly("n2");
  }

  @Test
  void a_job_that_fits_only_on_a_drained_node_holds_back_nothing_behind_it() {
    members.put("w1", new Node("w1", "n1", 4, Set.of(), 16, 64L << 30));
    members.put("w2", new Node("w2", "n2", 4, Set.of(), 2, 4L << 30));
    drained.add("n1");
    queued("big", JobSpec.command("true").withResources(new Resources(8, 0)), 1000);
    queued("small", JobSpec.command("true"), 1001);

    PrimaryPlan plan = plan(Step.DISPATCH);

    assertThat(plan.actions(Dispatch.class))
        .extracting(d -> d.job().value() + "@" + d.command().node())
        .containsExactly("small@n2");
  }

  @Test
  void the_primary_counts_what_each_live_drained_node_holds_under_its_mark() {
    worker(1, 2);
    worker(2, 2);
    running("a", 1);
    running("b", 1);
    running("c", 2);
    Map<String, DrainRecord> marks =
        Map.of(
            "n1", new DrainRecord("n1", 111),
            "n2", new DrainRecord("n2", 222),
            "n9", new DrainRecord("n9", 999)); // not live: not counted

    Map<String, DrainCount> counts =
        DrainTable.count(new ArrayList<>(members.values()), marks, jobs, blocks);

    assertThat(counts)
        .containsOnlyKeys("n1", "n2")
        .containsEntry("n1", new DrainCount(111, 2))
        .containsEntry("n2", new DrainCount(222, 1));
  }

  @Test
  void a_node_is_drained_only_once_the_primary_counted_nothing_under_its_current_mark() {
    DrainRecord mark = new DrainRecord("n1", 500);

    assertThat(DrainTable.state(null, null, 0)).isNull();
    assertThat(DrainTable.state(mark, null, 0))
        .as("not counted yet")
        .isEqualTo(DrainState.DRAINING);
    assertThat(DrainTable.state(mark, new DrainCount(400, 0), 0))
        .as("counted under an earlier mark")
        .isEqualTo(DrainState.DRAINING);
    assertThat(DrainTable.state(mark, new DrainCount(500, 1), 0)).isEqualTo(DrainState.DRAINING);
    assertThat(DrainTable.state(mark, new DrainCount(500, 0), 1))
        .as("the node still runs one")
        .isEqualTo(DrainState.DRAINING);
    assertThat(DrainTable.state(mark, new DrainCount(500, 0), 0)).isEqualTo(DrainState.DRAINED);
  }
}
