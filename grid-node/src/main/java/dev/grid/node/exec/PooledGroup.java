package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One group of a node's {@link GroupPool}: directories made once and entered by run after run, one
 * run at a time. It remembers which of its directories exist (on v1 the cpu one is made only when a
 * run is first held to CPUs) and which limits it holds now, so that a run writes only the limits
 * that differ from its predecessor's.
 *
 * <p>Threads: a group belongs to one run from {@link GroupPool#open} until it is given back; only
 * {@link #remove} (the node closing) may come from another thread meanwhile, hence the lock.
 */
final class PooledGroup {
  /** Limits not known: a write was refused, so the next run writes them all. */
  private static final long UNKNOWN = -1;

  private final CgroupLayout layout;
  private final GroupDirs all; // every directory it may have, cpu included
  private final GroupDirs withoutCpu;
  private final OpenFiles files = new OpenFiles();
  private final Set<Path> made = new LinkedHashSet<>(); // guarded by this
  private long memoryLimit; // guarded by this; bytes, 0 for none
  private long cpuLimit; // guarded by this; CPUs, 0 for none
  private int runs; // guarded by this
  private boolean removed; // guarded by this

  PooledGroup(CgroupLayout layout, GroupDirs node, String name) {
    this.layout = layout;
    this.all = layout.jobGroup(node, name, true);
    this.withoutCpu = layout.jobGroup(node, name, false);
  }

  /** Its memory directory: its name in messages. */
  Path path() {
    return all.memory();
  }

  /** Its files every run reads, kept open. */
  OpenFiles files() {
    return files;
  }

  /** The runs it has served so far, this one included once entered. */
  synchronized int runs() {
    return runs;
  }

  /**
   * The directories a run enters, made where missing, and counts the run. The cpu one only for a
   * run held to CPUs: on v1 a run without a quota stays in the node's cpu group, as it did before
   * groups were reused.
   */
  synchronized GroupDirs enter(Resources resources) throws IOException {
    if (removed) {
      throw new IOException("group " + path() + " was removed: the node is closing");
    }
    GroupDirs dirs = resources.cpus() > 0 ? all : withoutCpu;
    for (Path dir : dirs.all()) {
      if (!made.contains(dir)) {
        Files.createDirectory(dir);
        made.add(dir);
      }
    }
    runs++;
    return dirs;
  }

  /**
   * Writes the memory limit of {@code resources} (none: unlimited) unless the group holds it
   * already; throws the first write refused, the limit then unknown.
   */
  synchronized void limitMemory(GroupDirs dirs, Resources resources) throws IOException {
    long wanted = resources.memoryBytes();
    if (wanted == memoryLimit) {
      return;
    }
    memoryLimit = UNKNOWN;
    if (wanted > 0) {
      layout.limitMemory(dirs, wanted);
    } else {
      layout.unlimitMemory(dirs);
    }
    memoryLimit = wanted;
  }

  /**
   * The same for the CPU quota, in the directories the run enters: on v1 one that reserves no CPUs
   * stays out of the cpu directory, so its quota is left for the next run that does.
   */
  synchronized void limitCpus(GroupDirs dirs, Resources resources) throws IOException {
    long wanted = resources.cpus();
    if (wanted == cpuLimit || (wanted == 0 && dirs.cpu() == null)) {
      return;
    }
    cpuLimit = UNKNOWN;
    if (wanted > 0) {
      layout.limitCpus(dirs, resources.cpus());
    } else {
      layout.unlimitCpus(dirs);
    }
    cpuLimit = wanted;
  }

  /** Whether any process is in any of its directories; true if that cannot be read. */
  synchronized boolean holdsProcesses() {
    try {
      for (Path dir : made) {
        if (!CgroupFiles.pids(dir).isEmpty()) { // afresh, not through files: see OpenFiles
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /** SIGKILLs whatever is in it. */
  synchronized void killAll() {
    for (Path dir : made) {
      try {
        CgroupFiles.killAll(dir);
      } catch (IOException | RuntimeException e) {
        // the caller looks again, and removes the group if it stays occupied
      }
    }
  }

  /** The memory charged to it now; {@link Long#MAX_VALUE} if that cannot be read. */
  long chargedBytes() {
    try {
      return layout.chargedBytes(withoutCpu, files);
    } catch (IOException | RuntimeException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Kills whatever is in it and removes its directories (briefly retrying while the last processes
   * exit). Idempotent; true once it is gone. A removed group is never entered again.
   */
  synchronized boolean remove() {
    removed = true;
    files.close();
    List<Path> dirs = new ArrayList<>(made);
    boolean gone = true;
    for (int i = dirs.size() - 1; i >= 0; i--) {
      if (CgroupFiles.killAndRemove(dirs.get(i))) {
        made.remove(dirs.get(i));
      } else {
        gone = false;
      }
    }
    return gone;
  }
}
