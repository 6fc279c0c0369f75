package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.storage.Plan.Copy;
import dev.grid.storage.Plan.Drop;
import dev.grid.storage.Plan.Record;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The repair rules one by one, each on a small cluster of named nodes. */
class RepairPlannerTest {
  static final String GOOD = "a".repeat(64);
  static final String OTHER = "b".repeat(64);
  static final Set<String> THREE = Set.of("n1", "n2", "n3");

  static StoredBlob copy(String key, String sha) {
    return new StoredBlob(key, sha.equals(GOOD) ? 10 : 7, sha);
  }

  static List<String> ranking(String key, Set<String> nodes) {
    return Placement.replicas(key, nodes, nodes.size());
  }

  @Test
  void when_metadata_is_missing_then_it_is_rebuilt_from_the_copies_in_placement_order() {
    RepairSimulator sim =
        new RepairSimulator().disk("n1", copy("k", GOOD)).disk("n2", copy("k", GOOD)).disk("n3");
    Plan plan = sim.repair(THREE, 2);

    List<String> expected = ranking("k", THREE).stream().filter(n -> !n.equals("n3")).toList();
    assertThat(plan.actions())
        .containsExactly(new Record(new BlobMeta("k", 10, GOOD, expected, 1)));
  }

  @Test
  void when_rebuilt_copies_disagree_then_the_content_more_nodes_hold_wins_and_the_other_drops() {
    RepairSimulator sim =
        new RepairSimulator()
            .disk("n1", copy("k", OTHER))
            .disk("n2", copy("k", GOOD))
            .disk("n3", copy("k", GOOD));
    Plan plan = sim.repair(THREE, 2);

    assertThat(plan.drops()).containsExactly(new Drop("k", "n1", OTHER));
    assertThat(plan.copies()).isEmpty();
    assertThat(sim.metadata.get("k").sha256()).isEqualTo(GOOD);
    assertThat(sim.metadata.get("k").replicas()).containsExactlyInAnyOrder("n2", "n3");
  }

  @Test
  void when_rebuilt_copies_tie_then_the_content_on_the_first_ranked_node_wins() {
    Set<String> two = Set.of("n1", "n2");
    for (int i = 0; i < 20; i++) {
      String key = "tie/" + i;
      List<String> ranking = ranking(key, two);
      RepairSimulator sim =
          new RepairSimulator()
              .disk(ranking.get(0), copy(key, GOOD))
              .disk(ranking.get(1), copy(key, OTHER));
      Plan plan = sim.repair(two, 2);

      assertThat(sim.metadata.get(key).sha256()).isEqualTo(GOOD);
      assertThat(plan.drops()).containsExactly(new Drop(key, ranking.get(1), OTHER));
      assertThat(plan.copies())
          .containsExactly(new Copy(key, GOOD, ranking.get(0), ranking.get(1)));
    }
  }

  @Test
  void when_a_recorded_replica_is_not_live_then_a_survivor_copies_to_the_next_ranked_node() {
    Set<String> live = Set.of("n1", "n3", "n4");
    BlobMeta meta = new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 4);
    RepairSimulator sim =
        new RepairSimulator()
            .meta(meta)
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", GOOD))
            .disk("n3")
            .disk("n4");
    Plan plan = sim.repair(live, 2);

