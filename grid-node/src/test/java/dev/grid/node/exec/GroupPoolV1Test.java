package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link GroupPoolContract} on cgroup v1, memory, cpu and cpuacct mounted apart. */
class GroupPoolV1Test extends GroupPoolContract {
  @Override
  Path tree(Path temp) throws IOException {
    return FakeCgroupTree.v1(temp);
  }

  @Override
  boolean v2() {
    return false;
  }

  @Override
  Path memoryLimit(GroupDirs dirs) {
    return dirs.memory().resolve("memory.limit_in_bytes");
  }

  @Override
  String noMemoryLimit() {
    return "-1";
  }

  @Override
  Path cpuQuota(GroupDirs dirs) {
    return dirs.cpu().resolve("cpu.cfs_quota_us");
  }

  @Override
  String cpuQuota(int cpus) {
    return Long.toString(cpus * 100_000L);
  }

  @Override
  String noCpuQuota() {
    return "-1";
  }

  @Override
  Path peak(GroupDirs dirs) {
    return dirs.memory().resolve("memory.max_usage_in_bytes");
  }

  @Override
  String peakReset() {
    return "0";
  }

  @Override
  Path charged(GroupDirs dirs) {
    return dirs.memory().resolve("memory.usage_in_bytes");
  }

  @Override
  void counters(GroupDirs dirs, long userMillis, long systemMillis, long oomKills)
      throws IOException {
    Files.writeString(dirs.cpuacct().resolve("cpuacct.usage_user"), userMillis * 1_000_000 + "\n");
    Files.writeString(dirs.cpuacct().resolve("cpuacct.usage_sys"), systemMillis * 1_000_000 + "\n");
    Files.writeString(
        dirs.memory().resolve("memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill " + oomKills + "\n");
  }

  @Test
  void a_run_reserving_no_cpus_stays_out_of_the_cpu_directory_an_earlier_run_made()
      throws Exception {
    JobGroup limited = open(LIMITED);
    Path cpuDir = limited.dirs().cpu();
    endAndRelease(limited);

    JobGroup free = open(Resources.NONE);

    assertThat(free.group()).isSameAs(limited.group());
    assertThat(free.dirs().cpu()).isNull();
    assertThat(free.wrap(java.util.List.of("true")))
        .noneMatch(a -> a.startsWith(cpuDir.toString()));
    assertThat(cpuDir).isDirectory();
  }

  @Test
  void a_reused_group_first_held_to_cpus_gets_its_cpu_directory_then() throws Exception {
    JobGroup free = open(Resources.NONE);
    assertThat(cgroups.layout().jobGroup(cgroups.nodeGroup(), "run-1", true).cpu()).doesNotExist();
    endAndRelease(free);

    JobGroup limited = open(LIMITED);

    assertThat(limited.group()).isSameAs(free.group());
    assertThat(limited.dirs().cpu()).isDirectory();
    assertThat(read(cpuQuota(limited.dirs()))).isEqualTo("200000");
  }
}
