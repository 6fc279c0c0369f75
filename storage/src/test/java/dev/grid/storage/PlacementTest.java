package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");
  private static final int KEYS = 10_000;

  @Test
  void when_asked_twice_or_with_nodes_in_another_order_then_the_answer_is_the_same() {
    for (int i = 0; i < 200; i++) {
      String key = "out/j" + i + "/0/stdout";
      List<String> first = Placement.replicas(key, FIVE, 3);
      assertThat(Placement.replicas(key, FIVE, 3)).isEqualTo(first);
      assertThat(Placement.replicas(key, List.of("n5", "n3", "n1", "n4", "n2"), 3))
          .isEqualTo(first);
      assertThat(first).hasSize(3).doesNotHaveDuplicates();
    }
  }

  @Test
  void when_computed_then_the_order_is_the_fixed_sha256_one_any_jvm_or_language_gets() {
    // Pinned from an independent computation (Python hashlib): sha256(int32 BE key length, key,
    // node), first 8 bytes as an unsigned big-endian weight, heaviest first. A change here would
    // move the blobs of a running grid.
    assertThat(Placement.replicas("out/j1/0/stdout", FIVE, 5))
        .containsExactly("n5", "n1", "n4", "n2", "n3");
    assertThat(Placement.replicas("res/42", FIVE, 5)).containsExactly("n2", "n3", "n5", "n1", "n4");
  }

  @Test
  void when_10000_keys_go_to_5_nodes_with_r2_then_each_node_holds_its_share_within_10_percent() {
    Map<String, Integer> held = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      for (String node : Placement.replicas("res/" + i, FIVE, 2)) {
        held.merge(node, 1, Integer::sum);
      }
    }
    double mean = KEYS * 2.0 / FIVE.size();
    assertThat(held).hasSize(5);
    assertThat(held.values())
        .allSatisfy(count -> assertThat((double) count).isBetween(mean * 0.9, mean * 1.1));
  }

  @Test
  void when_a_node_is_removed_then_only_keys_it_held_move() {
    List<String> four = List.of("n1", "n2", "n4", "n5");
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      String key = "res/" + i;
      List<String> before = Placement.replicas(key, FIVE, 2);
      List<String> after = Placement.replicas(key, four, 2);
      if (before.contains("n3")) {
        moved++;
        Set<String> kept = new HashSet<>(before);
        kept.remove("n3");
        assertThat(after).containsAll(kept).doesNotContain("n3");
      } else {
        assertThat(after).as("key %s did not have n3", key).isEqualTo(before);
      }
    }
    assertThat(moved).isBetween((int) (KEYS * 0.35), (int) (KEYS * 0.45));
  }

  @Test
  void when_a_node_is_added_then_about_1_in_n_keys_move_and_only_to_it() {
    List<String> six = new ArrayList<>(FIVE);
    six.add("n6");
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      String key = "res/" + i;
      List<String> before = Placement.replicas(key, FIVE, 1);
      List<String> after = Placement.replicas(key, six, 1);
      if (!after.equals(before)) {
        moved++;
        assertThat(after).containsExactly("n6");
      }
    }
    assertThat(moved).isBetween((int) (KEYS / 6.0 * 0.85), (int) (KEYS / 6.0 * 1.15));
  }

  @Test
  void when_a_node_is_added_with_r2_then_a_changed_key_swaps_exactly_one_node_for_it() {
    List<String> six = new ArrayList<>(FIVE);
    six.add("n6");
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      String key = "res/" + i;
      Set<String> before = new HashSet<>(Placement.replicas(key, FIVE, 2));
      Set<String> after = new HashSet<>(Placement.replicas(key, six, 2));
      if (!after.equals(before)) {
        moved++;
        assertThat(after).contains("n6");
        after.retainAll(before);
        assertThat(after).hasSize(1);
      }
    }
    assertThat(moved).isBetween((int) (KEYS * 2 / 6.0 * 0.9), (int) (KEYS * 2 / 6.0 * 1.1));
  }

  @Test
  void when_r_exceeds_the_nodes_then_every_node_is_chosen_once() {
    assertThat(Placement.replicas("k", List.of("a", "b", "b"), 5))
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void when_there_are_no_nodes_then_no_replicas() {
    assertThat(Placement.replicas("k", List.of(), 2)).isEmpty();
  }

  @Test
  void when_r_is_below_one_then_it_is_refused_by_name() {
    assertThatThrownBy(() -> Placement.replicas("k", FIVE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("r=0");
    assertThatThrownBy(() -> Placement.replicas("k", FIVE, -3)).hasMessageContaining("r=-3");
  }

  @Test
  void when_a_node_name_is_blank_then_it_is_refused() {
    assertThatThrownBy(() -> Placement.replicas("k", List.of("a", " "), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node name ' '");
  }

  @Test
  void default_replication_is_two_copies_or_as_many_nodes_as_there_are() {
    assertThat(Placement.defaultReplication(0)).isZero();
    assertThat(Placement.defaultReplication(1)).isEqualTo(1);
    assertThat(Placement.defaultReplication(2)).isEqualTo(2);
    assertThat(Placement.defaultReplication(7)).isEqualTo(2);
    assertThatThrownBy(() -> Placement.defaultReplication(-1)).hasMessageContaining("-1");
  }
}
