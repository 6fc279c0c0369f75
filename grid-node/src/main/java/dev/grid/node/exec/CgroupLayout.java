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
 * group has, and which files hold its limits, its usage and its OOM kills. Everything else (making
 * and removing groups, moving processes in, killing them) is the same for both and lives in {@link
 * JobGroup} and {@link CgroupFiles}.
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

  /** Holds the group to {@code bytes} of memory, swap included. */
  void limitMemory(GroupDirs group, long bytes) throws IOException;

  /** Holds the group to {@code cpus} CPUs' worth of time in every 100 ms period. */
  void limitCpus(GroupDirs group, int cpus) throws IOException;

  /** What the group's processes cost so far. */
  Usage usage(GroupDirs group) throws IOException;

  /** How many of the group's processes the OOM killer has killed. */
  long oomKills(GroupDirs group) throws IOException;
}
