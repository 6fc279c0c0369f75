package dev.grid.bench.job;

import dev.grid.api.GridJob;
import dev.grid.api.JobContext;

/**
 * The Java job the benchmark runs: does nothing and returns no result. The bench packs this one
 * class into a jar of its own ({@code NoOpJar}) and uploads it to the grid; the raw executor's
 * baseline runs the same class ({@code RawExecutorRun.NoOpTask}).
 */
public final class NoOpJob implements GridJob<Void> {
  @Override
  public Void run(JobContext context) {
    return null;
  }
}
