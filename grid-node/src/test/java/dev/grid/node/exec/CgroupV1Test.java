package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files cgroup v1 keeps limits, usage and OOM kills in, against a fake job group. */
class CgroupV1Test {
  @TempDir Path temp;
  private CgroupV1 layout;
  private GroupDirs job;

  @BeforeEach
  void aJobGroup() throws IOException {
    layout = CgroupV1.at(FakeCgroupTree.v1(temp));
    job = layout.jobGroup(layout.nodeGroup("grid-n1.1.1"), "j1.a1.1", true);
    for (Path dir : job.all()) {
      Files.createDirectories(dir);
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }

  @Test
  void a_memory_limit_goes_to_limit_in_bytes_and_to_memsw_where_swap_is_accounted()
      throws Exception {
    Files.writeString(job.memory().resolve("memory.memsw.limit_in_bytes"), "9223372036854771712");

    layout.limitMemory(job, 32L << 20);

    assertThat(read(job.memory().resolve("memory.limit_in_bytes"))).isEqualTo("33554432");
    assertThat(read(job.memory().resolve("memory.memsw.limit_in_bytes"))).isEqualTo("33554432");
  }

  @Test
  void without_swap_accounting_no_memsw_file_is_made() throws Exception {
    layout.limitMemory(job, 32L << 20);

    assertThat(job.memory().resolve("memory.memsw.limit_in_bytes")).doesNotExist();
  }

  @Test
  void a_cpu_limit_is_a_cfs_quota_of_cpus_times_the_100_ms_period() throws Exception {
    layout.limitCpus(job, 3);

    assertThat(read(job.cpu().resolve("cpu.cfs_period_us"))).isEqualTo("100000");
    assertThat(read(job.cpu().resolve("cpu.cfs_quota_us"))).isEqualTo("300000");
  }

  @Test
  void the_kernel_is_asked_once_whether_it_splits_cpu_time_in_nanoseconds() throws Exception {
    assertThat(layout.nanos()).isTrue();
    Files.delete(temp.resolve("cpuacct/cpuacct.usage_user"));
    assertThat(CgroupV1.at(temp).nanos()).isFalse();
  }

  @Test
  void usage_is_read_from_cpuacct_nanoseconds_and_the_memory_high_water_mark() throws Exception {
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_user"), "1234567890\n");
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_sys"), "98765432\n");
    Files.writeString(job.memory().resolve("memory.max_usage_in_bytes"), "52428800\n");

    assertThat(layout.usage(job)).isEqualTo(new Usage(1234, 98, 50L << 20));
  }

  @Test
  void without_usage_user_and_sys_cpu_comes_from_cpuacct_stat_in_user_hz_ticks() throws Exception {
    CgroupV1 before47 = new CgroupV1(layout.memory(), layout.cpu(), layout.cpuacct(), false);
    Files.writeString(job.cpuacct().resolve("cpuacct.stat"), "user 150\nsystem 20\n");
    Files.writeString(job.memory().resolve("memory.max_usage_in_bytes"), "4096\n");

    assertThat(before47.usage(job)).isEqualTo(new Usage(1500, 200, 4096));
  }

  @Test
  void a_usage_file_that_holds_no_number_is_named() throws Exception {
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_user"), "1\n");
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_sys"), "1\n");
    Files.writeString(job.memory().resolve("memory.max_usage_in_bytes"), "lots\n");

    assertThatThrownBy(() -> layout.usage(job))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("memory.max_usage_in_bytes holds 'lots', not a number");
  }

  @Test
  void oom_kills_are_the_oom_kill_line_of_oom_control_and_zero_on_old_kernels() throws Exception {
    Path control = job.memory().resolve("memory.oom_control");
    Files.writeString(control, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    assertThat(layout.oomKills(job)).isEqualTo(2);

    Files.writeString(control, "oom_kill_disable 0\nunder_oom 0\n");
    assertThat(layout.oomKills(job)).isZero();
  }
}