    String target = ranking("k", live).stream().filter(n -> !n.equals("n1")).findFirst().get();
    assertThat(plan.copies()).containsExactly(new Copy("k", GOOD, "n1", target));
    assertThat(plan.records()).hasSize(1);
    BlobMeta now = plan.records().get(0).meta();
    assertThat(now.version()).isEqualTo(5);
    assertThat(now.replicas()).containsExactlyInAnyOrder("n1", target);
    assertThat(now.strays()).as("n2 is away with its copy").containsExactly("n2");
    assertThat(plan.drops()).isEmpty();
  }

  @Test
  void when_a_stray_reports_again_then_its_copy_is_dropped_and_it_is_a_stray_no_more() {
    Set<String> three = Set.of("n1", "n3", "n2");
    BlobMeta meta = new BlobMeta("k", 10, GOOD, List.of("n1", "n3"), 5, List.of("n2"));
    RepairSimulator sim =
        new RepairSimulator()
            .meta(meta)
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", GOOD))
            .disk("n3", copy("k", GOOD));

    Plan plan = sim.repair(three, 2);

    String lowest = ranking("k", three).get(2);
    assertThat(plan.drops()).containsExactly(new Drop("k", lowest, GOOD));
    BlobMeta now = plan.records().get(0).meta();
    assertThat(now.strays()).isEmpty();
    assertThat(now.replicas()).hasSize(2).doesNotContain(lowest);
  }

  @Test
  void when_a_stray_stays_away_then_planning_again_writes_nothing() {
    BlobMeta meta = new BlobMeta("k", 10, GOOD, List.of("n1", "n3"), 5, List.of("n2"));
    RepairSimulator sim =
        new RepairSimulator().meta(meta).disk("n1", copy("k", GOOD)).disk("n3", copy("k", GOOD));

    assertThat(sim.repair(Set.of("n1", "n3"), 2).changesNothing()).isTrue();
    assertThat(sim.metadata.get("k").strays()).containsExactly("n2");
  }

  @Test
  void when_a_live_recorded_replica_lacks_the_blob_then_it_is_copied_again() {
    Set<String> two = Set.of("n1", "n2");
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 1))
            .disk("n1", copy("k", GOOD))
            .disk("n2");
    Plan plan = sim.repair(two, 2);

    assertThat(plan.actions()).containsExactly(new Copy("k", GOOD, "n1", "n2"));
  }

  @Test
  void when_there_are_more_good_copies_than_r_then_the_lowest_ranked_drop_and_r_stay() {
    Set<String> four = Set.of("n1", "n2", "n3", "n4");
    RepairSimulator sim =
        new RepairSimulator().meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 1));
    four.forEach(n -> sim.disk(n, copy("k", GOOD)));
    Plan plan = sim.repair(four, 2);

    List<String> ranking = ranking("k", four);
    assertThat(plan.copies()).isEmpty();
    assertThat(plan.drops())
        .containsExactlyInAnyOrder(
            new Drop("k", ranking.get(2), GOOD), new Drop("k", ranking.get(3), GOOD));
    assertThat(sim.metadata.get("k").replicas()).containsExactly(ranking.get(0), ranking.get(1));
  }

  @Test
  void when_good_copies_are_fewer_than_r_then_nothing_good_is_dropped() {
    Set<String> three = THREE;
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1"), 1))
            .disk("n1", copy("k", GOOD))
            .disk("n2")
            .disk("n3");
    Plan plan = sim.repair(three, 3);

    assertThat(plan.drops()).isEmpty();
    assertThat(plan.copies()).extracting(Copy::to).containsExactlyInAnyOrder("n2", "n3");
  }

  @Test
  void when_a_copy_has_the_wrong_checksum_then_it_is_dropped_and_a_good_one_copied_there() {
    Set<String> two = Set.of("n1", "n2");
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 1))
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", OTHER));
    Plan plan = sim.repair(two, 2);

    assertThat(plan.actions())
        .containsExactly(new Drop("k", "n2", OTHER), new Copy("k", GOOD, "n1", "n2"));
    assertThat(sim.disks.get("n2").get("k").sha256()).isEqualTo(GOOD);
  }

  @Test
  void when_a_stale_copy_is_on_a_node_not_needed_then_it_is_only_dropped() {
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 1))
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", GOOD))
            .disk("n3", copy("k", OTHER));
    Plan plan = sim.repair(THREE, 2);

    assertThat(plan.actions()).containsExactly(new Drop("k", "n3", OTHER));
  }

  @Test
  void when_no_live_node_holds_a_good_copy_then_it_is_lost_and_nothing_is_deleted() {
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 3))
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", GOOD))
            .disk("n3", copy("k", OTHER));
    Plan plan = sim.repair(Set.of("n3"), 2);

    assertThat(plan.actions())
        .singleElement()
        .isInstanceOfSatisfying(
            Plan.Lost.class,
            lost -> {
              assertThat(lost.key()).isEqualTo("k");
              assertThat(lost.reason())
                  .contains(GOOD, "[n1, n2]", "[n3] are kept", "may come back");
            });
    assertThat(sim.metadata.get("k").version()).isEqualTo(3);
    assertThat(sim.disks.get("n3")).containsKey("k");
  }

  @Test
  void when_a_node_that_reported_is_not_live_then_its_copies_are_ignored() {
    RepairSimulator sim =
        new RepairSimulator()
            .disk("gone", copy("only-there", GOOD), copy("k", GOOD))
            .disk("n1", copy("k", GOOD))
            .disk("n2");
    Plan plan = sim.repair(Set.of("n1", "n2"), 2);

    assertThat(plan.actions()).extracting(Plan.Action::key).containsOnly("k");
    assertThat(plan.copies()).containsExactly(new Copy("k", GOOD, "n1", "n2"));
  }

  @Test
  void when_a_live_node_has_not_reported_then_it_is_neither_source_nor_target() {
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, List.of("n1", "n2"), 1))
            .disk("n1", copy("k", GOOD));
    Plan plan = sim.repair(Set.of("n1", "n2"), 2);

    assertThat(plan.actions())
        .as("n2 may still hold its copy: a stray")
        .containsExactly(new Record(new BlobMeta("k", 10, GOOD, List.of("n1"), 2, List.of("n2"))));
  }

  @Test
  void when_only_the_order_of_the_recorded_replicas_differs_then_nothing_is_written() {
    Set<String> two = Set.of("n1", "n2");
    List<String> backwards = new ArrayList<>(ranking("k", two));
    Collections.reverse(backwards);
    RepairSimulator sim =
        new RepairSimulator()
            .meta(new BlobMeta("k", 10, GOOD, backwards, 1))
            .disk("n1", copy("k", GOOD))
            .disk("n2", copy("k", GOOD));

    assertThat(sim.plan(two, 2).actions()).isEmpty();
  }

  @Test
  void when_the_input_is_malformed_then_it_is_refused_by_name() {
    assertThatThrownBy(() -> RepairPlanner.plan(Map.of(), Map.of(), THREE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("r=0");
    BlobMeta meta = new BlobMeta("k", 10, GOOD, List.of("n1"), 1);
    assertThatThrownBy(() -> RepairPlanner.plan(Map.of("j", meta), Map.of(), THREE, 2))
        .hasMessageContaining("'k'")
        .hasMessageContaining("'j'");
    Map<String, List<StoredBlob>> twice = Map.of("n1", List.of(copy("k", GOOD), copy("k", GOOD)));
    assertThatThrownBy(() -> RepairPlanner.plan(Map.of(), twice, THREE, 2))
        .hasMessageContaining("'n1'")
        .hasMessageContaining("'k' twice");
  }
}
