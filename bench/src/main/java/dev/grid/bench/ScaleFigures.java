package dev.grid.bench;

import java.util.ArrayList;
import java.util.List;

/** The arithmetic of {@code bin/bench scale}'s figures: pure, unit-tested. */
final class ScaleFigures {
  private ScaleFigures() {}

  /**
   * The steady state of a run: passes {@code 1..passes} (the first, index 0, is reported apart).
   *
   * @param passes how many passes it counts
   * @param decisions their decisions
   * @param perSecond decisions per second of their own time
   */
  record Steady(
      int passes, long decisions, double perSecond, long p50Nanos, long p99Nanos, long maxNanos) {}

  /** The steady state of the passes after the first, {@code steadyPasses} of them. */
  static Steady steady(long[] passNanos, int[] passDecisions, int steadyPasses) {
    if (steadyPasses < 1 || steadyPasses > passNanos.length - 1) {
      throw new IllegalArgumentException(
          "no steady state: "
              + steadyPasses
              + " passes counted of "
              + passNanos.length
              + "; give the run more jobs or more time");
    }
    long nanos = 0;
    long decisions = 0;
    List<Long> times = new ArrayList<>(steadyPasses);
    for (int i = 1; i <= steadyPasses; i++) {
      nanos += passNanos[i];
      decisions += passDecisions[i];
      times.add(passNanos[i]);
    }
    return new Steady(
        steadyPasses,
        decisions,
        Figures.perSecond(decisions, nanos),
        Figures.percentile(times, 50),
        Figures.percentile(times, 99),
        Figures.percentile(times, 100));
  }
}
