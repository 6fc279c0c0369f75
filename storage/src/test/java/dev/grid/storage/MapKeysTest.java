package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MapKeysTest {
  @Test
  void when_a_key_is_already_a_clean_segment_then_it_is_kept_readable() {
    assertThat(MapKeys.escape("cron.nightly.1700000000000"))
        .isEqualTo("cron.nightly.1700000000000");
    assertThat(MapKeys.escape("j0mf3k2x9a-04f2k1qz")).isEqualTo("j0mf3k2x9a-04f2k1qz");
  }

  @Test
  void when_a_key_has_other_characters_then_they_are_escaped_per_utf8_byte() {
    assertThat(MapKeys.escape("daily@17")).isEqualTo("daily_4017");
    assertThat(MapKeys.escape("a_b")).isEqualTo("a_5Fb");
    assertThat(MapKeys.escape("x/y")).isEqualTo("x_2Fy");
    assertThat(MapKeys.escape("..")).isEqualTo("_2E_2E");
    assertThat(MapKeys.escape("a..b")).isEqualTo("a._2Eb");
    assertThat(MapKeys.escape("ü")).isEqualTo("_C3_BC");
  }

  @Test
  void when_every_awkward_key_is_escaped_then_it_is_a_valid_blob_key_that_unescapes_to_itself() {
    for (String key : BlobMapStoreContract.AWKWARD_KEYS) {
      String segment = MapKeys.escape(key);
      BlobStore.checkKey("state/x/" + segment);
      assertThat(segment).doesNotContain("/").doesNotContain("..");
      assertThat(MapKeys.unescape(segment)).isEqualTo(key);
    }
  }

  @Test
  void when_a_key_is_empty_or_a_segment_is_not_an_escape_then_it_is_refused() {
    assertThatThrownBy(() -> MapKeys.escape("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MapKeys.unescape("abc_4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abc_4");
    assertThatThrownBy(() -> MapKeys.unescape("abc_zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("abc_zz");
  }
}
