package dev.grid.node.exec;

import dev.grid.api.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * cgroup v1: separate hierarchies for memory, cpu and cpuacct under the cgroup root (cpu and
 * cpuacct may be one co-mounted hierarchy, {@code cpu,cpuacct}, with {@code cpu} and {@code
 * cpuacct} links to it: paths are compared after following links). The node's group is made at the
 * top of each hierarchy, as Slurm makes its {@code slurm} group.
 *
 * @param memory the memory hierarchy
 * @param cpu the cpu hierarchy (CFS quota)
 * @param cpuacct the cpuacct hierarchy (CPU usage)
 * @param nanos whether the kernel splits CPU time in nanoseconds ({@code cpuacct.usage_user} and
 *     {@code cpuacct.usage_sys}, Linux 4.7+), or only in ticks ({@code cpuacct.stat})
 */
record CgroupV1(Path memory, Path cpu, Path cpuacct, boolean nanos) implements CgroupLayout {
  /** The CFS period: quotas are CPUs times this. */
  static final long PERIOD_US = 100_000;

  /**
   * USER_HZ, the unit of {@code cpuacct.stat}: 100 on every architecture Linux runs a JVM on (x86,
   * arm, power, s390); it is part of the kernel's ABI, not the kernel's HZ.
   */
  private static final long USER_HZ = 100;

  /** Why the cgroup root holds no usable v1 hierarchies, or null if it does. */
  static String problem(Path root) {
    String[][] needs = {
      {"memory", "memory.limit_in_bytes"}, {"cpu", "cpu.cfs_quota_us"}, {"cpuacct", "cpuacct.stat"}
    };
    for (String[] need : needs) {
      Path dir = root.resolve(need[0]);
      if (!Files.isRegularFile(dir.resolve(CgroupFiles.PROCS))) {
        return "no cgroup v1 " + need[0] + " hierarchy at " + dir;
      }
      if (!Files.exists(dir.resolve(need[1]))) {
        return dir + " is a cgroup hierarchy without " + need[1];
      }
    }
    return null;
  }

  /** The hierarchies under {@code root}, links followed; see {@link #problem} first. */
  static CgroupV1 at(Path root) throws IOException {
    Path cpuacct = root.resolve("cpuacct").toRealPath();
    return new CgroupV1(
        root.resolve("memory").toRealPath(),
        root.resolve("cpu").toRealPath(),
        cpuacct,
        Files.exists(cpuacct.resolve("cpuacct.usage_user")));
  }

  @Override
  public String version() {
    return "cgroup v1";
  }

  @Override
  public List<Path> hierarchies() {
    return new GroupDirs(memory, cpuacct, cpu).all();
  }

  @Override
  public GroupDirs nodeGroup(String name) {
    return new GroupDirs(memory.resolve(name), cpuacct.resolve(name), cpu.resolve(name));
  }

  @Override
  public void prepareNodeGroup(GroupDirs node) {
    // v1 groups get every controller of their hierarchy: nothing to enable.
  }

  @Override
  public GroupDirs jobGroup(GroupDirs node, String name, boolean cpuLimit) {
    return new GroupDirs(
        node.memory().resolve(name),
        node.cpuacct().resolve(name),
        cpuLimit ? node.cpu().resolve(name) : null);
  }

  /**
   * {@code memory.limit_in_bytes} first: {@code memory.memsw.limit_in_bytes} (memory plus swap,
   * present where swap accounting is on) may never be below it. Both the same: no swap.
   */
  @Override
  public void limitMemory(GroupDirs group, long bytes) throws IOException {
    CgroupFiles.write(group.memory().resolve("memory.limit_in_bytes"), Long.toString(bytes));
    Path memsw = group.memory().resolve("memory.memsw.limit_in_bytes");
    if (Files.exists(memsw)) {
      CgroupFiles.write(memsw, Long.toString(bytes));
    }
  }

  @Override
  public void limitCpus(GroupDirs group, int cpus) throws IOException {
    CgroupFiles.write(group.cpu().resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
    CgroupFiles.write(group.cpu().resolve("cpu.cfs_quota_us"), Long.toString(cpus * PERIOD_US));
  }

  /**
   * CPU from {@code cpuacct.usage_user} and {@code cpuacct.usage_sys} (nanoseconds, Linux 4.7+),
   * else from {@code cpuacct.stat} (USER_HZ ticks); peak memory from {@code
   * memory.max_usage_in_bytes}, page cache included.
   */
  @Override
  public Usage usage(GroupDirs group) throws IOException {
    long userMillis;
    long sysMillis;
    if (nanos) {
      userMillis = CgroupFiles.readLong(group.cpuacct().resolve("cpuacct.usage_user")) / 1_000_000;
      sysMillis = CgroupFiles.readLong(group.cpuacct().resolve("cpuacct.usage_sys")) / 1_000_000;
    } else {
      Path stat = group.cpuacct().resolve("cpuacct.stat");
      userMillis = ticks(stat, "user") * 1000 / USER_HZ;
      sysMillis = ticks(stat, "system") * 1000 / USER_HZ;
    }
    long peak = CgroupFiles.readLong(group.memory().resolve("memory.max_usage_in_bytes"));
    return new Usage(userMillis, sysMillis, peak);
  }

  private static long ticks(Path stat, String key) throws IOException {
    OptionalLong n = CgroupFiles.keyed(stat, key);
    if (n.isEmpty()) {
      throw new IOException(stat + " has no '" + key + "' line");
    }
    return n.getAsLong();
  }

  /**
   * The {@code oom_kill} line of {@code memory.oom_control} (Linux 4.13+); 0 on older kernels,
   * which do not count kills: there an OOM kill is seen only as exit code 137.
   */
  @Override
  public long oomKills(GroupDirs group) throws IOException {
    return CgroupFiles.keyed(group.memory().resolve("memory.oom_control"), "oom_kill").orElse(0);
  }
}
