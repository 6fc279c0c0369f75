package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.Counters;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import dev.grid.node.exec.CgroupLayout.PeakMeter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run in a cgroup of its node's {@link GroupPool} (see {@link JobCgroups}): the group, held to
 * the run's limits, taken before the job starts; the job's process put in; its usage and OOM kills
 * read when the run ends; then the group given back, to serve the next run.
 *
 * <p>Getting in. Every job enters its group before it runs any code of its own: its argv is
 * prefixed ({@link #wrap}) with a {@code /bin/sh} that writes its own pid into each {@code
 * cgroup.procs} and then execs the rest in place (setsid, setpriv, the job), so nothing the job
 * forks can start outside, and its pid stays the one the runner knows. It runs before setpriv drops
 * to the job user, as writing {@code cgroup.procs} needs root. A shell job on a node without a job
 * user needs no extra sh: its own sh enters first thing ({@link #enterThen}).
 *
 * <p>Why jobs without limits enter the same way, though the sh is one more exec (measured in {@link
 * JobCgroups}): writing the pid from Java once the process has started comes too late. Commons Exec
 * hands the process over only after starting its pumps, by when a shell job has usually forked its
 * commands, which then stay outside: {@code head -c 200000000 /dev/zero | tail} was measured that
 * way at a peak of 0 bytes instead of 200 MB.
 *
 * <p>This run's alone. A group an earlier run used still holds that run's limits and counters, so
 * before this run enters: its limits are written where they differ, a run that reserves nothing set
 * back to unlimited (v1: -1 in {@code memory.limit_in_bytes} and {@code
 * memory.memsw.limit_in_bytes}, and in {@code cpu.cfs_quota_us} where it has a cpu directory; v2:
 * {@code max} in {@code memory.max} and {@code memory.swap.max}, {@code max 100000} in {@code
 * cpu.max}); its peak memory is reset ({@link CgroupLayout#resetPeak}); its CPU time and OOM kills,
 * which cannot be reset, are read, and what they grew by is the run's. A fresh group needs none of
 * that: it starts at nothing, unlimited. A reused group whose limits or counters cannot be written
 * or read is removed and a fresh one taken instead ({@link GroupPool#open}).
 *
 * <p>Never throws into the run: a fresh group whose limit cannot be written is kept (the job runs,
 * unenforced, with a WARN), usage that cannot be read is null, a group that cannot be removed is
 * logged and left to the node's close or next start.
 */
final class JobGroup {
  private static final Logger log = LoggerFactory.getLogger(JobGroup.class);
  private static final Duration RETRY_EMPTY = Duration.ofMillis(100);
  private static final int MAX_EMPTY_TRIES = 20;

  /**
   * Moves the shell into every group given before {@code --}, then execs what follows. A group it
   * cannot enter is reported on the job's stderr and the job runs anyway, outside it (unlimited).
   * Everything is quoted: the job's IFS cannot split anything. Not {@code exec --}: dash has no
   * {@code --} there, so a program whose name starts with '-' (only possible without setsid and a
   * job user in front of it) fails under a bash /bin/sh.
   */
  static final String ENTER_SCRIPT =
      "while [ \"$1\" != -- ]; do echo \"$$\" > \"$1\" || echo \"grid-node: could not enter the"
          + " cgroup $1: the job runs outside it, without its limits\" >&2; shift; done;"
          + " shift; exec \"$@\"";

  /** What the run cost, and whether the OOM killer struck in it. */
  record Ending(Usage usage, boolean outOfMemory) {}

  private final CgroupLayout layout;
  private final PooledGroup group;
  private final GroupDirs dirs;
  private final Resources resources;
  private final Counters before;
  private final PeakMeter peak;
  private final GroupPool pool;

  private JobGroup(
      CgroupLayout layout,
      PooledGroup group,
      GroupDirs dirs,
      Resources resources,
      Counters before,
      PeakMeter peak,
      GroupPool pool) {
    this.layout = layout;
    this.group = group;
    this.dirs = dirs;
    this.resources = resources;
    this.before = before;
    this.peak = peak;
    this.pool = pool;
  }

  /**
   * A run in a group just made: its directories made, its limits written (one the kernel refuses is
   * logged, and the job runs without it); nothing to reset. Throws if a directory cannot be made.
   */
  static JobGroup fresh(CgroupLayout layout, PooledGroup group, Resources resources, GroupPool pool)
      throws IOException {
    GroupDirs dirs = group.enter(resources);
    try {
      group.limitMemory(dirs, resources);
    } catch (IOException e) {
      log.warn(
          "could not hold cgroup {} to {} of memory ({}): the job runs without that limit",
          dirs.memory(),
          Resources.formatMemory(resources.memoryBytes()),
          e.toString());
    }
    try {
      group.limitCpus(dirs, resources);
    } catch (IOException e) {
      log.warn(
          "could not hold cgroup {} to {} CPU(s) ({}): the job runs without that limit",
          dirs.cpu(),
          resources.cpus(),
          e.toString());
    }
    return new JobGroup(
        layout,
        group,
        dirs,
        resources,
        Counters.ZERO,
        () -> layout.peakBytes(dirs, group.files()),
        pool);
  }

  /**
   * A run in a group earlier runs used, empty now: its limits written where they differ, its peak
   * reset, its counters read. Throws if any of it fails: then the group is not fit for the run.
   */
  static JobGroup reused(
      CgroupLayout layout, PooledGroup group, Resources resources, GroupPool pool)
      throws IOException {
    GroupDirs dirs = group.enter(resources);
    group.limitMemory(dirs, resources);
    group.limitCpus(dirs, resources);
    Counters before = layout.counters(dirs, group.files());
    PeakMeter peak = layout.resetPeak(dirs, group.files());
    return new JobGroup(layout, group, dirs, resources, before, peak, pool);
  }

  /** The directories the run enters. */
  GroupDirs dirs() {
    return dirs;
  }

  /** The group the run is in. */
  PooledGroup group() {
    return group;
  }

  /** The argv to exec: {@code argv} behind the sh that moves itself into this group. */
  List<String> wrap(List<String> argv) {
    List<String> launch = new ArrayList<>(List.of("/bin/sh", "-c", ENTER_SCRIPT, "sh"));
    for (Path dir : dirs.all()) {
      launch.add(dir.resolve(CgroupFiles.PROCS).toString());
    }
    launch.add("--");
    launch.addAll(argv);
    return launch;
  }

  /**
   * A shell job's script with the entry in front: the job's own {@code /bin/sh} writes its pid into
   * each {@code cgroup.procs} and then runs {@code script}, so no extra sh is exec'd (what {@link
   * #wrap} costs, about 0.8 ms of CPU per job). For a node without a job user only, where the job's
   * sh runs as the node's user and so may write there; with a job user the entry must come before
   * setpriv, through {@link #wrap}. On the script's first line, so its line numbers (in {@code
   * $LINENO} and in the shell's own error messages) stay the job's. A group it cannot enter is
   * reported on the job's stderr and the job runs outside it, as with {@link #wrap}.
   *
   * <p>Nothing here holds a job in: a job running as the node's user could move itself out of its
   * group either way. The limits guard the node and other jobs from a job's mistakes, not from its
   * intent; that is what a job user is for.
   */
  String enterThen(String script) {
    StringBuilder line = new StringBuilder();
    for (Path dir : dirs.all()) {
      String procs = quoted(dir.resolve(CgroupFiles.PROCS).toString());
      line.append("echo $$ > ")
          .append(procs)
          .append(" || echo \"grid-node: could not enter the cgroup \"")
          .append(procs)
          .append("\": the job runs outside it, without its limits\" >&2; ");
    }
    return line.append(script).toString();
  }

  /** {@code s} in single quotes for sh, any single quote in it closed, escaped and reopened. */
  private static String quoted(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * Reads what the run cost and whether it ran out of memory; null usage if it cannot tell. Once,
   * when the run has ended: it stops the peak meter.
   */
  Ending end() {
    Counters after = null;
    try {
      after = layout.counters(dirs, group.files());
    } catch (IOException | RuntimeException e) {
      log.warn("could not read the usage of cgroup {}: {}", dirs.memory(), e.toString());
    }
    Usage usage = null;
    try (peak) {
      if (after != null) {
        usage = after.since(before, peak.peakBytes());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("could not read the peak memory of cgroup {}: {}", dirs.memory(), e.toString());
    }
    return new Ending(usage, after != null && after.oomKillSince(before));
  }

  /**
   * What to tell when the OOM killer struck in the group: it starts with "out of memory:" and names
   * the limit, e.g. {@code out of memory: killed at its 2G limit (--mem)}. Exit code 137 (SIGKILL)
   * says the main process itself was killed; another, that one of its processes was.
   */
  String outOfMemory(Integer exitCode) {
    boolean mainKilled = exitCode != null && exitCode == 128 + 9;
    String who = mainKilled ? "killed" : "a process of the job was killed";
    String where =
        resources.memoryBytes() > 0
            ? " at its " + Resources.formatMemory(resources.memoryBytes()) + " limit (--mem)"
            : " by the kernel (the job reserved no memory and its node ran short: give it --mem)";
    return "out of memory: " + who + where;
  }

  /**
   * Gives the group back once the run is over: at once if it is empty; else (processes the job
   * left, in their SIGTERM grace) after {@code grace} on {@code timer}, killing what is left and
   * looking again every 100 ms, the work done on {@code worker} so that the timer thread never
   * blocks; a group that will not empty is removed. Returns at once.
   */
  void release(ScheduledExecutorService timer, Executor worker, Duration grace) {
    peak.close();
    if (pool.giveBack(group)) {
      return;
    }
    schedule(timer, worker, grace, 1);
  }

  private void schedule(
      ScheduledExecutorService timer, Executor worker, Duration delay, int attempt) {
    Runnable emptying =
        () -> {
          group.killAll();
          if (pool.giveBack(group)) {
            return;
          }
          if (attempt < MAX_EMPTY_TRIES) {
            schedule(timer, worker, RETRY_EMPTY, attempt + 1);
          } else {
            log.warn("cgroup {} would not empty after its run: removing it", group.path());
            pool.discard(group);
          }
        };
    try {
      timer.schedule(() -> worker.execute(emptying), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the runner is closing: JobCgroups.close removes every group left
    }
  }

  /**
   * Kills whatever is in the group and removes it, for a run that never started. Idempotent; true
   * once the group is gone.
   */
  boolean remove() {
    peak.close();
    return pool.discard(group);
  }
}
