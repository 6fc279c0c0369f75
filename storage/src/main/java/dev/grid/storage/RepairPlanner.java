package dev.grid.storage;

import dev.grid.storage.Plan.Action;
import dev.grid.storage.Plan.Copy;
import dev.grid.storage.Plan.Drop;
import dev.grid.storage.Plan.Lost;
import dev.grid.storage.Plan.Record;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides how to bring the replicated store back to r good copies of every blob, from a snapshot of
 * the metadata map and of what each live node's disk holds. Pure: no cluster, no disk, no clock;
 * the same snapshot always gives the same {@link Plan}.
 *
 * <p>The nodes taken part are the live nodes that reported an inventory (an empty disk reports an
 * empty list); a node that reported but is not live is ignored, and a live node that has not
 * reported yet is neither a source nor a target. Per key, with the nodes ranked by {@link
 * Placement}:
 *
 * <ol>
 *   <li>No metadata: it is rebuilt from the copies. If they disagree on the SHA-256, the one more
 *       nodes hold wins; on a tie, the one on the node Placement ranks first. Then as below.
 *   <li>A copy is good when its SHA-256 matches the metadata; one that does not is stale and is
 *       dropped.
 *   <li>Fewer than r good copies: copy from the best-ranked good holder to the best-ranked nodes
 *       that lack a good copy (a stale holder among them gets the good one), until r exist or every
 *       node has one.
 *   <li>More than r good copies: the ones on the nodes ranked lowest are dropped, keeping r. So a
 *       copy is dropped only when r good copies are already on disk, and never below r.
 *   <li>The replica list is recorded as it will be once the copies and drops are done, when it
 *       differs as a set from the recorded one (version + 1), or when the entry was rebuilt
 *       (version 1). An order that differs alone is not worth a write. So are the strays: the nodes
 *       named before (as replicas or strays) that did not report, since away they keep whatever
 *       they held; a node that reports is a stray no more, as the plan sees its copy.
 *   <li>Metadata and no good copy on any live node: {@link Lost}. Nothing is deleted, neither the
 *       metadata nor copies with another SHA-256, since a node with a good copy may come back.
 * </ol>
 *
 * <p>Healthy blobs are not moved towards their Placement ranking; copies are made only where a blob
 * lacks them. That keeps the plan idempotent: once its actions are done, planning again gives no
 * copy, drop or record. The work is linear in the number of copies reported.
 *
 * <p>The snapshot must leave out keys a put or delete is busy with: a put's new copies look stale
 * against the old metadata, and copies a delete has not reached yet would have their metadata
 * rebuilt once the delete removed it.
 */
public final class RepairPlanner {
  private RepairPlanner() {}

  /**
   * Plans the repair.
   *
   * @param metadata the metadata map's entries, by key
   * @param inventories what each node's disk holds, by node name
   * @param liveNodes the nodes now in the cluster
   * @param r the replication factor, at least 1
   * @throws IllegalArgumentException if r is below 1, a metadata entry sits under another key, or
   *     an inventory lists a key twice
   */
  public static Plan plan(
      Map<String, BlobMeta> metadata,
      Map<String, List<StoredBlob>> inventories,
      Set<String> liveNodes,
      int r) {
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(inventories, "inventories");
    Objects.requireNonNull(liveNodes, "liveNodes");
    if (r < 1) {
      throw new IllegalArgumentException(
          "replication factor r=" + r + " is not valid: a blob needs at least 1 copy");
    }
    Set<String> nodes = new TreeSet<>();
    for (String node : liveNodes) {
      if (inventories.containsKey(Placement.checkNode(node))) {
        nodes.add(node);
      }
    }
    Map<String, Map<String, StoredBlob>> copies = copiesByKey(inventories, nodes);
    TreeSet<String> keys = new TreeSet<>(copies.keySet());
    metadata.forEach(
        (key, meta) -> {
          if (!meta.key().equals(key)) {
            throw new IllegalArgumentException(
                "metadata for blob '" + meta.key() + "' is filed under key '" + key + "'");
          }
          keys.add(key);
        });
    List<Action> actions = new ArrayList<>();
    for (String key : keys) {
      Map<String, StoredBlob> held = copies.getOrDefault(key, Map.of());
      List<String> ranking =
          nodes.isEmpty() ? List.of() : Placement.replicas(key, nodes, nodes.size());
      planKey(key, metadata.get(key), held, ranking, nodes, r, actions);
    }
    return new Plan(actions);
  }

