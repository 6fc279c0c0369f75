package dev.grid.api;

import java.util.List;

/**
 * What the jobs that ended in a window cost, summed per queue, per name and per submitter ({@code
 * bin/report --since 1d}, {@link GridClient#report}): the grid's {@code sacct}. Each task of an
 * array counts as a job, under its array's queue, name and submitter.
 *
 * @param sinceMillis the window's start: jobs that ended at or after it count
 * @param untilMillis when the report was made
 * @param byQueue a row per queue, largest CPU time first
 * @param byName a row per job name (jobs without one under {@code -})
 * @param bySubmitter a row per token name that submitted
 */
public record JobReport(
    long sinceMillis,
    long untilMillis,
    List<Row> byQueue,
    List<Row> byName,
    List<Row> bySubmitter) {

  /** Copies the lists. */
  public JobReport {
    byQueue = List.copyOf(byQueue);
    byName = List.copyOf(byName);
    bySubmitter = List.copyOf(bySubmitter);
  }

  /**
   * The sums of one queue, name or submitter.
   *
   * @param key the queue, name or submitter
   * @param jobs jobs that ended in the window
   * @param succeeded of them, how many succeeded
   * @param failed of them, how many failed, timed out or were lost
   * @param cancelled of them, how many were cancelled
   * @param runMillis their run time (start to end of the last attempt), summed
   * @param measured of them, how many have a measured cost (ran where cgroups are used)
   * @param cpuUserMillis the measured ones' CPU time in user mode, summed
   * @param cpuSystemMillis the measured ones' CPU time in the kernel, summed
   * @param peakMemoryBytes the highest peak memory of any of them
   */
  public record Row(
      String key,
      long jobs,
      long succeeded,
      long failed,
      long cancelled,
      long runMillis,
      long measured,
      long cpuUserMillis,
      long cpuSystemMillis,
      long peakMemoryBytes) {

    /** A row for one ended job. */
    public static Row of(String key, JobState state, long runMillis, Usage usage) {
      return new Row(
          key,
          1,
          state == JobState.SUCCEEDED ? 1 : 0,
          state == JobState.FAILED || state == JobState.TIMED_OUT || state == JobState.LOST ? 1 : 0,
          state == JobState.CANCELLED ? 1 : 0,
          Math.max(0, runMillis),
          usage == null ? 0 : 1,
          usage == null ? 0 : usage.cpuUserMillis(),
          usage == null ? 0 : usage.cpuSystemMillis(),
          usage == null ? 0 : usage.peakMemoryBytes());
    }

    /** The sums of this row and another of the same key. */
    public Row plus(Row o) {
      return new Row(
          key,
          jobs + o.jobs,
          succeeded + o.succeeded,
          failed + o.failed,
          cancelled + o.cancelled,
          runMillis + o.runMillis,
          measured + o.measured,
          cpuUserMillis + o.cpuUserMillis,
          cpuSystemMillis + o.cpuSystemMillis,
          Math.max(peakMemoryBytes, o.peakMemoryBytes));
    }

    /** CPU time in both modes. */
    public long cpuMillis() {
      return cpuUserMillis + cpuSystemMillis;
    }
  }
}
