package dev.grid.node.exec;

import dev.grid.api.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * cgroup v2: one unified hierarchy at the cgroup root, whose {@code cgroup.controllers} lists the
 * controllers the kernel offers. The node's group is made at the top of the tree and holds no
 * process of its own (in v2 a group with processes cannot give controllers to children); each job
 * group below it gets the memory and cpu controllers through the node group's {@code
 * cgroup.subtree_control}, which in turn needs them in the root's.
 *
 * <p>Where the node runs in a cgroup namespace (a container) whose root holds processes, the root's
 * {@code cgroup.subtree_control} refuses the controllers (EBUSY); detection then reports that, and
 * jobs run without cgroups.
 *
 * @param root the unified hierarchy
 */
record CgroupV2(Path root) implements CgroupLayout {
  private static final String CONTROLLERS = "cgroup.controllers";
  private static final String SUBTREE = "cgroup.subtree_control";
  private static final Set<String> NEEDED = Set.of("memory", "cpu");

  /** Why the cgroup root is no usable v2 hierarchy, or null if it is. */
  static String problem(Path root) {
    Path controllers = root.resolve(CONTROLLERS);
    try {
      Set<String> offered = words(CgroupFiles.read(controllers));
      if (!offered.containsAll(NEEDED)) {
        return "the cgroup v2 hierarchy at "
            + root
            + " offers '"
            + String.join(" ", offered)
            + "' but not both memory and cpu (see "
            + controllers
            + ")";
      }
      return null;
    } catch (IOException e) {
      return "cannot read " + controllers + ": " + e;
    }
  }

  private static Set<String> words(String text) {
    return Arrays.stream(text.split("\\s+"))
        .filter(w -> !w.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Override
  public String version() {
    return "cgroup v2";
  }

  @Override
  public List<Path> hierarchies() {
    return List.of(root);
  }

  @Override
  public GroupDirs nodeGroup(String name) {
    Path dir = root.resolve(name);
    return new GroupDirs(dir, dir, dir);
  }

  /** Enables memory and cpu in the root's subtree control (if not yet) and in the node group's. */
  @Override
  public void prepareNodeGroup(GroupDirs node) throws IOException {
    Path rootSubtree = root.resolve(SUBTREE);
    if (!words(readOrNothing(rootSubtree)).containsAll(NEEDED)) {
      enable(rootSubtree);
    }
    enable(node.memory().resolve(SUBTREE));
  }

  /** What a subtree control holds; nothing if it cannot be read (then enabling is tried). */
  private static String readOrNothing(Path subtreeControl) {
    try {
      return CgroupFiles.read(subtreeControl);
    } catch (IOException e) {
      return "";
    }
  }

  private static void enable(Path subtreeControl) throws IOException {
    try {
      CgroupFiles.write(subtreeControl, "+memory +cpu");
    } catch (IOException e) {
      throw new IOException(
          "could not enable the memory and cpu controllers in "
              + subtreeControl
              + " ("
              + e
              + "): a v2 group that holds processes cannot give controllers to children; run the"
              + " node in a cgroup tree whose root it may manage",
          e);
    }
  }

  @Override
  public GroupDirs jobGroup(GroupDirs node, String name, boolean cpuLimit) {
    Path dir = node.memory().resolve(name);
    return new GroupDirs(dir, dir, dir);
  }

  /** {@code memory.max}, and {@code memory.swap.max} 0 where swap is accounted: no swap. */
  @Override
  public void limitMemory(GroupDirs group, long bytes) throws IOException {
    CgroupFiles.write(group.memory().resolve("memory.max"), Long.toString(bytes));
    Path swap = group.memory().resolve("memory.swap.max");
    if (Files.exists(swap)) {
      CgroupFiles.write(swap, "0");
    }
  }

  @Override
  public void limitCpus(GroupDirs group, int cpus) throws IOException {
    long period = CgroupV1.PERIOD_US;
    CgroupFiles.write(group.cpu().resolve("cpu.max"), cpus * period + " " + period);
  }

  /**
   * CPU from {@code cpu.stat} ({@code user_usec}, {@code system_usec}); peak memory from {@code
   * memory.peak}, which only Linux 5.19+ has: on older kernels the peak is reported as 0 (v2 keeps
   * no other high-water mark).
   */
  @Override
  public Usage usage(GroupDirs group) throws IOException {
    Path stat = group.cpuacct().resolve("cpu.stat");
    long user = CgroupFiles.keyed(stat, "user_usec").orElse(0) / 1000;
    long system = CgroupFiles.keyed(stat, "system_usec").orElse(0) / 1000;
    Path peak = group.memory().resolve("memory.peak");
    long peakBytes = Files.exists(peak) ? CgroupFiles.readLong(peak) : 0;
    return new Usage(user, system, peakBytes);
  }

  /** The {@code oom_kill} line of {@code memory.events}. */
  @Override
  public long oomKills(GroupDirs group) throws IOException {
    return CgroupFiles.keyed(group.memory().resolve("memory.events"), "oom_kill").orElse(0);
  }
}