  private static Map<String, Map<String, StoredBlob>> copiesByKey(
      Map<String, List<StoredBlob>> inventories, Set<String> nodes) {
    Map<String, Map<String, StoredBlob>> copies = new HashMap<>();
    for (String node : nodes) {
      for (StoredBlob blob : inventories.get(node)) {
        StoredBlob before =
            copies.computeIfAbsent(blob.key(), k -> new HashMap<>(4)).put(node, blob);
        if (before != null) {
          throw new IllegalArgumentException(
              "the inventory of node '"
                  + node
                  + "' lists blob '"
                  + blob.key()
                  + "' twice: report each key once");
        }
      }
    }
    return copies;
  }

  private static void planKey(
      String key,
      BlobMeta recorded,
      Map<String, StoredBlob> held,
      List<String> ranking,
      Set<String> reporting,
      int r,
      List<Action> actions) {
    BlobMeta meta = recorded != null ? recorded : rebuilt(held, ranking);
    List<String> good = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (String node : ranking) {
      StoredBlob copy = held.get(node);
      if (copy != null) {
        (meta.matches(copy) ? good : stale).add(node);
      }
    }
    if (good.isEmpty()) {
      actions.add(new Lost(key, lostReason(meta, stale)));
      return;
    }
    for (String node : stale) {
      actions.add(new Drop(key, node, held.get(node).sha256()));
    }
    Set<String> keep = new HashSet<>(good);
    if (good.size() < r) {
      for (String node : ranking) {
        if (keep.size() >= r) {
          break;
        }
        if (keep.add(node)) {
          actions.add(new Copy(key, meta.sha256(), good.get(0), node));
        }
      }
    } else {
      for (String node : good.subList(r, good.size())) {
        keep.remove(node);
        actions.add(new Drop(key, node, meta.sha256()));
      }
    }
    List<String> replicas = ranking.stream().filter(keep::contains).toList();
    if (recorded == null) {
      actions.add(new Record(new BlobMeta(key, meta.size(), meta.sha256(), replicas, 1)));
      return;
    }
    Set<String> strays = new TreeSet<>(recorded.mayHold());
    strays.removeAll(reporting);
    if (!new HashSet<>(recorded.replicas()).equals(keep)
        || !new HashSet<>(recorded.strays()).equals(strays)) {
      actions.add(new Record(recorded.withReplicas(replicas, strays)));
    }
  }

  /** The content more nodes hold; on a tie, the one on the node ranked first. */
  private static BlobMeta rebuilt(Map<String, StoredBlob> held, List<String> ranking) {
    Map<String, Integer> holders = new HashMap<>();
    held.values().forEach(copy -> holders.merge(copy.sha256(), 1, Integer::sum));
    String bestNode = null;
    for (String node : ranking) {
      StoredBlob copy = held.get(node);
      if (copy != null
          && (bestNode == null
              || holders.get(copy.sha256()) > holders.get(held.get(bestNode).sha256()))) {
        bestNode = node;
      }
    }
    // A key comes from the copies of the nodes ranked, so one is always found.
    Objects.requireNonNull(bestNode, "a node holding a copy");
    return BlobMeta.first(held.get(bestNode), List.of(bestNode));
  }

  private static String lostReason(BlobMeta meta, Collection<String> stale) {
    String reason =
        "no live node holds a copy with SHA-256 "
            + meta.sha256()
            + "; the metadata names "
            + meta.replicas()
            + " (version "
            + meta.version()
            + ")";
    if (!stale.isEmpty()) {
      reason += "; copies with another SHA-256 on " + stale + " are kept";
    }
    return reason
        + "; nothing is deleted: the metadata stays, since a node holding a good copy"
        + " may come back";
  }
}
