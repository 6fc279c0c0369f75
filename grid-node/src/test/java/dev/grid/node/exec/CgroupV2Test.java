package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.Counters;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import dev.grid.node.exec.CgroupLayout.PeakMeter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files cgroup v2 keeps limits, usage and OOM kills in, against a fake job group. */
class CgroupV2Test {
  @TempDir Path temp;
  private final OpenFiles files = new OpenFiles();
  private CgroupV2 layout;
  private GroupDirs job;

  @BeforeEach
  void aJobGroup() throws IOException {
    layout = new CgroupV2(FakeCgroupTree.v2(temp, "cpu memory"));
    job = layout.jobGroup(layout.nodeGroup("grid-n1.1.1"), "j1.a1.1", true);
    Files.createDirectories(job.memory());
  }

  @AfterEach
  void closeFiles() {
    files.close();
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }

  @Test
  void a_job_group_is_one_directory_below_the_node_group() {
    assertThat(job.all()).containsExactly(temp.resolve("grid-n1.1.1").resolve("j1.a1.1"));
  }

  @Test
  void a_memory_limit_goes_to_memory_max_and_swap_is_shut_where_accounted() throws Exception {
    Files.writeString(job.memory().resolve("memory.swap.max"), "max\n");

    layout.limitMemory(job, 2L << 30);

    assertThat(read(job.memory().resolve("memory.max"))).isEqualTo("2147483648");
    assertThat(read(job.memory().resolve("memory.swap.max"))).isEqualTo("0");
  }

  @Test
  void without_swap_accounting_no_swap_file_is_made() throws Exception {
    layout.limitMemory(job, 2L << 30);

    assertThat(job.memory().resolve("memory.swap.max")).doesNotExist();
  }

  @Test
  void a_cpu_limit_is_cpu_max_quota_and_period() throws Exception {
    layout.limitCpus(job, 2);

    assertThat(read(job.cpu().resolve("cpu.max"))).isEqualTo("200000 100000");
  }

  @Test
  void usage_is_read_from_cpu_stat_microseconds_and_memory_peak() throws Exception {
    Files.writeString(
        job.cpu().resolve("cpu.stat"),
        "usage_usec 1500000\nuser_usec 1200999\nsystem_usec 300000\nnr_periods 0\n"
            + "nr_throttled 0\nthrottled_usec 0\n");
    Files.writeString(job.memory().resolve("memory.events"), "oom_kill 0\n");
    Files.writeString(job.memory().resolve("memory.peak"), "73400320\n");

    assertThat(layout.counters(job, files).since(Counters.ZERO, layout.peakBytes(job, files)))
        .isEqualTo(new Usage(1200, 300, 70L << 20));
  }

  @Test
  void before_linux_5_19_there_is_no_memory_peak_and_the_peak_is_zero() throws Exception {
    assertThat(layout.peakBytes(job, files)).isZero();
    try (PeakMeter meter = layout.resetPeak(job, files)) {
      assertThat(meter.peakBytes()).isZero();
    }
    assertThat(job.memory().resolve("memory.peak")).doesNotExist();
  }

  @Test
  void oom_kills_are_the_oom_kill_line_of_memory_events() throws Exception {
    Files.writeString(job.cpu().resolve("cpu.stat"), "user_usec 0\nsystem_usec 0\n");
    Path events = job.memory().resolve("memory.events");
    Files.writeString(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    assertThat(layout.counters(job, files).oomKills()).isEqualTo(1);

    Files.writeString(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
    assertThat(layout.counters(job, files).oomKills()).isZero();
  }

  @Test
  void a_runs_cpu_time_is_what_cpu_stat_grew_by_while_it_ran() throws Exception {
    Path stat = job.cpu().resolve("cpu.stat");
    Files.writeString(job.memory().resolve("memory.events"), "oom_kill 3\n");
    Files.writeString(stat, "usage_usec 9000000\nuser_usec 7000000\nsystem_usec 2000000\n");
    Counters before = layout.counters(job, files);
    Files.writeString(stat, "usage_usec 9100000\nuser_usec 7080000\nsystem_usec 2020000\n");

    Counters after = layout.counters(job, files);

    assertThat(after.since(before, 0)).isEqualTo(new Usage(80, 20, 0));
    assertThat(after.oomKillSince(before)).isFalse();
  }

  @Test
  void no_limit_is_max_in_memory_max_and_swap_max_and_a_max_quota_in_cpu_max() throws Exception {
    Files.writeString(job.memory().resolve("memory.swap.max"), "max\n");
    layout.limitMemory(job, 32L << 20);
    layout.limitCpus(job, 1);

    layout.unlimitMemory(job);
    layout.unlimitCpus(job);

    assertThat(read(job.memory().resolve("memory.max"))).isEqualTo("max");
    assertThat(read(job.memory().resolve("memory.swap.max"))).isEqualTo("max");
    assertThat(read(job.cpu().resolve("cpu.max"))).isEqualTo("max 100000");
  }

  @Test
  void the_peak_is_reset_through_an_open_memory_peak_and_read_back_through_it() throws Exception {
    Path peak = job.memory().resolve("memory.peak");
    Files.writeString(peak, "209715200\n"); // the group's peak since it was made

    try (PeakMeter meter = layout.resetPeak(job, files)) {
      assertThat(read(peak)).as("some non-empty string written").startsWith("reset\n");
      // What the kernel then shows through that file: this run's peak alone.
      Files.writeString(peak, "1048576\n");
      assertThat(meter.peakBytes()).isEqualTo(1L << 20);
    }
  }

  @Test
  void groups_are_reused_only_where_memory_peak_can_be_written_or_there_is_none() throws Exception {
    GroupDirs node = layout.nodeGroup("grid-n1.1.1");
    Path peak = node.memory().resolve("memory.peak");
    assertThat(layout.reusable(node)).as("before 5.19: no peak at all").isTrue();

    Files.writeString(peak, "0\n");
    Files.setPosixFilePermissions(peak, PosixFilePermissions.fromString("r--r--r--"));
    assertThat(layout.reusable(node)).as("5.19 to 6.11: a peak that cannot be reset").isFalse();

    Files.setPosixFilePermissions(peak, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(layout.reusable(node)).as("6.12+").isTrue();
  }

  @Test
  void what_is_charged_is_memory_current() throws Exception {
    Files.writeString(job.memory().resolve("memory.current"), "348160\n");

    assertThat(layout.chargedBytes(job, files)).isEqualTo(348160);
  }
}
