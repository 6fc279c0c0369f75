package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's cgroup (see {@link JobCgroups}): made before the job starts, with the job's limits; the
 * job's process put in; its usage and OOM kills read when the run ends; then emptied and removed.
 *
 * <p>Getting in. Every job enters its group before it runs any code of its own: its argv is
 * prefixed ({@link #wrap}) with a {@code /bin/sh} that writes its own pid into each {@code
 * cgroup.procs} and then execs the rest in place (setsid, setpriv, the job), so nothing the job
 * forks can start outside, and its pid stays the one the runner knows. It runs before setpriv drops
 * to the job user, as writing {@code cgroup.procs} needs root.
 *
 * <p>Why jobs without limits enter the same way, though the sh is one more exec (measured in {@link
 * JobCgroups}): writing the pid from Java once the process has started comes too late. Commons Exec
 * hands the process over only after starting its pumps, by when a shell job has usually forked its
 * commands, which then stay outside: {@code head -c 200000000 /dev/zero | tail} was measured that
 * way at a peak of 0 bytes instead of 200 MB.
 *
 * <p>Never throws into the run: a group whose limit cannot be written is kept (the job runs,
 * unenforced, with a WARN), usage that cannot be read is null, a group that cannot be removed is
 * logged and left to the node's next start.
 */
final class JobGroup {
  private static final Logger log = LoggerFactory.getLogger(JobGroup.class);
  private static final Duration RETRY_REMOVE = Duration.ofMillis(100);
  private static final int MAX_REMOVE_TRIES = 20;

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
  private final GroupDirs dirs;
  private final Resources resources;
  private final Consumer<JobGroup> forget;
  private boolean removed; // guarded by this

  JobGroup(CgroupLayout layout, GroupDirs dirs, Resources resources, Consumer<JobGroup> forget) {
    this.layout = layout;
    this.dirs = dirs;
    this.resources = resources;
    this.forget = forget;
  }

  GroupDirs dirs() {
    return dirs;
  }

  /** Makes the directories and writes the limits; a limit that cannot be written is logged. */
  void create() throws IOException {
    for (Path dir : dirs.all()) {
      Files.createDirectory(dir);
    }
    if (resources.memoryBytes() > 0) {
      try {
        layout.limitMemory(dirs, resources.memoryBytes());
      } catch (IOException e) {
        log.warn(
            "could not hold cgroup {} to {} of memory ({}): the job runs without that limit",
            dirs.memory(),
            Resources.formatMemory(resources.memoryBytes()),
            e.toString());
      }
    }
    if (resources.cpus() > 0) {
      try {
        layout.limitCpus(dirs, resources.cpus());
      } catch (IOException e) {
        log.warn(
            "could not hold cgroup {} to {} CPU(s) ({}): the job runs without that limit",
            dirs.cpu(),
            resources.cpus(),
            e.toString());
      }
    }
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

  /** Reads what the run cost and whether it ran out of memory; null usage if it cannot tell. */
  Ending end() {
    Usage usage = null;
    try {
      usage = layout.usage(dirs);
    } catch (IOException | RuntimeException e) {
      log.warn("could not read the usage of cgroup {}: {}", dirs.memory(), e.toString());
    }
    boolean oom = false;
    try {
      oom = layout.oomKills(dirs) > 0;
    } catch (IOException | RuntimeException e) {
      log.warn("could not read the OOM kills of cgroup {}: {}", dirs.memory(), e.toString());
    }
    return new Ending(usage, oom);
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
   * Removes the group once the run is over: at once if it is empty; else (processes the job left,
   * in their SIGTERM grace) after {@code grace} on {@code timer}, killing what is left, the waiting
   * work done on {@code worker} so that the timer thread never blocks. Returns at once.
   */
  void release(ScheduledExecutorService timer, Executor worker, Duration grace) {
    if (removeEmpty()) { // rmdir fails (EBUSY) while a process is in
      return;
    }
    schedule(timer, worker, grace, 1);
  }

  private void schedule(
      ScheduledExecutorService timer, Executor worker, Duration delay, int attempt) {
    Runnable removal =
        () -> {
          if (remove()) {
            return;
          }
          if (attempt < MAX_REMOVE_TRIES) {
            schedule(timer, worker, RETRY_REMOVE, attempt + 1);
          } else {
            log.warn("cgroup {} could not be removed; the node's next start will", dirs.memory());
          }
        };
    try {
      timer.schedule(() -> worker.execute(removal), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the runner is closing: JobCgroups.close removes every group left
    }
  }

  private synchronized boolean removeEmpty() {
    if (removed) {
      return true;
    }
    List<Path> all = dirs.all();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (!CgroupFiles.removeIfEmpty(all.get(i))) {
        return false;
      }
    }
    markRemoved();
    return true;
  }

  /**
   * Kills whatever is in the group and removes its directories (briefly retrying while the last
   * processes exit). Idempotent; true once the group is gone.
   */
  synchronized boolean remove() {
    if (removed) {
      return true;
    }
    List<Path> all = dirs.all();
    boolean gone = true;
    for (int i = all.size() - 1; i >= 0; i--) {
      gone &= CgroupFiles.killAndRemove(all.get(i));
    }
    if (gone) {
      markRemoved();
    }
    return gone;
  }

  private void markRemoved() {
    removed = true;
    forget.accept(this);
  }
}
