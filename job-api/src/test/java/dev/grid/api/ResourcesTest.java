package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResourcesTest {
  @Test
  void when_a_size_has_a_suffix_then_it_counts_in_powers_of_1024() {
    assertThat(Resources.parseMemory("4G")).isEqualTo(4L << 30);
    assertThat(Resources.parseMemory("512m")).isEqualTo(512L << 20);
    assertThat(Resources.parseMemory("1536K")).isEqualTo(1536L << 10);
    assertThat(Resources.parseMemory("2GiB")).isEqualTo(2L << 30);
    assertThat(Resources.parseMemory("2GB")).isEqualTo(2L << 30);
    assertThat(Resources.parseMemory("1T")).isEqualTo(1L << 40);
    assertThat(Resources.parseMemory("1048576")).isEqualTo(1L << 20);
  }

  @Test
  void when_a_size_is_not_one_then_the_message_names_it() {
    for (String bad : new String[] {"", "G", "-1G", "4X", "1.5G", "four", "99999999999999999999"}) {
      assertThatThrownBy(() -> Resources.parseMemory(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> Resources.parseMemory("2048P")).hasMessageContaining("at most 1P");
  }

  @Test
  void when_sizes_are_formatted_then_they_read_back() {
    for (long bytes : new long[] {4L << 30, 512L << 20, 1536L << 10, 1000, 3L << 40}) {
      assertThat(Resources.parseMemory(Resources.formatMemory(bytes))).isEqualTo(bytes);
    }
    assertThat(Resources.formatMemory(4L << 30)).isEqualTo("4G");
    assertThat(Resources.formatMemory(1536L << 20)).isEqualTo("1536M");
    assertThat(Resources.roughMemory(1536L << 20)).isEqualTo("1.5G");
    assertThat(Resources.roughMemory(25_275_678_720L)).isEqualTo("23.5G");
    assertThat(Resources.roughMemory(512L << 20)).isEqualTo("512M");
  }

  @Test
  void when_values_are_out_of_range_then_they_are_refused_by_name() {
    assertThatThrownBy(() -> new Resources(-1, 0)).hasMessageContaining("cpus -1");
    assertThatThrownBy(() -> new Resources(0, 1000)).hasMessageContaining("memory 1000 bytes");
    assertThat(new Resources(2, 0).fitsIn(2, 0)).isTrue();
    assertThat(new Resources(2, 1L << 30).fitsIn(2, (1L << 30) - 1)).isFalse();
    assertThat(new Resources(3, 0).fitsIn(2, Long.MAX_VALUE)).isFalse();
  }

  @Test
  void when_a_job_reserves_nothing_then_its_scheduling_holds_no_resources() {
    assertThat(JobSpec.command("true").withResources(Resources.NONE).resourcesOrNone())
        .isEqualTo(Resources.NONE);
    assertThat(JobSpec.command("true").withResources(Resources.NONE).scheduling().resources())
        .isNull();
    assertThat(JobSpec.command("true").withResources(new Resources(2, 0)).resourcesOrNone().cpus())
        .isEqualTo(2);
  }
}
