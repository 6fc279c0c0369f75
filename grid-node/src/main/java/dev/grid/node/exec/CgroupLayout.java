package dev.grid.node.exec;

import dev.grid.api.Usage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What differs between cgroup v1 and v2: where the node's group sits, which directories a job's
 * group has, and which files hold its limits, its usage and its OOM kills. Everything else (making,
 * reusing and removing groups, moving processes in, killing them) is the same for both and lives in
 * {@link GroupPool}, {@link PooledGroup}, {@link JobGroup} and {@link CgroupFiles}.
 */
sealed interface CgroupLayout permits CgroupV1, CgroupV2 {

  /**
   * One group's directories: v1 has one per hierarchy (memory, cpuacct, cpu, or cpu and cpuacct as
   * one when co-mounted); v2 has a single directory, so all three are the same path.
   *
   * @param memory where the memory files are
   * @param cpuacct where the CPU usage files are
   * @param cpu where the CPU limit files are; null for a job group that has no CPU limit (v1 then
   *     makes no directory in the cpu hierarchy)
   */
  record GroupDirs(Path memory, Path cpuacct, Path cpu) {
    /** The distinct directories, in the order they are made (and, reversed, removed). */
    List<Path> all() {
      Set<Path> dirs = new LinkedHashSet<>();
      dirs.add(memory);
      dirs.add(cpuacct);
      if (cpu != null) {
        dirs.add(cpu);
      }
      return new ArrayList<>(dirs);
    }
  }

  /** "cgroup v1" or "cgroup v2", for messages. */
  String version();

  /** The directories the node's group sits in: v1 one per hierarchy, v2 one. */
  List<Path> hierarchies();

  /** The node's own group, named {@code name}, one directory per hierarchy. */
  GroupDirs nodeGroup(String name);

  /**
   * Makes the node's group ready for job groups below it (on v2: the memory and cpu controllers
   * enabled for its children); the directories already exist.
   */
  void prepareNodeGroup(GroupDirs node) throws IOException;

  /** The directories of a job's group named {@code name} under the node's group. */
  GroupDirs jobGroup(GroupDirs node, String name, boolean cpuLimit);

  /**
   * Whether one group may serve run after run: whether a run's peak memory can be told apart from
   * that of the runs before it in the same group (see {@link JobCgroups}). Asked once, of the
   * node's group.
   */
  boolean reusable(GroupDirs node);

  /** Holds the group to {@code bytes} of memory, swap included. */
  void limitMemory(GroupDirs group, long bytes) throws IOException;

  /** Lifts the group's memory limit, swap included: for a run that reserves no memory. */
  void unlimitMemory(GroupDirs group) throws IOException;

  /** Holds the group to {@code cpus} CPUs' worth of time in every 100 ms period. */
  void limitCpus(GroupDirs group, int cpus) throws IOException;

  /** Lifts the group's CPU quota; nothing to do where {@code group} has no cpu directory. */
  void unlimitCpus(GroupDirs group) throws IOException;

  /**
   * The group's CPU time and OOM kills since it was made: a run's own are what they grew by while
   * it ran. Neither can be reset on both versions (v2's {@code cpu.stat}, and the OOM kill counts
   * of either), so runs in a reused group subtract. Read through the group's {@code files}.
   */
  Counters counters(GroupDirs group, OpenFiles files) throws IOException;

  /** The group's peak memory since it was made: a fresh group's, for the run in it. */
  long peakBytes(GroupDirs group, OpenFiles files) throws IOException;

  /**
   * Starts a peak of the group's memory from its present charge, for a run about to enter a reused
   * group; close the meter when the run has been read. See {@link #reusable}.
   */
  PeakMeter resetPeak(GroupDirs group, OpenFiles files) throws IOException;

  /**
   * The memory charged to the group now: in an empty group, what its earlier runs left (page cache
   * of the files they read or wrote, kernel objects not freed yet).
   */
  long chargedBytes(GroupDirs group, OpenFiles files) throws IOException;

  /**
   * A group's counters at one moment.
   *
   * @param userNanos CPU time in user mode
   * @param systemNanos CPU time in the kernel
   * @param oomKills processes the OOM killer killed in the group
   */
  record Counters(long userNanos, long systemNanos, long oomKills) {
    /** A fresh group's. */
    static final Counters ZERO = new Counters(0, 0, 0);

    /** The CPU time spent since {@code before}, with the run's peak, as the run's usage. */
    Usage since(Counters before, long peakBytes) {
      return new Usage(
          Math.max(0, userNanos - before.userNanos) / 1_000_000,
          Math.max(0, systemNanos - before.systemNanos) / 1_000_000,
          peakBytes);
    }

    /** Whether the OOM killer struck since {@code before}. */
    boolean oomKillSince(Counters before) {
      return oomKills > before.oomKills;
    }
  }

  /** One run's peak memory, from when it was started; {@link #close} when read. */
  interface PeakMeter extends AutoCloseable {
    long peakBytes() throws IOException;

    @Override
    default void close() {}
  }
}
