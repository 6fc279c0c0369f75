package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's cgroups: each run of a job process has a group to itself while it runs (reused by
 * later runs, one at a time) that holds it to the CPUs and memory its spec reserves ({@link
 * dev.grid.api.Resources}) and counts what it cost ({@link dev.grid.api.Usage}: CPU time, peak
 * memory), over the whole process tree, forks included. A run the kernel's OOM killer struck ends
 * with a message starting "out of memory:".
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
 * top of each hierarchy; the run groups below it are named {@code run-<n>}: {@code
 * /sys/fs/cgroup/memory/grid-node-1.4242.1/run-3}. At the top, as Slurm puts its {@code slurm}
 * group on v1: on v2 the node's own group holds the JVM, and a group with processes cannot give
 * controllers to children. Jobs are therefore held by their own limits, not by those of the node's
 * service (a systemd {@code MemoryMax}). Groups of the same node name whose JVM is gone (a crash)
 * are emptied and removed at start; one whose pid was reused meanwhile stays until a start that
 * finds that pid gone.
 *
 * <p>Reused, not made for each run. A run takes an idle group of the node's {@link GroupPool} (a
 * new one only if none is idle) and gives it back once it has ended and the group is empty, so
 * there are about as many groups as slots, made once and removed at {@link #close}. Making and
 * removing a memory cgroup for every run was costly kernel work (the memcg's allocation, then its
 * offlining): with one group per run {@code bin/bench}'s nodes spent 8.0 ms of CPU per job instead
 * of 5.7, and ran 162 jobs/s instead of 210-240. Each run still gets its own limits, set back to
 * none for a run that reserves none, and its own usage, peak and OOM kills: see {@link JobGroup}
 * for how, and {@link GroupPool} for when a group is removed rather than reused (one that will not
 * empty, or holds more than a little memory; and on cgroup v2 before Linux 6.12, whose peak cannot
 * be reset, every group after its run, as before).
 *
 * <p>Cost, measured with {@code CgroupCostTest} ({@code mvn -o test -pl grid-node
 * -Dtest=CgroupCostTest -Dgrid.cost=true}: 500 spawns of {@code true} in a row through a
 * ProcessRunner with setsid, as root, cgroup v1, kernel 6.18, on the 2-core dev VM, the modes
 * interleaved by blocks of 50; three runs of this code, each followed by one of the code that made
 * a group per run; the VM was shared with other builds, load 2). Per job, more than without cgroups
 * (2.75-3.34 ms wall, 0.8-1.1 ms of the node JVM's CPU, 3.0-3.8 ms of the whole machine's):
 *
 * <ul>
 *   <li>reused groups: +1.1-1.7 ms wall (+0.9-1.2 with a 1G limit), +0.30-0.60 ms of node CPU
 *       (+0.26-0.52), +0.9-1.2 ms of machine CPU (+1.0-1.3);
 *   <li>a group made and removed per run, before: +1.6-2.6 ms wall (+1.2-1.8), +0.52-0.88 ms of
 *       node CPU (+0.66-0.74), +1.3-1.7 ms of machine CPU (+1.5-1.7).
 * </ul>
 *
 * <p>The node's own work on a run's group, on the threads doing it, is now 0.14 ms of CPU (taking
 * the group 0.06, reading the run's usage 0.03, giving it back 0.06), against 0.25 ms for making,
 * reading and removing one: limits are written only when they change and the counters read through
 * files kept open ({@link OpenFiles}). Most of what is left was the {@code /bin/sh} that enters the
 * group (one more exec, see {@link JobGroup}): measured alone, wrapping {@code true} in it costs
 * 1.0-1.2 ms wall and 0.1 ms of node CPU. A shell job on a node without a job user no longer pays
 * it: its own sh enters the group ({@link JobGroup#enterThen}); then the whole machine's CPU per
 * spawn is 0.72 ms more than without cgroups, against 1.24 ms through the wrapper (the same test,
 * 2026-12-08, load 1.6-4), the rest the kernel's move of the task into the group.
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
  private final GroupPool pool; // null when not used
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JobCgroups(CgroupLayout layout, GroupDirs node, String description) {
    this.layout = layout;
    this.node = node;
    this.pool = layout == null ? null : new GroupPool(layout, node);
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

  /** The node's run groups, for tests; null when cgroups are not used. */
  GroupPool pool() {
    return pool;
  }

  /**
   * A group for one run, held to the limits of {@code resources} (none: unlimited), measuring from
   * now: an idle one of the node's, or a new one (see {@link GroupPool}). Null when cgroups are not
   * used, the node is closing, or no group could be made (logged: the job then runs without one).
   *
   * @param runName the run, for messages ({@link #runName})
   */
  JobGroup open(String runName, Resources resources) {
    return pool == null ? null : pool.open(runName, resources);
  }

  /** Kills what is left in the runs' groups, removes them and the node's group. Idempotent. */
  @Override
  public void close() {
    if (pool == null || !closed.compareAndSet(false, true)) {
      return;
    }
    pool.close();
    List<Path> dirs = node.all();
    for (int i = dirs.size() - 1; i >= 0; i--) {
      if (!CgroupFiles.killAndRemove(dirs.get(i))) {
        log.warn("could not remove the node's cgroup {}", dirs.get(i));
      }
    }
  }
}
