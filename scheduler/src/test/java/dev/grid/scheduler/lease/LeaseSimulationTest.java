package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.scheduler.lease.LeaseSimulation.Result;
import dev.grid.scheduler.lease.LeaseSimulation.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Runs the lease protocol over thousands of random schedules (see {@link LeaseSimulation}). A
 * failure names its seed; {@code -Dlease.seed=N} runs that one alone, {@code -Dlease.seeds=N} runs
 * N seeds instead of the default.
 */
class LeaseSimulationTest {
  private static final int DEFAULT_SEEDS = 2_000;

  @Test
  void when_thousands_of_faulty_schedules_run_then_leases_never_overlap_and_epochs_grow() {
    List<String> failures = new ArrayList<>();
    int handovers = 0;
    LeaseHistory.Coverage coverage = new LeaseHistory.Coverage(0, 0, 0);
    int runs = 0;
    for (long seed : seeds().toArray()) {
      Result result = LeaseSimulation.run(seed, Variant.CORRECT);
      runs++;
      handovers += result.history().handovers();
      coverage = coverage.plus(result.coverage());
      if (!result.ok()) {
        failures.add(result.describe());
      }
    }
    assertThat(failures).as("failing schedules out of %d", runs).isEmpty();
    if (runs > 100) {
      assertThat(handovers).as("handovers over %d schedules", runs).isGreaterThan(runs / 4);
      assertThat(coverage.changes())
          .as("changes of the voters in %d schedules", runs)
          .isGreaterThan(runs);
      assertThat(coverage.selfRemovals())
          .as("primaries that removed themselves in %d schedules", runs)
          .isGreaterThan(runs / 100);
      assertThat(coverage.finishedByOthers())
          .as("changes finished by another node than the one asked, in %d schedules", runs)
          .isGreaterThan(runs / 100);
    }
  }

  @Test
  void when_voters_ignore_their_promises_then_the_checker_sees_overlapping_leases() {
    long caught =
        LongStream.range(0, 500)
            .mapToObj(seed -> LeaseSimulation.run(seed, Variant.VOTERS_IGNORE_PROMISES))
            .filter(result -> result.violations().stream().anyMatch(v -> v.contains("overlap")))
            .count();
    assertThat(caught)
        .as("schedules in which broken voters let two owners hold the lease")
        .isPositive();
  }

  @Test
  void
      when_voters_hide_the_change_they_accepted_then_the_checker_sees_two_voter_sets_in_a_version() {
    long caught =
        LongStream.range(0, 500)
            .mapToObj(seed -> LeaseSimulation.run(seed, Variant.VOTERS_HIDE_PENDING_CHANGES))
            .filter(
                result ->
                    result.violations().stream().anyMatch(v -> v.contains("under that version")))
            .count();
    assertThat(caught)
        .as("schedules in which rounds that ignore a pending change chose two voter sets")
        .isPositive();
  }

  @Test
  void when_changes_swap_two_voters_at_once_then_some_schedules_end_without_a_primary() {
    long caught =
        LongStream.range(0, 500)
            .mapToObj(seed -> LeaseSimulation.run(seed, Variant.TWO_VOTERS_AT_ONCE))
            .filter(result -> !result.live())
            .count();
    assertThat(caught)
        .as(
            "schedules stranded by a change of two voters at once (old voter gone, new one unaware)")
        .isPositive();
  }

  @Test
  void when_a_seed_runs_twice_then_the_history_is_the_same() {
    Result first = LeaseSimulation.run(42, Variant.CORRECT);
    Result second = LeaseSimulation.run(42, Variant.CORRECT);
    assertThat(second.history().tenures().toString())
        .isEqualTo(first.history().tenures().toString());
    assertThat(first.history().tenures()).isNotEmpty();
  }

  private static LongStream seeds() {
    String one = System.getProperty("lease.seed");
    if (one != null && !one.isBlank()) {
      return LongStream.of(Long.parseLong(one.trim()));
    }
    return LongStream.range(0, Integer.getInteger("lease.seeds", DEFAULT_SEEDS));
  }
}
