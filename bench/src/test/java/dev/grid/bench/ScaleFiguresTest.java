package dev.grid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScaleFiguresTest {
  @Test
  void when_passes_are_counted_then_the_first_is_left_out_of_the_steady_state() {
    long[] nanos = {900_000_000, 1_000_000, 3_000_000, 2_000_000, 50_000_000};
    int[] decisions = {4000, 100, 300, 200, 7};

    ScaleFigures.Steady s = ScaleFigures.steady(nanos, decisions, 3);

    assertThat(s.passes()).isEqualTo(3);
    assertThat(s.decisions()).isEqualTo(600);
    assertThat(s.perSecond()).isEqualTo(100_000.0); // 600 in 6 ms
    assertThat(s.p50Nanos()).isEqualTo(2_000_000);
    assertThat(s.maxNanos()).isEqualTo(3_000_000);
  }

  @Test
  void when_no_pass_is_steady_then_it_says_to_give_more_jobs_or_time() {
    assertThatThrownBy(() -> ScaleFigures.steady(new long[] {5}, new int[] {1}, 0))
        .hasMessageContaining("no steady state")
        .hasMessageContaining("more jobs or more time");
    assertThatThrownBy(() -> ScaleFigures.steady(new long[] {5, 6}, new int[] {1, 1}, 2))
        .hasMessageContaining("2 passes counted of 2");
  }
}
