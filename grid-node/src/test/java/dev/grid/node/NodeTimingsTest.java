package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeTimingsTest {
  @Test
  void when_the_defaults_are_taken_then_the_grace_outlasts_the_quiet_time_by_a_second() {
    assertThat(NodeTimings.DEFAULTS.reclaimGrace())
        .isEqualTo(NodeTimings.DEFAULTS.fenceQuiet().plusSeconds(1));
    assertThat(TestGrid.TIMINGS.reclaimGrace()).isGreaterThan(TestGrid.TIMINGS.fenceQuiet());
  }

  @Test
  void when_the_grace_does_not_outlast_the_quiet_time_then_the_timings_are_refused_naming_both() {
    assertThatThrownBy(
            () ->
                new NodeTimings(
                    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(2100)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reclaim grace PT2.1S")
        .hasMessageContaining("PT2S");
  }

  @Test
  void when_the_quiet_time_or_the_join_timeout_is_too_short_then_the_timings_are_refused() {
    assertThatThrownBy(
            () ->
                new NodeTimings(
                    Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fence quiet time PT0.5S");
    assertThatThrownBy(
            () ->
                new NodeTimings(
                    Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("join timeout PT0.5S");
  }

  @Test
  void when_a_node_forms_the_cluster_alone_then_only_its_join_timeout_is_zero() {
    NodeTimings alone = TestGrid.TIMINGS.formingAlone();

    assertThat(alone.joinTimeout()).isZero();
    assertThat(alone.fenceQuiet()).isEqualTo(TestGrid.TIMINGS.fenceQuiet());
    assertThat(alone.reclaimGrace()).isEqualTo(TestGrid.TIMINGS.reclaimGrace());
    assertThatThrownBy(
            () ->
                new NodeTimings(
                    Duration.ofSeconds(-1), Duration.ofSeconds(2), Duration.ofSeconds(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("join timeout PT-1S");
  }
}
