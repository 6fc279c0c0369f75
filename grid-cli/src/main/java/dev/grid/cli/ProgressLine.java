package dev.grid.cli;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * An array's progress as one line: its tasks' counts per state, how many of all have ended, the
 * rate at which they end over a recent window, and the time left at that rate.
 *
 * <pre>
 * j0mf3k2x9a: 412/1000 done; 538 QUEUED, 50 RUNNING, 400 SUCCEEDED, 12 FAILED; 37.5 tasks/s, 16s left
 * </pre>
 *
 * <p>Pure: counts and times (nanoseconds of a monotonic clock) in, text out. {@link JobWatch}
 * decides when to print a line and where.
 */
final class ProgressLine {
  /** How far back the rate looks: long enough to be steady, short enough to follow a change. */
  static final long WINDOW_NANOS = 10_000_000_000L;

  /** Samples (nanos, ended) within the window, oldest first. */
  private final ArrayDeque<long[]> samples = new ArrayDeque<>();

  private final JobId id;
  private final long startNanos;

  ProgressLine(JobId id, long startNanos) {
    this.id = id;
    this.startNanos = startNanos;
  }

  /** Records the counts seen at {@code nanos} and returns the line for them. */
  String update(Map<JobState, Integer> counts, long nanos) {
    int ended = ended(counts);
    samples.addLast(new long[] {nanos, ended});
    while (samples.size() > 2 && nanos - samples.peekFirst()[0] > WINDOW_NANOS) {
      samples.removeFirst();
    }
    return render(id, counts, rate());
  }

  /** The line for an array that has ended: its counts, how long it took and the rate overall. */
  String finish(Map<JobState, Integer> counts, long nanos) {
    long took = Math.max(0, nanos - startNanos);
    double rate = took == 0 ? Double.NaN : ended(counts) * 1e9 / took;
    return id
        + ": "
        + ended(counts)
        + "/"
        + total(counts)
        + " done; "
        + states(counts)
        + "; in "
        + duration(took / 1_000_000_000L)
        + (Double.isNaN(rate) ? "" : ", " + rate(rate));
  }

  /** Tasks ended per second over the window; NaN until two samples a moment apart. */
  double rate() {
    if (samples.size() < 2) {
      return Double.NaN;
    }
    long[] first = samples.peekFirst();
    long[] last = samples.peekLast();
    long nanos = last[0] - first[0];
    return nanos <= 0 ? Double.NaN : (last[1] - first[1]) * 1e9 / nanos;
  }

  static String render(JobId id, Map<JobState, Integer> counts, double rate) {
    int total = total(counts);
    int ended = ended(counts);
    return id
        + ": "
        + ended
        + "/"
        + total
        + " done; "
        + states(counts)
        + "; "
        + (Double.isNaN(rate) ? "-- tasks/s" : rate(rate))
        + ", "
        + timeLeft(total - ended, rate);
  }

  /** {@code 16s left}, {@code 3m05s left}, {@code 1h02m left}; unknown at no rate. */
  static String timeLeft(int remaining, double rate) {
    if (remaining == 0) {
      return "none left";
    }
    if (Double.isNaN(rate) || rate <= 0) {
      return "time left unknown";
    }
    return duration((long) Math.ceil(remaining / rate)) + " left";
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds / 60 % 60);
  }

  private static String rate(double rate) {
    return String.format(Locale.ROOT, "%.1f tasks/s", rate);
  }

  private static String states(Map<JobState, Integer> counts) {
    StringJoiner parts = new StringJoiner(", ");
    for (JobState state : JobState.values()) {
      int n = counts.getOrDefault(state, 0);
      if (n > 0) {
        parts.add(n + " " + state);
      }
    }
    return parts.toString();
  }

  static int total(Map<JobState, Integer> counts) {
    int total = 0;
    for (int n : counts.values()) {
      total += n;
    }
    return total;
  }

  static int ended(Map<JobState, Integer> counts) {
    int ended = 0;
    for (Map.Entry<JobState, Integer> entry : counts.entrySet()) {
      if (entry.getKey().isTerminal()) {
        ended += entry.getValue();
      }
    }
    return ended;
  }
}
