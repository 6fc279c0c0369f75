package dev.grid.storage;

import com.hazelcast.map.IMap;
import dev.grid.storage.BlobTasks.InventoryEntry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Splits what the nodes reported into the copies they hold and the tombstones they keep, and tells
 * which keys changed while they were asked.
 */
final class Inventories {
  private Inventories() {}

  /** The copies each node reported, without its tombstones. */
  static Map<String, List<InventoryEntry>> copies(Map<String, List<InventoryEntry>> reported) {
    Map<String, List<InventoryEntry>> copies = new TreeMap<>();
    reported.forEach(
        (node, entries) -> copies.put(node, entries.stream().filter(e -> !e.deleted()).toList()));
    return copies;
  }

  /** The tombstones the nodes keep on disk, by key; the latest delete of a key wins. */
  static Map<String, Tombstone> tombstones(Map<String, List<InventoryEntry>> reported) {
    Map<String, Tombstone> tombstones = new HashMap<>();
    reported
        .values()
        .forEach(
            entries ->
                entries.stream()
                    .filter(InventoryEntry::deleted)
                    .forEach(
                        e ->
                            tombstones.merge(
                                e.blob().key(),
                                new Tombstone(e.blob().sha256(), e.writtenMillis()),
                                Inventories::later)));
    return tombstones;
  }

  static Tombstone later(Tombstone a, Tombstone b) {
    return a.deletedMillis() >= b.deletedMillis() ? a : b;
  }

  /**
   * Keys whose metadata differs between a read before the inventories were taken and one after: a
   * put or a delete ran meanwhile, so the inventories may show the old copies, the new or neither.
   * Such a key is judged on a later pass, not counted lost, stale or unrecorded now.
   */
  static Set<String> changedMeanwhile(Map<String, BlobMeta> before, Map<String, BlobMeta> after) {
    Set<String> changed = new HashSet<>();
    after.forEach(
        (key, now) -> {
          if (!now.equals(before.get(key))) {
            changed.add(key);
          }
        });
    before.keySet().stream().filter(k -> !after.containsKey(k)).forEach(changed::add);
    return changed;
  }

  /** A copy of the whole metadata map, as it is now. */
  static Map<String, BlobMeta> snapshot(IMap<String, BlobMeta> meta) {
    Map<String, BlobMeta> copy = new HashMap<>();
    meta.entrySet().forEach(e -> copy.put(e.getKey(), e.getValue()));
    return copy;
  }
}
