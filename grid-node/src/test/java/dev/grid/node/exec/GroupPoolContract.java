package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Resources;
import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a node's run groups are reused (see {@link GroupPool} and {@link JobGroup}), written once and
 * run against a fake cgroup tree of each version by a subclass that names the version's files. The
 * test plays the kernel: after a run it writes what the kernel would show (counters, peak, pids).
 * {@link ProcessRunnerCgroupTest} does the same with real jobs in real groups.
 */
abstract class GroupPoolContract {
  static final long PID = 4242;
  static final long ROOT_UID = 0;

  /** Above any pid_max: never a live process, so that killing it is harmless. */
  static final long DEAD_PID = 999_999_999;

  static final Resources LIMITED = new Resources(2, 32L << 20);

  @TempDir Path temp;
  JobCgroups cgroups;
  GroupPool pool;
  private ScheduledExecutorService timer;

  /** A fake cgroup tree of this version under {@code temp}. */
  abstract Path tree(Path temp) throws IOException;

  abstract boolean v2();

  /** The file holding a group's memory limit, and what it holds for none. */
  abstract Path memoryLimit(GroupDirs dirs);

  abstract String noMemoryLimit();

  /** The file holding a group's CPU quota, what it holds for {@code cpus}, and for none. */
  abstract Path cpuQuota(GroupDirs dirs);

  abstract String cpuQuota(int cpus);

  abstract String noCpuQuota();

  /** The file the peak is read from, and what resetting it wrote there. */
  abstract Path peak(GroupDirs dirs);

  abstract String peakReset();

  /** The file telling what memory is charged to a group. */
  abstract Path charged(GroupDirs dirs);

  /** Plays the kernel: the group's counters now, since it was made. */
  abstract void counters(GroupDirs dirs, long userMillis, long systemMillis, long oomKills)
      throws IOException;

