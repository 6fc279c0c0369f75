package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.Counters;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import dev.grid.node.exec.CgroupLayout.PeakMeter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files cgroup v1 keeps limits, usage and OOM kills in, against a fake job group. */
class CgroupV1Test {
  @TempDir Path temp;
  private final OpenFiles files = new OpenFiles();
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

  @AfterEach
  void closeFiles() {
    files.close();
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

  /** What the kernel shows in a job group that has run nothing yet, where a test needs it. */
  private void counterFiles(String user, String sys, String oomKills) throws IOException {
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_user"), user + "\n");
    Files.writeString(job.cpuacct().resolve("cpuacct.usage_sys"), sys + "\n");
    Files.writeString(
        job.memory().resolve("memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill " + oomKills + "\n");
  }

  @Test
  void usage_is_read_from_cpuacct_nanoseconds_and_the_memory_high_water_mark() throws Exception {
    counterFiles("1234567890", "98765432", "0");
    Files.writeString(job.memory().resolve("memory.max_usage_in_bytes"), "52428800\n");

    assertThat(layout.counters(job, files).since(Counters.ZERO, layout.peakBytes(job, files)))
        .isEqualTo(new Usage(1234, 98, 50L << 20));
  }

  @Test
  void without_usage_user_and_sys_cpu_comes_from_cpuacct_stat_in_user_hz_ticks() throws Exception {
    CgroupV1 before47 = new CgroupV1(layout.memory(), layout.cpu(), layout.cpuacct(), false);
    Files.writeString(job.cpuacct().resolve("cpuacct.stat"), "user 150\nsystem 20\n");
    Files.writeString(job.memory().resolve("memory.oom_control"), "oom_kill 0\n");

    assertThat(before47.counters(job, files))
        .isEqualTo(new Counters(1_500_000_000L, 200_000_000L, 0));
  }

  @Test
  void a_usage_file_that_holds_no_number_is_named() throws Exception {
    Files.writeString(job.memory().resolve("memory.max_usage_in_bytes"), "lots\n");

    assertThatThrownBy(() -> layout.peakBytes(job, files))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("memory.max_usage_in_bytes holds 'lots', not a number");
  }

  @Test
  void oom_kills_are_the_oom_kill_line_of_oom_control_and_zero_on_old_kernels() throws Exception {
    counterFiles("0", "0", "2");
    assertThat(layout.counters(job, files).oomKills()).isEqualTo(2);

    Files.writeString(
        job.memory().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
    assertThat(layout.counters(job, files).oomKills()).isZero();
  }

  @Test
  void a_runs_cpu_time_and_oom_kills_are_what_the_counters_grew_by_while_it_ran() throws Exception {
    counterFiles("5000000000", "1000000000", "1"); // an earlier run's: 5 s, 1 s, killed once
    Counters before = layout.counters(job, files);
    counterFiles("5250999999", "1030000000", "1");

    Counters after = layout.counters(job, files);

    assertThat(after.since(before, 4096)).isEqualTo(new Usage(250, 30, 4096));
    assertThat(after.oomKillSince(before)).isFalse();
    counterFiles("5250999999", "1030000000", "2");
    assertThat(layout.counters(job, files).oomKillSince(before)).isTrue();
  }

  @Test
  void no_limit_is_minus_one_in_memsw_and_the_memory_limit_and_in_the_cfs_quota() throws Exception {
    Files.writeString(job.memory().resolve("memory.memsw.limit_in_bytes"), "33554432");
    layout.limitMemory(job, 32L << 20);
    layout.limitCpus(job, 2);

    layout.unlimitMemory(job);
    layout.unlimitCpus(job);

    assertThat(read(job.memory().resolve("memory.limit_in_bytes"))).isEqualTo("-1");
    assertThat(read(job.memory().resolve("memory.memsw.limit_in_bytes"))).isEqualTo("-1");
    assertThat(read(job.cpu().resolve("cpu.cfs_quota_us"))).isEqualTo("-1");
  }

  @Test
  void without_a_cpu_directory_there_is_no_quota_to_lift() throws Exception {
    GroupDirs noCpu = layout.jobGroup(layout.nodeGroup("grid-n1.1.1"), "j1.a1.1", false);

    layout.unlimitCpus(noCpu);

    assertThat(job.cpu().resolve("cpu.cfs_quota_us")).doesNotExist();
  }

  @Test
  void the_peak_is_reset_by_writing_max_usage_and_read_back_from_it() throws Exception {
    Path maxUsage = job.memory().resolve("memory.max_usage_in_bytes");
    Files.writeString(maxUsage, "209715200\n"); // an earlier run's peak

    try (PeakMeter meter = layout.resetPeak(job, files)) {
      assertThat(read(maxUsage)).as("reset: the kernel sets it to the usage now").isEqualTo("0");
      Files.writeString(maxUsage, "1048576\n"); // what the kernel shows after this run
      assertThat(meter.peakBytes()).isEqualTo(1L << 20);
    }
  }

  @Test
  void groups_are_reusable_and_what_is_charged_is_usage_in_bytes() throws Exception {
    Files.writeString(job.memory().resolve("memory.usage_in_bytes"), "348160\n");

    assertThat(layout.reusable(layout.nodeGroup("grid-n1.1.1"))).isTrue();
    assertThat(layout.chargedBytes(job, files)).isEqualTo(348160);
  }
}
