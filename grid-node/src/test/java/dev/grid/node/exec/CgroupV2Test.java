package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Usage;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files cgroup v2 keeps limits, usage and OOM kills in, against a fake job group. */
class CgroupV2Test {
  @TempDir Path temp;
  private CgroupV2 layout;
  private GroupDirs job;

  @BeforeEach
  void aJobGroup() throws IOException {
    layout = new CgroupV2(FakeCgroupTree.v2(temp, "cpu memory"));
    job = layout.jobGroup(layout.nodeGroup("grid-n1.1.1"), "j1.a1.1", true);
    Files.createDirectories(job.memory());
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
    Files.writeString(job.memory().resolve("memory.peak"), "73400320\n");

    assertThat(layout.usage(job)).isEqualTo(new Usage(1200, 300, 70L << 20));
  }

  @Test
  void before_linux_5_19_there_is_no_memory_peak_and_the_peak_is_zero() throws Exception {
    Files.writeString(job.cpu().resolve("cpu.stat"), "user_usec 5000\nsystem_usec 0\n");

    assertThat(layout.usage(job)).isEqualTo(new Usage(5, 0, 0));
  }

  @Test
  void oom_kills_are_the_oom_kill_line_of_memory_events() throws Exception {
    Path events = job.memory().resolve("memory.events");
    Files.writeString(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    assertThat(layout.oomKills(job)).isEqualTo(1);

    Files.writeString(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
    assertThat(layout.oomKills(job)).isZero();
  }
}
