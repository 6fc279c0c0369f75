package dev.grid.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The arithmetic and wording of the benchmark's figures: pure functions, unit-tested. */
final class Figures {
  /** The grid's throughput must reach this share of the ProcessBuilder pool's. */
  static final double RATIO_TARGET = 0.50;

  /** Submit-to-start latency targets, in milliseconds. */
  static final long P50_TARGET_MS = 20;

  static final long P99_TARGET_MS = 20;

  /** The submit call on an idle grid, p99, in microseconds. */
  static final long SUBMIT_P99_TARGET_MICROS = 5_000;

  /** Resident memory of an idle node, in MiB. */
  static final long RSS_TARGET_MIB = 300;

  /** Blob store reads (from the reading node's own copy) against one local file's. */
  static final double STORAGE_READ_TARGET = 0.50;

  /** Blob store writes with two copies against one local file's, fsync included. */
  static final double STORAGE_WRITE_TARGET = 0.30;

  /** Java tasks of an array through the grid against the raw Hazelcast executor's. */
  static final double JAVA_RATIO_TARGET = 0.50;

  private Figures() {}

  /** Jobs per second for {@code jobs} finished in {@code nanos}. */
  static double perSecond(long jobs, long nanos) {
    if (nanos <= 0) {
      throw new IllegalArgumentException("elapsed time " + nanos + " ns is not positive");
    }
    return jobs * 1e9 / nanos;
  }

