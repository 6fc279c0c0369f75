package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CappedBufferTest {

  @Test
  void when_writes_exceed_the_cap_then_first_bytes_are_kept_and_the_rest_counted() {
    CappedBuffer buffer = new CappedBuffer(5);
    buffer.write("abc".getBytes(StandardCharsets.US_ASCII), 0, 3);
    buffer.write("defgh".getBytes(StandardCharsets.US_ASCII), 0, 5);
    buffer.write("ij".getBytes(StandardCharsets.US_ASCII), 0, 2);

    assertThat(new String(buffer.content(), StandardCharsets.US_ASCII)).isEqualTo("abcde");
    assertThat(buffer.dropped()).isEqualTo(5);
  }

  @Test
  void when_a_gigabyte_is_written_then_memory_never_exceeds_the_cap() {
    int cap = 100_000;
    CappedBuffer buffer = new CappedBuffer(cap);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 16 * 1024; i++) { // 1 GiB
      buffer.write(chunk, 0, chunk.length);
      assertThat(buffer.allocated()).isLessThanOrEqualTo(cap);
    }
    assertThat(buffer.content()).hasSize(cap);
    assertThat(buffer.dropped()).isEqualTo((1L << 30) - cap);
  }

  @Test
  void when_frozen_then_later_writes_change_nothing() {
    CappedBuffer buffer = new CappedBuffer(10);
    buffer.write(new byte[] {1, 2}, 0, 2);
    buffer.freeze();
    buffer.write(new byte[] {3, 4}, 0, 2);

    assertThat(buffer.content()).containsExactly(1, 2);
    assertThat(buffer.dropped()).isZero();
  }

  @Test
  void when_cap_is_zero_then_everything_is_dropped() {
    CappedBuffer buffer = new CappedBuffer(0);
    buffer.write(new byte[] {1, 2, 3}, 0, 3);

    assertThat(buffer.content()).isEmpty();
    assertThat(buffer.dropped()).isEqualTo(3);
  }
}
