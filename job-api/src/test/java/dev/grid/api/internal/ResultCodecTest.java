package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultCodecTest {
  record Point(int x, int y) {}

  record Stats(String name, List<Point> points, Map<String, Long> counts) {}

  @Test
  void when_jdk_values_are_encoded_then_they_read_back_equal() {
    for (Object value :
        List.of(
            42L,
            3.25,
            "text",
            List.of(1, 2),
            Map.of("a", 1L),
            new ArrayList<>(List.of("x")),
            new int[0].length,
            Duration.ofSeconds(3))) {
      assertThat(ResultCodec.decode(ResultCodec.encode(value, List.of()), Object.class, List.of()))
          .isEqualTo(value);
    }
    assertThat(ResultCodec.decode(ResultCodec.encode(7L, List.of()), long.class, List.of()))
        .isEqualTo(7L);
  }

  @Test
  void when_a_record_is_declared_then_it_reads_back_typed() {
    Stats stats = new Stats("s", List.of(new Point(1, 2)), Map.of("n", 3L));
    byte[] bytes = ResultCodec.encode(stats, List.of(Stats.class, Point.class));
    assertThat(ResultCodec.decode(bytes, Stats.class, List.of(Point.class))).isEqualTo(stats);
  }

  @Test
  void when_a_class_of_the_value_is_not_declared_then_encoding_names_it() {
    Stats stats = new Stats("s", List.of(new Point(1, 2)), Map.of());
    assertThatThrownBy(() -> ResultCodec.encode(stats, List.of(Stats.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Point.class.getName())
        .hasMessageContaining("resultTypes()");
  }

  @Test
  void when_the_reader_lacks_a_declared_class_then_the_message_names_it() {
    byte[] bytes =
        ResultCodec.encode(
            new Stats("s", List.of(new Point(1, 2)), Map.of()), List.of(Stats.class, Point.class));
    assertThatThrownBy(() -> ResultCodec.decode(bytes, Stats.class, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds a " + Point.class.getName());
  }

  @Test
  void when_the_type_asked_is_wrong_then_the_message_names_the_real_one() {
    byte[] bytes = ResultCodec.encode("text", List.of());
    assertThatThrownBy(() -> ResultCodec.decode(bytes, Long.class, List.of()))
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void when_bytes_are_not_a_result_then_reading_refuses_them() {
    assertThatThrownBy(
            () -> ResultCodec.decode(new byte[] {1, 2, 3, 4, 5}, Object.class, List.of()))
        .hasMessageContaining("not a stored job result");
  }
}
