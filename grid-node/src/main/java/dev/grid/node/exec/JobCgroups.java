package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's cgroups: each run of a job process gets a group of its own that holds it to the CPUs
 * and memory its spec reserves ({@link dev.grid.api.Resources}) and counts what it cost ({@link
 * dev.grid.api.Usage}: CPU time, peak memory), over the whole process tree, forks included. A run
 * the kernel's OOM killer struck ends with a message starting "out of memory:".
 *
 * <pre>{@code
 * JobCgroups cgroups = JobCgroups.detect("node-1"); // one INFO line: used, or why not
 * new ProcessRunner(clock, jobEnv, orphans::track, jobUser, cgroups); // the runner closes it
 * }</pre>
 *
 * <p>When. Detected once, at start: the node must be root, and {@code /sys/fs/cgroup} must be
 * either cgroup v2 (a unified tree whose {@code cgroup.controllers} offers memory and cpu: modern
 * distributions) or cgroup v1 (memory, cpu and cpuacct hierarchies, cpu and cpuacct possibly
 * co-mounted). {@link CgroupV1} and {@link CgroupV2} hold what differs. Anywhere else jobs run as
 * before, unlimited and unmeasured ({@link RunResult#usage()} null).
 *
 * <p>Where. The node's group, {@code grid-<node>.<pid>.<n>} (its name, the JVM's pid, and a count
 * of the JVM's runners: several nodes on one machine, or in one JVM, never share one), sits at the
 * top of each hierarchy; each run's group below it is named for the job, its attempt and a count:
 * {@code /sys/fs/cgroup/memory/grid-node-1.4242.1/j-7f3a.a1.12}. At the top, as Slurm puts its
 * {@code slurm} group on v1: on v2 the node's own group holds the JVM, and a group with processes
 * cannot give controllers to children. Jobs are therefore held by their own limits, not by those of
 * the node's service (a systemd {@code MemoryMax}). Groups of the same node name whose JVM is gone
 * (a crash) are emptied and removed at start; one whose pid was reused meanwhile stays until a
 * start that finds that pid gone.
 *
 * <p>Cost, measured with {@code CgroupCostTest} ({@code mvn -o test -pl grid-node
 * -Dtest=CgroupCostTest -Dgrid.cost=true}: 500 spawns of {@code true} in a row through a
 * ProcessRunner with setsid, as root, cgroup v1, kernel 6.18, on the 2-core dev VM; medians of
 * three runs): 3.6-4.0 ms each without cgroups, 5.5-6.0 ms with a group for accounting, 5.2-6.0 ms
 * with a memory limit: 1.5-2 ms more per job. About 0.8 ms of it is the node's file work (two
 * mkdirs, reading usage and OOM kills, two rmdirs: 0.27 + 0.25 + 0.28 ms), the rest the {@code
 * /bin/sh} that enters the group (one more exec, see {@link JobGroup}) and the kernel's charging of
 * a fresh memory group. The VM had ~30% steal time then, so the figures without cgroups are above
 * those of ProcessRunner's own note.
 *
 * <p>Java jobs run in the node's JVM have no group; isolated ones (a child JVM started through the
 * runner) get one for accounting, without limits, as their request carries no resources.
 */
