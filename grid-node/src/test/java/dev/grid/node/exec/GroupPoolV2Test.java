package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link GroupPoolContract} on cgroup v2. */
class GroupPoolV2Test extends GroupPoolContract {
  @Override
  Path tree(Path temp) throws IOException {
    return FakeCgroupTree.v2(temp, "cpu memory");
  }

  @Override
  boolean v2() {
    return true;
  }

  @Override
  Path memoryLimit(GroupDirs dirs) {
    return dirs.memory().resolve("memory.max");
  }

  @Override
  String noMemoryLimit() {
    return "max";
  }

  @Override
  Path cpuQuota(GroupDirs dirs) {
    return dirs.cpu().resolve("cpu.max");
  }

  @Override
  String cpuQuota(int cpus) {
    return cpus * 100_000L + " 100000";
  }

  @Override
  String noCpuQuota() {
    return "max 100000";
  }

  @Override
  Path peak(GroupDirs dirs) {
    return dirs.memory().resolve("memory.peak");
  }

  @Override
  String peakReset() {
    return "reset";
  }

  @Override
  Path charged(GroupDirs dirs) {
    return dirs.memory().resolve("memory.current");
  }

  @Override
  void counters(GroupDirs dirs, long userMillis, long systemMillis, long oomKills)
      throws IOException {
    Files.writeString(
        dirs.cpu().resolve("cpu.stat"),
        "usage_usec "
            + (userMillis + systemMillis) * 1000
            + "\nuser_usec "
            + userMillis * 1000
            + "\nsystem_usec "
            + systemMillis * 1000
            + "\n");
    Files.writeString(
        dirs.memory().resolve("memory.events"),
        "low 0\nhigh 0\nmax 0\noom " + oomKills + "\noom_kill " + oomKills + "\n");
  }

  @Test
  void a_limited_run_shuts_swap_and_the_next_one_reserving_nothing_opens_it_again()
      throws Exception {
    JobGroup limited = open(LIMITED);
    Files.writeString(limited.dirs().memory().resolve("memory.swap.max"), "0\n");
    endAndRelease(limited);

    JobGroup free = open(Resources.NONE);

    assertThat(read(free.dirs().memory().resolve("memory.swap.max"))).isEqualTo("max");
  }

  @Test
  void where_peaks_cannot_be_reset_each_run_gets_a_fresh_group_removed_after_it() throws Exception {
    Path peak = cgroups.nodeGroup().memory().resolve("memory.peak");
    Files.writeString(peak, "0\n");
    Files.setPosixFilePermissions(peak, PosixFilePermissions.fromString("r--r--r--"));
    GroupPool oldKernel = new GroupPool(cgroups.layout(), cgroups.nodeGroup());
    assertThat(oldKernel.reusable()).isFalse();

    JobGroup first = oldKernel.open("j1.a1", Resources.NONE);
    first.end();
    first.release(null, Runnable::run, Duration.ZERO); // empty: given back at once
    JobGroup second = oldKernel.open("j1.a1", Resources.NONE);

    assertThat(first.dirs().memory()).doesNotExist();
    assertThat(second.group()).isNotSameAs(first.group());
    assertThat(oldKernel.groups()).containsExactly(second.group());
    oldKernel.close();
  }
}
