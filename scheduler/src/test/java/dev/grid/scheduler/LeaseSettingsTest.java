package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseSettingsTest {
  private static final Path DATA = Path.of("data");

  @Test
  void when_self_is_not_a_voter_then_the_settings_are_refused_naming_it() {
    assertThatThrownBy(
            () -> new LeaseSettings("127.0.0.1:9", List.of("127.0.0.1:1", "127.0.0.1:2"), DATA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'127.0.0.1:9'")
        .hasMessageContaining("--members");
  }

  @Test
  void when_self_is_listed_as_localhost_then_it_is_found_among_the_voters() {
    LeaseSettings settings =
        new LeaseSettings(
            "127.0.0.1:2", List.of("localhost:2", "localhost:1", "localhost:3"), DATA);
    assertThat(settings.sortedVoters())
        .containsExactly("localhost:1", "localhost:2", "localhost:3");
    assertThat(settings.selfIndex()).isEqualTo(1);
  }

  @Test
  void when_there_are_no_voters_then_the_node_votes_alone() {
    LeaseSettings settings = new LeaseSettings("127.0.0.1:5", List.of(), DATA);
    assertThat(settings.sortedVoters()).containsExactly("127.0.0.1:5");
    assertThat(settings.selfIndex()).isZero();
    assertThat(settings.leaseTime()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void when_an_address_or_lease_time_is_bad_then_the_message_says_what_to_use() {
    assertThatThrownBy(() -> new LeaseSettings("nohost", List.of(), DATA))
        .hasMessageContaining("'nohost' is not host:port");
    assertThatThrownBy(() -> new LeaseSettings("h:1", List.of("h:1", "h:1"), DATA))
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> new LeaseSettings("h:1", List.of(), DATA, Duration.ofMillis(10)))
        .hasMessageContaining("at least 100 ms");
  }
}
