package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobMetaTest {
  static final String SHA = "a".repeat(64);

  @Test
  void when_valid_then_the_replica_list_is_a_copy_and_changes_bump_the_version() {
    List<String> nodes = new ArrayList<>(List.of("n1", "n2"));
    BlobMeta meta = new BlobMeta("out/j1/stdout", 5, SHA, nodes, 1);
    nodes.add("n3");
    assertThat(meta.replicas()).containsExactly("n1", "n2");
    BlobMeta moved = meta.withReplicas(List.of("n2", "n3"), List.of());
    assertThat(moved.version()).isEqualTo(2);
    assertThat(moved.replicas()).containsExactly("n2", "n3");
    assertThat(moved.sha256()).isEqualTo(SHA);
  }

  @Test
  void when_a_node_may_still_hold_a_copy_then_it_is_a_stray_and_never_also_a_replica() {
    BlobMeta meta = new BlobMeta("k", 3, SHA, List.of("n1", "n3"), 4, List.of("n2"));
    assertThat(meta.mayHold()).containsExactly("n1", "n2", "n3");
    assertThat(meta.withReplicas(List.of("n1"), meta.strays()).strays()).containsExactly("n2");
    assertThat(meta.withReplicas(List.of("n1", "n3"), List.of()).mayHold())
        .containsExactly("n1", "n3");
    assertThatThrownBy(() -> new BlobMeta("k", 3, SHA, List.of("n1"), 1, List.of("n1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'n1'")
        .hasMessageContaining("both a replica and a stray");
  }

  @Test
  void when_built_from_a_disk_copy_then_it_is_version_one_and_matches_that_content_only() {
    BlobMeta meta = BlobMeta.first(new StoredBlob("k", 3, SHA), List.of("n1"));
    assertThat(meta.version()).isEqualTo(1);
    assertThat(meta.matches(new StoredBlob("k", 3, SHA))).isTrue();
    assertThat(meta.matches(new StoredBlob("k", 3, "b".repeat(64)))).isFalse();
    assertThat(meta.matches(new StoredBlob("other", 3, SHA))).isFalse();
  }

  @Test
  void when_a_value_is_bad_then_the_message_names_it() {
    assertThatThrownBy(() -> new BlobMeta("/abs", 1, SHA, List.of("n1"), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'/abs'");
    assertThatThrownBy(() -> new BlobMeta("k", -1, SHA, List.of("n1"), 1))
        .hasMessageContaining("size -1");
    assertThatThrownBy(() -> new BlobMeta("k", 1, "ABC", List.of("n1"), 1))
        .hasMessageContaining("'ABC'");
    assertThatThrownBy(() -> new BlobMeta("k", 1, SHA, List.of(), 1))
        .hasMessageContaining("no replica nodes");
    assertThatThrownBy(() -> new BlobMeta("k", 1, SHA, List.of("n1", "n1"), 1))
        .hasMessageContaining("[n1, n1]")
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new BlobMeta("k", 1, SHA, List.of("n1", ""), 1))
        .hasMessageContaining("node name ''");
    assertThatThrownBy(() -> new BlobMeta("k", 1, SHA, List.of("n1"), 0))
        .hasMessageContaining("version 0");
  }
}