  @BeforeEach
  void aNode() throws IOException {
    cgroups = JobCgroups.detect("n1", tree(temp), ROOT_UID, PID);
    pool = cgroups.pool();
    timer = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void close() throws IOException {
    timer.shutdownNow();
    FakeCgroupTree.forgetKernelFiles(cgroups.nodeGroup());
    cgroups.close();
  }

  /** A run's group, with the files the kernel shows in it. */
  JobGroup open(Resources resources) throws IOException {
    JobGroup run = cgroups.open("j1.a1", resources);
    assertThat(run).as("a group for the run").isNotNull();
    FakeCgroupTree.kernelFiles(run.dirs(), v2());
    return run;
  }

  /** Ends a run and gives its group back. */
  Usage endAndRelease(JobGroup run) {
    Usage usage = run.end().usage();
    run.release(timer, Runnable::run, Duration.ZERO);
    return usage;
  }

  static String read(Path file) throws IOException {
    return Files.readString(file).strip();
  }

  @Test
  void a_run_after_another_takes_its_group_and_runs_at_once_get_one_each() throws Exception {
    JobGroup first = open(Resources.NONE);
    endAndRelease(first);
    JobGroup second = open(Resources.NONE);
    JobGroup third = open(Resources.NONE);

    assertThat(second.group()).isSameAs(first.group());
    assertThat(third.group()).isNotSameAs(second.group());
    assertThat(pool.groups()).hasSize(2);

    endAndRelease(second);
    endAndRelease(third);
    for (int i = 0; i < 5; i++) {
      endAndRelease(open(i % 2 == 0 ? Resources.NONE : LIMITED));
    }

    assertThat(pool.groups()).hasSize(2);
    assertThat(pool.idle()).hasSize(2);
    assertThat(first.group().runs() + third.group().runs()).isEqualTo(8);
  }

  @Test
  void a_run_reserving_nothing_after_a_limited_one_is_set_back_to_unlimited() throws Exception {
    JobGroup limited = open(LIMITED);
    assertThat(read(memoryLimit(limited.dirs()))).isEqualTo(Long.toString(32L << 20));
    assertThat(read(cpuQuota(limited.dirs()))).isEqualTo(cpuQuota(2));
    endAndRelease(limited);

    JobGroup free = open(Resources.NONE);

    assertThat(free.group()).isSameAs(limited.group());
    assertThat(read(memoryLimit(free.dirs()))).isEqualTo(noMemoryLimit());
    if (free.dirs().cpu() != null) {
      assertThat(read(cpuQuota(free.dirs()))).isEqualTo(noCpuQuota());
    }
    endAndRelease(free);

    JobGroup again = open(new Resources(1, 64L << 20));
    assertThat(read(memoryLimit(again.dirs()))).isEqualTo(Long.toString(64L << 20));
    assertThat(read(cpuQuota(again.dirs()))).isEqualTo(cpuQuota(1));
  }

  @Test
  void limits_a_reused_group_holds_already_are_not_written_again() throws Exception {
    JobGroup first = open(LIMITED);
    endAndRelease(first);
    Files.writeString(memoryLimit(first.dirs()), "as the kernel left it");
    Files.writeString(cpuQuota(first.dirs()), "as the kernel left it");

    JobGroup second = open(LIMITED);

    assertThat(second.group()).isSameAs(first.group());
    assertThat(read(memoryLimit(second.dirs()))).isEqualTo("as the kernel left it");
    assertThat(read(cpuQuota(second.dirs()))).isEqualTo("as the kernel left it");
  }

  @Test
  void a_run_in_a_reused_group_counts_only_its_own_cpu_time_oom_kills_and_peak() throws Exception {
    JobGroup first = open(Resources.NONE);
    counters(first.dirs(), 5_000, 1_000, 1);
    Files.writeString(peak(first.dirs()), (200L << 20) + "\n");
    JobGroup.Ending killed = first.end();
    assertThat(killed.usage()).isEqualTo(new Usage(5_000, 1_000, 200L << 20));
    assertThat(killed.outOfMemory()).isTrue();
    first.release(timer, Runnable::run, Duration.ZERO);

    JobGroup second = open(Resources.NONE);
    assertThat(second.group()).isSameAs(first.group());
    assertThat(read(peak(second.dirs()))).startsWith(peakReset());
    counters(second.dirs(), 5_120, 1_004, 1);
    Files.writeString(peak(second.dirs()), (1L << 20) + "\n"); // what the kernel shows now
    JobGroup.Ending ending = second.end();

    assertThat(ending.usage()).isEqualTo(new Usage(120, 4, 1L << 20));
    assertThat(ending.outOfMemory()).isFalse();
  }

  @Test
  void a_group_with_a_process_in_it_is_given_back_only_once_empty() throws Exception {
    JobGroup run = open(Resources.NONE);
    run.end();
    Path procs = run.dirs().cpuacct().resolve(CgroupFiles.PROCS);
    Files.writeString(procs, DEAD_PID + "\n");

    assertThat(pool.giveBack(run.group())).isFalse();
    assertThat(pool.idle()).isEmpty();
    assertThat(open(Resources.NONE).group()).isNotSameAs(run.group());

    Files.writeString(procs, "");
    assertThat(pool.giveBack(run.group())).isTrue();
    assertThat(pool.idle()).containsExactly(run.group());
  }

  @Test
  void a_group_left_holding_more_than_4_mib_is_not_reused() throws Exception {
    JobGroup run = open(Resources.NONE);
    Files.writeString(charged(run.dirs()), (GroupPool.MAX_LEFT_BYTES + 1) + "\n");
    endAndRelease(run);

    assertThat(pool.idle()).isEmpty();
    assertThat(open(Resources.NONE).group()).isNotSameAs(run.group());
  }

  @Test
  void a_group_holding_little_is_reused() throws Exception {
    JobGroup run = open(Resources.NONE);
    Files.writeString(charged(run.dirs()), GroupPool.MAX_LEFT_BYTES + "\n");
    endAndRelease(run);

    assertThat(pool.idle()).containsExactly(run.group());
  }

  @Test
  void a_reused_group_whose_limit_is_refused_is_replaced_by_a_fresh_one() throws Exception {
    JobGroup run = open(Resources.NONE);
    endAndRelease(run);
    // A file that cannot be written, as the kernel refuses a limit below what is charged.
    Path limit = memoryLimit(run.dirs());
    Files.delete(limit);
    Files.createDirectory(limit);

    JobGroup next = open(LIMITED);

    assertThat(next.group()).isNotSameAs(run.group());
    assertThat(pool.idle()).isEmpty();
    assertThat(read(memoryLimit(next.dirs()))).isEqualTo(Long.toString(32L << 20));
  }

  @Test
  void after_close_a_group_given_back_is_removed_and_none_is_opened() throws Exception {
    JobGroup run = open(Resources.NONE);
    FakeCgroupTree.forgetKernelFiles(cgroups.nodeGroup());

    cgroups.close();
    assertThat(pool.giveBack(run.group())).isTrue();

    assertThat(pool.idle()).isEmpty();
    assertThat(run.dirs().all()).noneMatch(Files::exists);
    assertThat(cgroups.open("j2.a1", Resources.NONE)).isNull();
  }
}
