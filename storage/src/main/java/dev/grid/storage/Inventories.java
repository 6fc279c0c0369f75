package dev.grid.storage;

import dev.grid.storage.BlobTasks.InventoryEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Splits what the nodes reported into the copies they hold and the tombstones they keep. */
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
}
