package dev.grid.node.exec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
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
  private static final String PEAK = "memory.peak";
  private static final String CPU_MAX = "cpu.max";
  private static final String MAX = "max";
  private static final long PERIOD = CgroupV1.PERIOD_US;

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

  /**
   * Where {@code memory.peak} can be written (Linux 6.12+), or where there is none (before 5.19,
   * the peak is reported as 0 anyway); not on 5.19 to 6.11, whose {@code memory.peak} is the
   * group's peak since it was made and nothing else: there each run gets a fresh group.
   */
  @Override
  public boolean reusable(GroupDirs node) {
    Path peak = node.memory().resolve(PEAK);
    try {
      return !Files.exists(peak)
          || Files.getPosixFilePermissions(peak).contains(PosixFilePermission.OWNER_WRITE);
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code memory.max}, and {@code memory.swap.max} 0 where swap is accounted: no swap. */
  @Override
  public void limitMemory(GroupDirs group, long bytes) throws IOException {
    setMemory(group, Long.toString(bytes), "0");
  }

  @Override
  public void unlimitMemory(GroupDirs group) throws IOException {
    setMemory(group, MAX, MAX);
  }

  private static void setMemory(GroupDirs group, String max, String swapMax) throws IOException {
    CgroupFiles.write(group.memory().resolve("memory.max"), max);
    Path swap = group.memory().resolve("memory.swap.max");
    if (Files.exists(swap)) {
      CgroupFiles.write(swap, swapMax);
    }
  }

  @Override
  public void limitCpus(GroupDirs group, int cpus) throws IOException {
    CgroupFiles.write(group.cpu().resolve(CPU_MAX), cpus * PERIOD + " " + PERIOD);
  }

  @Override
  public void unlimitCpus(GroupDirs group) throws IOException {
    CgroupFiles.write(group.cpu().resolve(CPU_MAX), MAX + " " + PERIOD);
  }

  /**
   * CPU from {@code cpu.stat} ({@code user_usec}, {@code system_usec}); OOM kills from the {@code
   * oom_kill} line of {@code memory.events}.
   */
  @Override
  public Counters counters(GroupDirs group, OpenFiles files) throws IOException {
    Path stat = group.cpuacct().resolve("cpu.stat");
    String text = files.read(stat);
    long user = CgroupFiles.keyed(stat, text, "user_usec").orElse(0) * 1000;
    long system = CgroupFiles.keyed(stat, text, "system_usec").orElse(0) * 1000;
    long oomKills = files.keyed(group.memory().resolve("memory.events"), "oom_kill").orElse(0);
    return new Counters(user, system, oomKills);
  }

  /**
   * {@code memory.peak}, which only Linux 5.19+ has: on older kernels the peak is reported as 0 (v2
   * keeps no other high-water mark).
   */
  @Override
  public long peakBytes(GroupDirs group, OpenFiles files) throws IOException {
    Path peak = group.memory().resolve(PEAK);
    return Files.exists(peak) ? files.readLong(peak) : 0;
  }

  /**
   * On Linux 6.12+ a write to {@code memory.peak} resets it to what is charged now, but only for
   * reads through the same open file: the meter keeps it open, written once, until closed. Without
   * a {@code memory.peak}, the peak is 0.
   */
  @Override
  public PeakMeter resetPeak(GroupDirs group, OpenFiles files) throws IOException {
    Path peak = group.memory().resolve(PEAK);
    FileChannel file;
    try {
      file = FileChannel.open(peak, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      return () -> 0;
    }
    try {
      file.write(ByteBuffer.wrap("reset\n".getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      file.close();
      throw new IOException("could not reset " + peak + ": " + e, e);
    }
    return new OpenPeak(peak, file);
  }

  /** A {@code memory.peak} reset through {@code file}, read back through it. */
  private record OpenPeak(Path path, FileChannel file) implements PeakMeter {
    @Override
    public long peakBytes() throws IOException {
      ByteBuffer text = ByteBuffer.allocate(32);
      file.read(text, 0); // from the start, whatever the write moved the position to
      String value =
          new String(text.array(), 0, text.position(), StandardCharsets.US_ASCII).strip();
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IOException(path + " holds '" + value + "', not a number");
      }
    }

    @Override
    public void close() {
      try {
        file.close();
      } catch (IOException e) {
        // nothing was written through it since the reset
      }
    }
  }

  @Override
  public long chargedBytes(GroupDirs group, OpenFiles files) throws IOException {
    return files.readLong(group.memory().resolve("memory.current"));
  }
}
