package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void reads_units_combinations_and_iso() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse(" 1H30m ")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("1d12h")).isEqualTo(Duration.ofHours(36));
    assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void names_the_bad_text_and_the_forms_accepted() {
    for (String bad :
        new String[] {
          "", "5", "5 minutes", "1h-5m", "P", "99999999999999999999s", "999999999999999d"
        }) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("use 500ms, 30s");
    }
  }
}
