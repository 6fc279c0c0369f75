package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.scheduler.RetentionPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The retention and timing flags of {@code bin/grid-node}. */
class NodeMainTest {
  private static NodeMain parse(String... flags) {
    NodeMain main = new NodeMain();
    String[] args = new String[flags.length + 4];
    args[0] = "--name";
    args[1] = "n1";
    args[2] = "--data-dir";
    args[3] = "/tmp/unused";
    System.arraycopy(flags, 0, args, 4, flags.length);
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void by_default_ended_jobs_are_kept_a_week_and_each_schedule_keeps_100_runs() {
    RetentionPolicy policy = parse().retention();
    assertThat(policy.maxAge()).isEqualTo(Duration.ofDays(7));
    assertThat(policy.keepRuns()).isEqualTo(100);
    assertThat(policy.sweepEvery()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void retention_flags_take_durations_and_forever() {
    RetentionPolicy policy =
        parse("--retain-jobs", "1d12h", "--keep-runs", "5", "--retention-sweep", "30s").retention();
    assertThat(policy.maxAge()).isEqualTo(Duration.ofHours(36));
    assertThat(policy.keepRuns()).isEqualTo(5);
    assertThat(policy.sweepEvery()).isEqualTo(Duration.ofSeconds(30));
    assertThat(parse("--retain-jobs", "forever").retention().expiresByAge()).isFalse();
    assertThat(parse("--retain-jobs", "0").retention().expiresByAge()).isFalse();
    assertThat(parse("--keep-runs", "0").retention().keepRuns()).isZero();
  }

  @Test
  void a_bad_retention_value_is_named_with_what_to_give() {
    assertThatThrownBy(() -> parse("--retain-jobs", "a week"))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("--retain-jobs")
        .hasMessageContaining("'a week'")
        .hasMessageContaining("forever");
    assertThatThrownBy(() -> parse("--keep-runs", "-3").retention())
        .hasMessageContaining("--keep-runs -3")
        .hasMessageContaining("0 (keep every run)");
    assertThatThrownBy(() -> parse("--retention-sweep", "0s").retention())
        .hasMessageContaining("--retention-sweep");
  }

  @Test
  void by_default_a_node_looks_for_the_grid_for_5_seconds_and_a_local_grid_can_say_less() {
    assertThat(parse().timings()).isEqualTo(NodeTimings.DEFAULTS);
    NodeTimings quick = parse("--join-timeout", "1s").timings();
    assertThat(quick.joinTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(quick.fenceQuiet()).isEqualTo(NodeTimings.DEFAULTS.fenceQuiet());
    assertThat(quick.reclaimGrace()).isEqualTo(NodeTimings.DEFAULTS.reclaimGrace());
  }

  @Test
  void a_join_timeout_that_is_not_whole_seconds_is_named_with_what_to_give() {
    assertThatThrownBy(() -> parse("--join-timeout", "500ms").timings())
        .hasMessageContaining("--join-timeout 500ms")
        .hasMessageContaining("give 1s or more");
    assertThatThrownBy(() -> parse("--join-timeout", "1500ms").timings())
        .hasMessageContaining("--join-timeout 1500ms");
  }

  @Test
  void tls_needs_both_the_certificate_and_the_key() throws Exception {
    assertThat(parse().tls()).isNull();
    assertThatThrownBy(() -> parse("--tls-cert", "/tmp/cert.pem").tls())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give both --tls-cert and --tls-key");
    assertThatThrownBy(() -> parse("--tls-key", "/tmp/key.pem").tls())
        .hasMessageContaining("give both --tls-cert and --tls-key");
  }
}
