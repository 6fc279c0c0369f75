package dev.grid.node.exec;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run groups of one node's {@link JobCgroups}: a run takes an idle group, or a new one if none
 * is idle, and gives it back once the run has ended and the group holds no process; groups are
 * removed only when the node closes, or when one cannot be reused clean. Making and removing a
 * memory cgroup is the costly part of a group (see {@link JobCgroups}); entering one is not.
 *
 * <p>Size. A group is made only when none is idle, so there are never more groups than runs were
 * once at the same time (a run counted from its start until its group is given back, the kill grace
 * of what it left running included): about the node's slots. Idle groups are taken last given
 * first, so that few of them take turns.
 *
 * <p>Given back clean, or not at all. A group goes back only when {@code cgroup.procs} is empty in
 * each of its directories (processes a run left are killed after the kill grace, see {@link
 * JobGroup#release}), and when at most {@value #MAX_LEFT_BYTES} bytes of memory are still charged
 * to it; else it is removed, as every group was before there was a pool. What an empty group holds
 * is page cache of the files its runs read or wrote and kernel objects not yet freed: after {@code
 * true} 0.2-1.4 MB (measured on 6.18 over 300 runs, settling there), after writing a 100 MB file
 * 100 MB, after {@code ls -R /usr} 170 MB. That charge is where the next run's peak starts (its
 * peak can come out that much higher than in a fresh group) and counts toward its limit, hence the
 * bound. Emptying the group instead was measured on v1 and not taken: {@code memory.force_empty}
 * took 0.9-1.4 ms for a group holding 0.4 MB (the kernel drains every CPU's page lists first) and
 * 180 ms for one holding 170 MB, against about 0.15 ms for making and removing a memory group, and
 * what it drops is page cache a rerun could have used. On v2, {@code memory.reclaim} (5.19+) is the
 * same reclaim, so it is not used either (not measured: no v2 machine). A run whose limits the
 * kernel refuses in a reused group (a memory limit below what is left charged) gets a fresh one.
 *
 * <p>Where peaks cannot be reset ({@link CgroupLayout#reusable}: cgroup v2 on Linux 5.19 to 6.11)
 * nothing is reused: each run gets a fresh group, removed after it, as before.
 *
 * <p>Concurrency: {@link #open} and {@link #giveBack} hold the read lock, {@link #close} takes the
 * write lock once to set {@code closed}: so no group is made or made idle after close has begun,
 * and close removes every group there is.
 */
final class GroupPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupPool.class);

  /** The most memory an empty group may hold and be reused; see above. */
  static final long MAX_LEFT_BYTES = 4L << 20;

  private final CgroupLayout layout;
  private final GroupDirs node;
  private final boolean reusable;
  private final AtomicInteger named = new AtomicInteger(); // groups made so far, for names
  private final ConcurrentLinkedDeque<PooledGroup> idle = new ConcurrentLinkedDeque<>();
  private final Set<PooledGroup> groups = ConcurrentHashMap.newKeySet(); // idle or in use
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed; // guarded by lock

  GroupPool(CgroupLayout layout, GroupDirs node) {
    this.layout = layout;
    this.node = node;
    this.reusable = layout.reusable(node);
  }

  /** Whether groups are reused. */
  boolean reusable() {
    return reusable;
  }

  /** Every group there is now, idle or in use; for tests. */
  List<PooledGroup> groups() {
    return List.copyOf(groups);
  }

  /** The idle groups now; for tests. */
  List<PooledGroup> idle() {
    return List.copyOf(idle);
  }

  /**
   * A group for one run, held to {@code resources} (none: unlimited) and measured from now. Null
   * when the node is closing, or no group could be made (logged: the job then runs without one,
   * unlimited and unmeasured).
   */
  JobGroup open(String runName, Resources resources) {
    lock.readLock().lock();
    try {
      if (closed) {
        return null;
      }
      PooledGroup reused = idle.pollFirst();
      if (reused != null) {
        try {
          return JobGroup.reused(layout, reused, resources, this);
        } catch (IOException | RuntimeException e) {
          log.info(
              "cgroup {} could not be reused for {} ({}): removed, and a fresh one made",
              reused.path(),
              runName,
              e.toString());
          discard(reused);
        }
      }
      PooledGroup fresh = new PooledGroup(layout, node, "run-" + named.incrementAndGet());
      groups.add(fresh);
      try {
        return JobGroup.fresh(layout, fresh, resources, this);
      } catch (IOException | RuntimeException e) {
        log.warn(
            "could not make cgroup {} for {} ({}): the job runs without one, unlimited and"
                + " unmeasured",
            fresh.path(),
            runName,
            e.toString());
        discard(fresh);
        return null;
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Takes back a group whose run has ended: idle again if it holds no process and little memory,
   * removed if it holds too much (or groups are not reused, or the node is closing). False, and
   * nothing done, while a process is still in it.
   */
  boolean giveBack(PooledGroup group) {
    if (group.holdsProcesses()) {
      return false;
    }
    lock.readLock().lock();
    try {
      if (!closed && reusable) {
        long left = group.chargedBytes();
        if (left <= MAX_LEFT_BYTES) {
          idle.addFirst(group);
          return true;
        }
        log.debug(
            "cgroup {} still holds {} bytes of memory after its run: removed", group.path(), left);
      }
    } finally {
      lock.readLock().unlock();
    }
    discard(group);
    return true;
  }

  /**
   * Kills what is in a group and removes it; true once it is gone, else logged (the node's close
   * tries again, and after a crash its next start).
   */
  boolean discard(PooledGroup group) {
    if (group.remove()) {
      groups.remove(group);
      return true;
    }
    log.warn("could not remove cgroup {}; the node's close or next start will", group.path());
    return false;
  }

  /** Kills what is left in the groups and removes them all. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
    } finally {
      lock.writeLock().unlock();
    }
    idle.clear();
    for (PooledGroup group : List.copyOf(groups)) {
      discard(group);
    }
  }
}
