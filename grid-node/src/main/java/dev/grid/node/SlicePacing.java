package dev.grid.node;

/**
 * How far ahead of their run a worker starts (marks RUNNING) the tasks of slices: learnt from how
 * long its tasks take, so that the tasks it marked are about to run. If this worker dies, every
 * task it marked counts as an interrupted run (a retry each).
 *
 * <p>The arithmetic is pure and static; the instance keeps the run times seen, in two volatile
 * doubles (written by slice threads, read by all: a lost update only blurs an average).
 */
final class SlicePacing {
  /** How far ahead of their run a slice's tasks are started (marked RUNNING), at most. */
  static final double START_AHEAD_MILLIS = 50;

  /** The most tasks started at once per slice thread. */
  static final int MAX_START_PER_THREAD = 8;

  private final int threads;

  /** The mean run time of this worker's slice tasks, in ms; NaN until one ran. */
  private volatile double meanTaskMillis = Double.NaN;

  /** The run time of the last slice task that ended here, in ms; NaN until one ran. */
  private volatile double lastTaskMillis = Double.NaN;

  SlicePacing(int threads) {
    this.threads = threads;
  }

  /** Folds a task's run time into this worker's mean (an exponential average). */
  void learn(long runNanos) {
    double ms = runNanos / 1e6;
    double mean = meanTaskMillis;
    meanTaskMillis = Double.isNaN(mean) ? ms : mean * 0.9 + ms * 0.1;
    lastTaskMillis = ms;
  }

  /**
   * How long a task is expected to run, in ms (NaN while unknown): the mean, or the last one's time
   * if longer, so that tasks turning slow are seen at the first slow one.
   */
  double expectedTaskMillis() {
    return Math.max(meanTaskMillis, lastTaskMillis);
  }

  /** How many tasks to start at once now: {@link #startBatch(double, int)}. */
  int startBatch() {
    return startBatch(expectedTaskMillis(), threads);
  }

  /**
   * How many tasks to start at once: as many as {@code threads} begin within {@value
   * #START_AHEAD_MILLIS} ms at {@code expectedMillis} a task; one while that is unknown or long.
   */
  static int startBatch(double expectedMillis, int threads) {
    if (Double.isNaN(expectedMillis) || expectedMillis >= START_AHEAD_MILLIS) {
      return 1;
    }
    // At most 8 per thread, however short the tasks: when an array's tasks turn slow at once,
    // the batch started on the old figure is what a death of this worker would count as
    // interrupted (before the first slow task ends and the rest is handed back).
    return (int)
        Math.max(
            1,
            Math.min(
                threads * MAX_START_PER_THREAD,
                threads * START_AHEAD_MILLIS / Math.max(expectedMillis, 0.01)));
  }

  /**
   * How many of the {@code waiting} started tasks to hand back: those beyond what {@code threads}
   * begin within four times {@value #START_AHEAD_MILLIS} ms at {@code expectedMillis} a task (never
   * fewer than one a thread kept). None while the run time is unknown.
   */
  static int excess(double expectedMillis, int threads, int waiting) {
    if (Double.isNaN(expectedMillis) || waiting <= threads) {
      return 0;
    }
    int keep =
        (int) Math.max(threads, threads * 4 * START_AHEAD_MILLIS / Math.max(expectedMillis, 0.01));
    return Math.max(0, waiting - keep);
  }
}