  /** The nearest-rank percentile ({@code p} in 0-100] of the samples. */
  static long percentile(List<Long> samples, double p) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to take percentile " + p + " of");
    }
    if (p <= 0 || p > 100) {
      throw new IllegalArgumentException("percentile " + p + " is not in (0, 100]");
    }
    long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  /** The {@code VmRSS} of a {@code /proc/PID/status} text, in KiB, if it has one. */
  static Optional<Long> vmRssKib(String procStatus) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
        return Optional.of(Long.parseLong(parts[0]));
      }
    }
    return Optional.empty();
  }

  /**
   * CPU of a process from its {@code /proc/PID/stat} line, in clock ticks: {@code [0]} its own
   * (utime + stime), {@code [1]} that of its children it has reaped (cutime + cstime). Fields are
   * counted after the command name, which may hold spaces, hence the last ')'.
   */
  static long[] cpuTicks(String procStat) {
    String[] f = procStat.substring(procStat.lastIndexOf(')') + 2).trim().split(" ");
    return new long[] {
      Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])
    };
  }

  /**
   * The extra CPU figure (no target): CPU per job of the node JVMs, of the job processes they
   * spawned, and of the bench JVM that submits and polls, and the throughput the machine's cores
   * would allow at that cost.
   */
  static String cpuLine(double nodesMs, double jobProcessesMs, double clientMs, int cores) {
    double total = nodesMs + jobProcessesMs + clientMs;
    return String.format(
        Locale.ROOT,
        "cpu per grid job (extra figure, no target): %.1f ms = nodes %.1f + their job processes"
            + " %.1f + bench client %.1f; %d cores at that cost allow at most %.0f jobs/s",
        total,
        nodesMs,
        jobProcessesMs,
        clientMs,
        cores,
        cores * 1000 / total);
  }

  static String verdict(boolean pass) {
    return pass ? "PASS" : "MISS";
  }

  static String throughputLine(double grid, double pool) {
    double ratio = grid / pool;
    return String.format(
        Locale.ROOT,
        "throughput: grid %.0f jobs/s, ProcessBuilder pool %.0f jobs/s, ratio %.2f (target >= %.2f) %s",
        grid,
        pool,
        ratio,
        RATIO_TARGET,
        verdict(ratio >= RATIO_TARGET));
  }

  static String javaLine(double grid, double raw) {
    double ratio = grid / raw;
    return String.format(
        Locale.ROOT,
        "java: grid array %.0f tasks/s, raw Hazelcast executor %.0f tasks/s, ratio %.3f"
            + " (target >= %.2f) %s",
        grid,
        raw,
        ratio,
        JAVA_RATIO_TARGET,
        verdict(ratio >= JAVA_RATIO_TARGET));
  }

  /**
   * The extra CPU figure of the Java runs (no target): CPU per task of the grid's node JVMs and of
   * the raw executor's members, each with the bench JVM's share while it ran.
   */
  static String javaCpuLine(
      double nodesMs, double gridClientMs, double membersMs, double rawClientMs) {
    return String.format(
        Locale.ROOT,
        "cpu per java task (extra figure, no target): grid %.2f ms = nodes %.2f + bench client"
            + " %.2f; raw executor %.3f ms = members %.3f + bench %.3f",
        nodesMs + gridClientMs,
        nodesMs,
        gridClientMs,
        membersMs + rawClientMs,
        membersMs,
        rawClientMs);
  }

  static String latencyLine(List<Long> millis) {
    long p50 = percentile(millis, 50);
    long p99 = percentile(millis, 99);
    return String.format(
        Locale.ROOT,
        "latency: submit-to-start over %d jobs p50 %d ms, p99 %d ms, max %d ms"
            + " (targets p50 < %d ms, p99 < %d ms) %s",
        millis.size(),
        p50,
        p99,
        percentile(millis, 100),
        P50_TARGET_MS,
        P99_TARGET_MS,
        verdict(p50 < P50_TARGET_MS && p99 < P99_TARGET_MS));
  }

  /** One line for the submit call's own latency on an idle grid; its p99 must be under 5 ms. */
  static String submitLine(List<Long> micros) {
    long p99 = percentile(micros, 99);
    return String.format(
        Locale.ROOT,
        "submit call: GridClient.submit on an idle grid over %d jobs p50 %.1f ms, p99 %.1f ms,"
            + " max %.1f ms (target p99 < %d ms) %s",
        micros.size(),
        percentile(micros, 50) / 1000.0,
        p99 / 1000.0,
        percentile(micros, 100) / 1000.0,
        SUBMIT_P99_TARGET_MICROS / 1000,
        verdict(p99 < SUBMIT_P99_TARGET_MICROS));
  }

  /** One line for the idle nodes' resident memory; the largest must be under the target. */
  static String rssLine(List<String> names, List<Long> kib) {
    return String.format(
        Locale.ROOT,
        "idle RSS (%d s after the last job): max %d MB over %d nodes (%s) (target < %d MB) %s",
        IDLE_SECONDS,
        maxKib(kib) / 1024,
        kib.size(),
        eachMib(names, kib),
        RSS_TARGET_MIB,
        verdict(maxKib(kib) < RSS_TARGET_MIB * 1024));
  }

  /** The resident memory right after the last job (no target: the heap a burst grew). */
  static String rssRightAfterLine(List<String> names, List<Long> kib) {
    return String.format(
        Locale.ROOT,
        "RSS right after the last job (extra figure, no target): max %d MB over %d nodes (%s)",
        maxKib(kib) / 1024,
        kib.size(),
        eachMib(names, kib));
  }

  /**
   * When a node counts as idle: a node hands the heap a burst grew back to the system after 10 s
   * without a collection (G1's periodic collection, set in NodeProcess and bin/grid-node).
   */
  static final int IDLE_SECONDS = 20;

  private static long maxKib(List<Long> kib) {
    return kib.stream().mapToLong(Long::longValue).max().orElseThrow();
  }

  private static String eachMib(List<String> names, List<Long> kib) {
    StringBuilder each = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      each.append(i == 0 ? "" : ", ").append(names.get(i)).append(' ').append(kib.get(i) / 1024);
    }
    return each.toString();
  }

  /** The median of the values (the mean of the middle two for an even count). */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values to take the median of");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /**
   * One storage figure: the store's rate in each round and the baseline's, in MB/s (10^6 bytes),
   * and the ratio of their medians against the target; a target of 0 marks an extra figure.
   */
  static String storageLine(
      String what, double[] store, String baselineName, double[] baseline, double target) {
    double ratio = median(store) / median(baseline);
    String verdict =
        target > 0
            ? String.format(Locale.ROOT, "(target >= %.2f) %s", target, verdict(ratio >= target))
            : "(extra figure, no target)";
    return String.format(
        Locale.ROOT,
        "storage %s: %s MB/s, median %.0f; %s %s MB/s, median %.0f;" + " ratio %.2f %s",
        what,
        mbPerSecond(store),
        median(store) / 1e6,
        baselineName,
        mbPerSecond(baseline),
        median(baseline) / 1e6,
        ratio,
        verdict);
  }

  private static String mbPerSecond(double[] bytesPerSecond) {
    StringBuilder each = new StringBuilder();
    for (double rate : bytesPerSecond) {
      each.append(each.length() == 0 ? "" : " ").append(Math.round(rate / 1e6));
    }
    return each.toString();
  }
}
