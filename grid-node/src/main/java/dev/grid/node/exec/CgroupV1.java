package dev.grid.node.exec;

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
   * A tick of USER_HZ, the unit of {@code cpuacct.stat}: 100 per second on every architecture Linux
   * runs a JVM on (x86, arm, power, s390); it is part of the kernel's ABI, not the kernel's HZ.
   */
  private static final long NANOS_PER_TICK = 1_000_000_000 / 100;

  private static final String MAX_USAGE = "memory.max_usage_in_bytes";

  /** What v1's limit files take for "no limit". */
  static final String UNLIMITED = "-1";

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

  /** Peaks can be reset, by a write to {@code memory.max_usage_in_bytes}. */
  @Override
  public boolean reusable(GroupDirs node) {
    return true;
  }

  /**
   * {@code memory.limit_in_bytes} and {@code memory.memsw.limit_in_bytes} (memory plus swap,
   * present where swap accounting is on) both the same: no swap. The kernel refuses a memsw limit
   * below the memory limit, so lowering writes the memory limit first, raising the memsw one: the
   * memory limit is tried first, and on a refusal the memsw one goes first. Lowering the memory
   * limit below what is charged makes the kernel reclaim first, and refuses (EBUSY) if it cannot.
   */
  @Override
  public void limitMemory(GroupDirs group, long bytes) throws IOException {
    setMemory(group, Long.toString(bytes));
  }

  /**
   * -1 in both, the kernel's "no limit" (read back as 9223372036854771712 on 6.18), memsw first: -1
   * in {@code memory.limit_in_bytes} while memsw holds a limit is refused (EINVAL, measured).
   */
  @Override
  public void unlimitMemory(GroupDirs group) throws IOException {
    setMemory(group, UNLIMITED);
  }

  private static void setMemory(GroupDirs group, String value) throws IOException {
    Path limit = group.memory().resolve("memory.limit_in_bytes");
    Path memsw = group.memory().resolve("memory.memsw.limit_in_bytes");
    if (!Files.exists(memsw)) {
      CgroupFiles.write(limit, value);
      return;
    }
    if (value.equals(UNLIMITED)) {
      CgroupFiles.write(memsw, value);
      CgroupFiles.write(limit, value);
      return;
    }
    try {
      CgroupFiles.write(limit, value);
    } catch (IOException aboveMemsw) {
      try {
        CgroupFiles.write(memsw, value);
        CgroupFiles.write(limit, value);
      } catch (IOException e) {
        e.addSuppressed(aboveMemsw);
        throw e;
      }
      return;
    }
    CgroupFiles.write(memsw, value);
  }

  @Override
  public void limitCpus(GroupDirs group, int cpus) throws IOException {
    CgroupFiles.write(group.cpu().resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
    CgroupFiles.write(group.cpu().resolve("cpu.cfs_quota_us"), Long.toString(cpus * PERIOD_US));
  }

  /**
   * A quota of -1 where the group has a cpu directory. (A run that reserves no CPUs does not enter
   * it, so this is only asked of a group whose directory an earlier run made.)
   */
  @Override
  public void unlimitCpus(GroupDirs group) throws IOException {
    if (group.cpu() != null) {
      CgroupFiles.write(group.cpu().resolve("cpu.cfs_quota_us"), UNLIMITED);
    }
  }

  /**
   * CPU from {@code cpuacct.usage_user} and {@code cpuacct.usage_sys} (nanoseconds, Linux 4.7+),
   * else from {@code cpuacct.stat} (USER_HZ ticks); OOM kills from the {@code oom_kill} line of
   * {@code memory.oom_control} (Linux 4.13+; 0 on older kernels, which do not count kills: there an
   * OOM kill is seen only as exit code 137). Writing 0 to {@code cpuacct.usage} would reset the
   * first two (measured on 6.18) but not {@code cpuacct.stat} nor the OOM kills: runs subtract.
   */
  @Override
  public Counters counters(GroupDirs group, OpenFiles files) throws IOException {
    long user;
    long system;
    if (nanos) {
      user = files.readLong(group.cpuacct().resolve("cpuacct.usage_user"));
      system = files.readLong(group.cpuacct().resolve("cpuacct.usage_sys"));
    } else {
      Path stat = group.cpuacct().resolve("cpuacct.stat");
      String text = files.read(stat);
      user = ticks(stat, text, "user") * NANOS_PER_TICK;
      system = ticks(stat, text, "system") * NANOS_PER_TICK;
    }
    long oomKills = files.keyed(group.memory().resolve("memory.oom_control"), "oom_kill").orElse(0);
    return new Counters(user, system, oomKills);
  }

  private static long ticks(Path stat, String text, String key) throws IOException {
    OptionalLong n = CgroupFiles.keyed(stat, text, key);
    if (n.isEmpty()) {
      throw new IOException(stat + " has no '" + key + "' line");
    }
    return n.getAsLong();
  }

  /** {@code memory.max_usage_in_bytes}, page cache included. */
  @Override
  public long peakBytes(GroupDirs group, OpenFiles files) throws IOException {
    return files.readLong(group.memory().resolve(MAX_USAGE));
  }

  /** Any write to {@code memory.max_usage_in_bytes} sets it to what is charged now. */
  @Override
  public PeakMeter resetPeak(GroupDirs group, OpenFiles files) throws IOException {
    CgroupFiles.write(group.memory().resolve(MAX_USAGE), "0");
    return () -> peakBytes(group, files);
  }

  @Override
  public long chargedBytes(GroupDirs group, OpenFiles files) throws IOException {
    return files.readLong(group.memory().resolve("memory.usage_in_bytes"));
  }
}
