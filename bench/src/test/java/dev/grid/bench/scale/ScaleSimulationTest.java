package dev.grid.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The scale simulation at a small size, so that {@code bin/bench scale} cannot report a rate for a
 * broken run: every job and task handed out once and run to its end, no worker given more than its
 * slots, labels, CPUs and memory allow, no queue over its limit. The passes are timed on a counting
 * ticker, never on the wall clock.
 */
class ScaleSimulationTest {
  private static final long NO_BUDGET = Long.MAX_VALUE / 2;

  /** A ticker that moves one nanosecond a reading: the budget never runs out before the work. */
  private static LongSupplier counting() {
    long[] now = {0};
    return () -> now[0]++;
  }

  @Test
  void when_ten_workers_take_a_thousand_jobs_then_each_runs_once_within_its_worker() {
    ScaleWorkload workload = new ScaleWorkload(10, 1000, 1);
    ScaleSimulation sim = new ScaleSimulation(workload, counting());
    sim.load();

    ScaleSimulation.Result r = sim.run(NO_BUDGET);

    assertThat(r.violations()).isEmpty();
    assertThat(r.violationCount()).isZero();
    assertThat(r.complete()).isTrue();
    assertThat(r.decisions()).isEqualTo(1000);
    assertThat(r.ended()).isEqualTo(1000);
    assertThat(workload.arrayTasks()).isEqualTo(100);
    assertThat(r.passDecisions()[0]).isEqualTo(workload.totalSlots()); // the first pass fills all
    assertThat(r.steadyPasses()).isPositive().isLessThan(r.passes());
  }

  @Test
  void when_run_twice_with_one_seed_then_the_passes_decide_the_same() {
    ScaleSimulation a = new ScaleSimulation(new ScaleWorkload(10, 1000, 3), counting());
    ScaleSimulation b = new ScaleSimulation(new ScaleWorkload(10, 1000, 3), counting());
    a.load();
    b.load();

    assertThat(a.run(NO_BUDGET).passDecisions()).isEqualTo(b.run(NO_BUDGET).passDecisions());
  }

  @Test
  void when_the_primary_is_told_of_slots_a_worker_has_not_then_the_run_is_reported_broken() {
    ScaleSimulation sim = new ScaleSimulation(new ScaleWorkload(10, 1000, 1), counting(), 1);
    sim.load();

    ScaleSimulation.Result r = sim.run(NO_BUDGET);

    assertThat(r.violationCount()).isPositive();
    assertThat(r.violations()).anyMatch(v -> v.contains("which holds"));
  }

  @Test
  void when_the_budget_is_spent_then_the_run_stops_incomplete_with_what_ended() {
    ScaleSimulation sim = new ScaleSimulation(new ScaleWorkload(10, 1000, 1), counting());
    sim.load();

    ScaleSimulation.Result r = sim.run(50); // a few passes' worth of ticker readings

    assertThat(r.complete()).isFalse();
    assertThat(r.ended()).isLessThan(1000);
    assertThat(r.violationCount()).isZero();
  }
}