public final class JobCgroups implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobCgroups.class);
  static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final AtomicInteger RUNNERS = new AtomicInteger();
  private static final int MAX_NAME = 64;

  private final CgroupLayout layout; // null when not used
  private final GroupDirs node; // null when not used
  private final String description;
  private final AtomicLong runs = new AtomicLong();
  private final Set<JobGroup> live = ConcurrentHashMap.newKeySet();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed; // guarded by lock

  private JobCgroups(CgroupLayout layout, GroupDirs node, String description) {
    this.layout = layout;
    this.node = node;
    this.description = description;
  }

  /** Never uses cgroups: jobs run unlimited and unmeasured. */
  public static JobCgroups none() {
    return new JobCgroups(null, null, "cgroups not used");
  }

  /**
   * Finds out whether this node can give its jobs cgroups, at {@code /sys/fs/cgroup}, and if so
   * makes the node's group (after removing those a crashed earlier run of {@code nodeName} left).
   * Logs one INFO line: where the groups are, or why there are none. Never throws.
   */
  public static JobCgroups detect(String nodeName) {
    return detect(nodeName, ROOT, JobUser.nodeUid(), ProcessHandle.current().pid());
  }

  /** The same, for tests: at {@code root} (a fake tree), as {@code uid}, for JVM {@code pid}. */
  static JobCgroups detect(String nodeName, Path root, long uid, long pid) {
    JobCgroups cgroups = probe(nodeName, root, uid, pid);
    log.info(cgroups.describe());
    return cgroups;
  }

  private static JobCgroups probe(String nodeName, Path root, long uid, long pid) {
    if (uid != 0) {
      return unused("the node runs as uid " + uid + ", not root, and cannot manage cgroups");
    }
    CgroupLayout layout;
    try {
      layout = layoutAt(root);
    } catch (IOException e) {
      return unused(e.getMessage());
    }
    sweepStale(layout, nodeName, pid);
    GroupDirs node = layout.nodeGroup(nodeGroupName(nodeName, pid, RUNNERS.incrementAndGet()));
    try {
      for (Path dir : node.all()) {
        Files.createDirectory(dir);
      }
      layout.prepareNodeGroup(node);
    } catch (IOException e) {
      node.all().forEach(CgroupFiles::removeIfEmpty);
      return unused("could not make the node's group " + node.memory() + ": " + e);
    }
    return new JobCgroups(
        layout,
        node,
        "jobs run in "
            + layout.version()
            + " groups under "
            + String.join(", ", node.all().stream().map(Path::toString).toList())
            + ": held to the CPUs and memory they reserve, their CPU time and peak memory"
            + " measured");
  }

  private static CgroupLayout layoutAt(Path root) throws IOException {
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      String problem = CgroupV2.problem(root);
      if (problem != null) {
        throw new IOException(problem);
      }
      return new CgroupV2(root);
    }
    String problem = CgroupV1.problem(root);
    if (problem != null) {
      throw new IOException(problem + ", and no cgroup v2 tree at " + root);
    }
    return CgroupV1.at(root);
  }

  private static JobCgroups unused(String why) {
    return new JobCgroups(
        null,
        null,
        "cgroups not used ("
            + why
            + "): jobs run without CPU and memory limits, and their usage is not measured");
  }

  /** The node group's name: safe characters only, unique on this machine while the JVM lives. */
  static String nodeGroupName(String nodeName, long pid, int runner) {
    return "grid-" + safe(nodeName) + "." + pid + "." + runner;
  }

  /** Letters, digits, '_' and '-' kept, anything else made '_'; at most {@value #MAX_NAME}. */
  static String safe(String name) {
    String s = name == null || name.isEmpty() ? "_" : name.replaceAll("[^A-Za-z0-9_-]", "_");
    return s.length() <= MAX_NAME ? s : s.substring(0, MAX_NAME);
  }

  /**
   * Empties and removes the groups of {@code nodeName} left by JVMs that are gone: a crashed
   * earlier run of this node. Groups of live JVMs (another node of that name, elsewhere in this
   * JVM) are never touched.
   */
  static void sweepStale(CgroupLayout layout, String nodeName, long pid) {
    Pattern mine = Pattern.compile(Pattern.quote("grid-" + safe(nodeName) + ".") + "(\\d+)\\.\\d+");
    for (Path hierarchy : layout.hierarchies()) {
      try (DirectoryStream<Path> groups = Files.newDirectoryStream(hierarchy, Files::isDirectory)) {
        for (Path group : groups) {
          Matcher m = mine.matcher(group.getFileName().toString());
          if (m.matches() && isGone(Long.parseLong(m.group(1)), pid)) {
            if (CgroupFiles.killAndRemove(group)) {
              log.info("removed {}, left by an earlier run of this node", group);
            } else {
              log.warn("could not remove {}, left by an earlier run of this node", group);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        log.warn("could not look for stale groups in {}: {}", hierarchy, e.toString());
      }
    }
  }

  private static boolean isGone(long owner, long self) {
    return owner != self && ProcessHandle.of(owner).isEmpty();
  }

  /** Whether jobs get groups. */
  public boolean enabled() {
    return layout != null;
  }

  /** One line for the log: where the groups are, or why there are none. */
  public String describe() {
    return description;
  }

  /** The node's group, for tests; null when cgroups are not used. */
  GroupDirs nodeGroup() {
    return node;
  }

  /** Which version's files, for tests; null when cgroups are not used. */
  CgroupLayout layout() {
    return layout;
  }

  /** A run's group name: its job and attempt (from the grid's variables), made safe. */
  static String runName(Map<String, String> gridEnv) {
    String job = gridEnv.get("GRID_JOB_ID");
    String attempt = gridEnv.get("GRID_ATTEMPT");
    return job == null ? "run" : safe(job) + (attempt == null ? "" : ".a" + safe(attempt));
  }

  /**
   * Makes a group for one run, with the limits of {@code resources} (none: for accounting only).
   * Null when cgroups are not used, the node is closing, or the group could not be made (logged:
   * the job then runs without one).
   */
  JobGroup open(String runName, Resources resources) {
    if (layout == null) {
      return null;
    }
    lock.readLock().lock();
    try {
      if (closed) {
        return null;
      }
      String name = runName + "." + runs.incrementAndGet();
      GroupDirs dirs = layout.jobGroup(node, name, resources.cpus() > 0);
      JobGroup group = new JobGroup(layout, dirs, resources, live::remove);
      live.add(group);
      try {
        group.create();
        return group;
      } catch (IOException e) {
        log.warn(
            "could not make cgroup {} ({}): the job runs without one, unlimited and unmeasured",
            dirs.memory(),
            e.toString());
        group.remove();
        return null;
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Kills what is left in the runs' groups, removes them and the node's group. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed || layout == null) {
        closed = true;
        return;
      }
      closed = true;
    } finally {
      lock.writeLock().unlock();
    }
    for (JobGroup group : List.copyOf(live)) {
      if (!group.remove()) {
        log.warn("could not remove cgroup {}; the node's next start will", group.dirs().memory());
      }
    }
    List<Path> dirs = node.all();
    for (int i = dirs.size() - 1; i >= 0; i--) {
      if (!CgroupFiles.killAndRemove(dirs.get(i))) {
        log.warn("could not remove the node's cgroup {}", dirs.get(i));
      }
    }
  }
}
