package dev.grid.api;

/**
 * What one run of a job cost, as the node's cgroups counted it: CPU time in user and kernel mode,
 * and the most memory it held at once, over its whole process tree. Measured only where the node
 * can use cgroups (as root); elsewhere a job has none ({@link JobInfo#usage()} is null).
 *
 * @param cpuUserMillis CPU time spent in user mode
 * @param cpuSystemMillis CPU time spent in the kernel on its behalf
 * @param peakMemoryBytes the most memory (resident and page cache charged to it) held at once
 */
public record Usage(long cpuUserMillis, long cpuSystemMillis, long peakMemoryBytes) {
  /** Validates eagerly; a bad value is named in the message. */
  public Usage {
    if (cpuUserMillis < 0 || cpuSystemMillis < 0 || peakMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "usage must not be negative, got user "
              + cpuUserMillis
              + " ms, system "
              + cpuSystemMillis
              + " ms, peak "
              + peakMemoryBytes
              + " bytes");
    }
  }

  /**
   * What two runs cost together: their CPU times summed, the higher peak (runs one after another
   * never held their memory at once). Null stands for "not measured": the other is the sum.
   */
  public static Usage plus(Usage a, Usage b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return new Usage(
        a.cpuUserMillis + b.cpuUserMillis,
        a.cpuSystemMillis + b.cpuSystemMillis,
        Math.max(a.peakMemoryBytes, b.peakMemoryBytes));
  }

  /** CPU time in both modes. */
  public long cpuMillis() {
    return cpuUserMillis + cpuSystemMillis;
  }
}
