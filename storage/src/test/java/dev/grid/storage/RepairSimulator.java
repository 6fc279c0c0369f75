package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.storage.Plan.Action;
import dev.grid.storage.Plan.Copy;
import dev.grid.storage.Plan.Drop;
import dev.grid.storage.Plan.Lost;
import dev.grid.storage.Plan.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Nodes' disks and the metadata map in memory, carrying out plans as the store would: a copy only
 * from a node holding the content, a drop only of the copy named, a record only over the version
 * before. Checks after each action that no blob falls below the good copies it had or r.
 */
final class RepairSimulator {
  final Map<String, BlobMeta> metadata = new TreeMap<>();
  final Map<String, Map<String, StoredBlob>> disks = new TreeMap<>();

  RepairSimulator disk(String node, StoredBlob... blobs) {
    Map<String, StoredBlob> disk = disks.computeIfAbsent(node, n -> new TreeMap<>());
    for (StoredBlob blob : blobs) {
      disk.put(blob.key(), blob);
    }
    return this;
  }

  RepairSimulator meta(BlobMeta meta) {
    metadata.put(meta.key(), meta);
    return this;
  }

  Map<String, List<StoredBlob>> inventories() {
    Map<String, List<StoredBlob>> inventories = new HashMap<>();
    disks.forEach((node, disk) -> inventories.put(node, new ArrayList<>(disk.values())));
    return inventories;
  }

  Plan plan(Set<String> live, int r) {
    return RepairPlanner.plan(Map.copyOf(metadata), inventories(), live, r);
  }

  void apply(List<Action> actions, Set<String> live, int r) {
    for (Action action : actions) {
      int before = goodCount(action.key(), live);
      apply(action);
      assertThat(goodCount(action.key(), live))
          .as("good copies of %s after %s", action.key(), action)
          .isGreaterThanOrEqualTo(Math.min(r, before));
    }
  }

  /** Good copies of the key on live disks; 0 for a key without metadata. */
  int goodCount(String key, Set<String> live) {
    BlobMeta meta = metadata.get(key);
    int count = 0;
    for (String node : live) {
      StoredBlob copy = disks.getOrDefault(node, Map.of()).get(key);
      if (meta != null && copy != null && meta.matches(copy)) {
        count++;
      }
    }
    return count;
  }

  private void apply(Action action) {
    if (action instanceof Copy copy) {
      StoredBlob source = disks.get(copy.from()).get(copy.key());
      assertThat(source).as("source of %s", copy).isNotNull();
      assertThat(source.sha256()).as("content of source of %s", copy).isEqualTo(copy.sha256());
      disks.computeIfAbsent(copy.to(), n -> new TreeMap<>()).put(copy.key(), source);
    } else if (action instanceof Drop drop) {
      Map<String, StoredBlob> disk = disks.get(drop.node());
      StoredBlob there = disk == null ? null : disk.get(drop.key());
      if (there != null && there.sha256().equals(drop.sha256())) {
        disk.remove(drop.key());
      }
    } else if (action instanceof Record record) {
      BlobMeta meta = record.meta();
      BlobMeta current = metadata.get(meta.key());
      assertThat(meta.version())
          .as("version of %s over %s", meta, current)
          .isEqualTo(current == null ? 1 : current.version() + 1);
      metadata.put(meta.key(), meta);
    } else {
      assertThat(action).isInstanceOf(Lost.class);
    }
  }

  /** Good copies per key on live disks, for keys with metadata. */
  Map<String, Integer> goodCounts(Set<String> live) {
    Map<String, Integer> counts = new HashMap<>();
    metadata.keySet().forEach(key -> counts.put(key, goodCount(key, live)));
    return counts;
  }

  /** Plans, applies, plans again: the second plan must change nothing. Returns the first. */
  Plan repair(Set<String> live, int r) {
    Plan plan = plan(live, r);
    apply(plan.actions(), live, r);
    Plan again = plan(live, r);
    assertThat(again.changesNothing()).as("plan after %s: %s", plan, again).isTrue();
    assertThat(again.lost()).isEqualTo(plan.lost());
    return plan;
  }
}
