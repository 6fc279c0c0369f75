package dev.grid.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RanCounterTest {
  @Test
  void when_a_report_is_read_then_it_gives_the_count_and_the_last_end() {
    assertThat(RanCounter.parse("2200 1765000000123\n")).containsExactly(2200L, 1765000000123L);
  }

  @Test
  void when_a_report_is_malformed_then_its_text_is_named() {
    assertThatThrownBy(() -> RanCounter.parse("12"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'12'");
  }

  @Test
  void when_peers_are_looked_up_then_unknown_names_are_refused_with_the_known_ones() {
    assertThat(Peers.byName("Quartz").name()).isEqualTo("Quartz");
    assertThatThrownBy(() -> Peers.byName("slurm"))
        .hasMessageContaining("'slurm'")
        .hasMessageContaining("JobRunr");
  }
}
