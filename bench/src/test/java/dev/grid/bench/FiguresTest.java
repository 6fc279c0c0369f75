package dev.grid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresTest {
  @Test
  void when_samples_are_1_to_100_then_percentiles_are_nearest_rank() {
    List<Long> samples = new ArrayList<>();
    for (long i = 100; i >= 1; i--) {
      samples.add(i);
    }

    assertThat(Figures.percentile(samples, 50)).isEqualTo(50);
    assertThat(Figures.percentile(samples, 99)).isEqualTo(99);
    assertThat(Figures.percentile(samples, 100)).isEqualTo(100);
    assertThat(Figures.percentile(List.of(7L), 99)).isEqualTo(7);
    assertThat(Figures.percentile(List.of(1L, 2L, 3L), 1)).isEqualTo(1);
  }

  @Test
  void when_there_are_no_samples_or_a_bad_percentile_then_it_is_refused() {
    assertThatThrownBy(() -> Figures.percentile(List.of(), 50)).hasMessageContaining("no samples");
    assertThatThrownBy(() -> Figures.percentile(List.of(1L), 0))
        .hasMessageContaining("percentile 0");
  }

  @Test
  void when_reading_proc_status_then_vmrss_is_found_in_kib() {
    String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  204800 kB\nThreads:\t40\n";

    assertThat(Figures.vmRssKib(status)).hasValue(204800L);
    assertThat(Figures.vmRssKib("Name:\tzombie\n")).isEmpty();
  }

  @Test
  void when_reading_proc_stat_then_own_and_reaped_children_cpu_are_summed() {
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 5 0 0 0 150 25 7 3 20 0 40 0";

    assertThat(Figures.cpuTicks(stat)).containsExactly(175L, 10L);
    assertThat(Figures.cpuLine(6.0, 2.0, 2.0, 2))
        .contains("10.0 ms = nodes 6.0 + their job processes 2.0 + bench client 2.0")
        .contains("at most 200 jobs/s");
  }

  @Test
  void when_figures_meet_or_miss_targets_then_lines_say_pass_or_miss() {
    assertThat(Figures.throughputLine(812, 1490))
        .isEqualTo(
            "throughput: grid 812 jobs/s, ProcessBuilder pool 1490 jobs/s, ratio 0.54"
                + " (target >= 0.50) PASS");
    assertThat(Figures.throughputLine(700, 1490)).endsWith("ratio 0.47 (target >= 0.50) MISS");
    assertThat(Figures.latencyLine(List.of(5L, 10L, 19L)))
        .isEqualTo(
            "latency: submit-to-start over 3 jobs p50 10 ms, p99 19 ms, max 19 ms"
                + " (targets p50 < 20 ms, p99 < 20 ms) PASS");
    assertThat(Figures.latencyLine(List.of(5L, 10L, 20L))).endsWith("MISS");
    assertThat(Figures.submitLine(List.of(1_200L, 2_000L, 4_900L)))
        .isEqualTo(
            "submit call: GridClient.submit on an idle grid over 3 jobs p50 2.0 ms, p99 4.9 ms,"
                + " max 4.9 ms (target p99 < 5 ms) PASS");
    assertThat(Figures.submitLine(List.of(1_200L, 2_000L, 5_000L))).endsWith("MISS");
    assertThat(Figures.rssLine(List.of("n1", "n2"), List.of(200L * 1024, 310L * 1024)))
        .isEqualTo(
            "idle RSS (20 s after the last job): max 310 MB over 2 nodes (n1 200, n2 310)"
                + " (target < 300 MB) MISS");
    assertThat(Figures.rssLine(List.of("n1"), List.of(299L * 1024))).endsWith("PASS");
    assertThat(Figures.rssRightAfterLine(List.of("n1", "n2"), List.of(400L * 1024, 20L * 1024)))
        .isEqualTo(
            "RSS right after the last job (extra figure, no target): max 400 MB over 2 nodes"
                + " (n1 400, n2 20)");
  }

  @Test
  void when_computing_a_rate_then_it_is_jobs_per_second() {
    assertThat(Figures.perSecond(2000, 2_000_000_000L)).isEqualTo(1000.0);
    assertThatThrownBy(() -> Figures.perSecond(1, 0)).hasMessageContaining("0 ns");
  }

  @Test
  void when_storage_rates_are_given_then_medians_and_their_ratio_meet_or_miss_the_target() {
    assertThat(Figures.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Figures.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
    assertThatThrownBy(() -> Figures.median(new double[0])).hasMessageContaining("no values");

    assertThat(
            Figures.storageLine(
                "write",
                new double[] {100e6, 90e6, 110e6},
                "file",
                new double[] {300e6, 310e6, 320e6},
                0.30))
        .isEqualTo(
            "storage write: 100 90 110 MB/s, median 100; file 300 310 320 MB/s, median 310;"
                + " ratio 0.32 (target >= 0.30) PASS");
    assertThat(Figures.storageLine("read", new double[] {1e9}, "file", new double[] {4e9}, 0.50))
        .endsWith("ratio 0.25 (target >= 0.50) MISS");
    assertThat(Figures.storageLine("remote", new double[] {1e9}, "file", new double[] {4e9}, 0))
        .endsWith("ratio 0.25 (extra figure, no target)");
  }

  @Test
  void when_java_tasks_reach_half_the_raw_executor_then_the_line_says_pass_else_miss() {
    assertThat(Figures.javaLine(5000, 10000))
        .isEqualTo(
            "java: grid array 5000 tasks/s, raw Hazelcast executor 10000 tasks/s,"
                + " ratio 0.500 (target >= 0.50) PASS");
    assertThat(Figures.javaLine(120, 9000)).endsWith("ratio 0.013 (target >= 0.50) MISS");
    assertThat(Figures.javaCpuLine(9.5, 0.5, 0.2, 0.05))
        .isEqualTo(
            "cpu per java task (extra figure, no target): grid 10.00 ms = nodes 9.50"
                + " + bench client 0.50; raw executor 0.250 ms = members 0.200 + bench 0.050");
  }
}
