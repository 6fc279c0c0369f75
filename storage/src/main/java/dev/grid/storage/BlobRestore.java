package dev.grid.storage;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.storage.BlobTasks.InventoryEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the metadata map from the nodes' disks when the cluster starts (a full restart begins
 * with an empty map), and says when that is done.
 *
 * <p>Until the expected nodes have reported (or the restore wait is over), repair does nothing but
 * ask: a pass that acted on the disks of the first node up would take that node's copies, perhaps
 * older ones from before it was away, for the truth, and drop the newer copies the others bring.
 * Then, for every key the disks hold and the map does not know, one content is recorded: the one
 * written last; on a tie, the one most nodes hold; then the one on the node {@link Placement} ranks
 * first. Only its holders are named; the copies a blob still lacks are made by the repair pass that
 * follows, so records (and the grid's loading of its state) do not wait for copies. A key a put has
 * recorded meanwhile keeps the put's entry (putIfAbsent).
 */
final class BlobRestore {
  private static final Logger LOG = LoggerFactory.getLogger(BlobRestore.class);
  private static final String RESTORED = "restored";
  private static final String FORMED = "formed-at";
  private static final int IN_FLIGHT = 256;

  private final IMap<String, BlobMeta> meta;
  private final IMap<String, Object> state;
  private final ReplicationSettings settings;
  private final Clock clock;
  private final long startedMillis;
  private volatile boolean restored;

  BlobRestore(HazelcastInstance hz, ReplicationSettings settings, Clock clock) {
    this.meta = hz.getMap(ReplicatedBlobStore.META_MAP);
    this.state = hz.getMap(ReplicatedBlobStore.STATE_MAP);
    this.settings = settings;
    this.clock = clock;
    this.startedMillis = clock.millis();
  }

  /** Notes when the cluster formed, if no member has yet. */
  void start() {
    state.putIfAbsent(FORMED, clock.millis());
  }

  /** When the cluster formed (a copy written before cannot belong to a put in flight). */
  long formedMillis() {
    return state.get(FORMED) instanceof Long millis ? millis : 0;
  }

  boolean restored() {
    if (!restored && Boolean.TRUE.equals(state.get(RESTORED))) {
      restored = true;
    }
    return restored;
  }

  boolean awaitRestored(Duration timeout, BooleanSupplier closed) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!restored()) {
      if (System.nanoTime() - deadline > 0 || closed.getAsBoolean()) {
        return false;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Whether enough nodes have reported to restore from them. */
  boolean ready(int reportedNodes) {
    return reportedNodes >= settings.expectedNodes()
        || clock.millis() - startedMillis >= settings.restoreWait().toMillis();
  }

  /**
   * Records the metadata of every key the disks hold and the map does not, then marks the store
   * restored.
   *
   * @param reported each node's inventory
   * @param live the nodes now in the cluster
   * @param skip keys a put or delete is busy with
   * @param deleted the tombstones the nodes keep: a key whose chosen content one covers stays
   *     deleted (the repair pass drops its copies)
   */
  void restore(
      Map<String, List<InventoryEntry>> reported,
      Set<String> live,
      Set<String> skip,
      Map<String, Tombstone> deleted) {
    Map<String, Map<String, InventoryEntry>> copies = new TreeMap<>();
    reported.forEach(
        (node, entries) ->
            entries.forEach(
                entry ->
                    copies
                        .computeIfAbsent(entry.blob().key(), k -> new HashMap<>())
                        .put(node, entry)));
    Set<String> known = new HashSet<>(meta.keySet());
    ArrayDeque<CompletionStage<Boolean>> window = new ArrayDeque<>();
    int recorded = 0;
    for (Map.Entry<String, Map<String, InventoryEntry>> key : copies.entrySet()) {
      if (skip.contains(key.getKey()) || known.contains(key.getKey())) {
        continue;
      }
      BlobMeta chosen = choose(key.getKey(), key.getValue(), live);
      Tombstone tombstone = deleted.get(key.getKey());
      if (tombstone != null
          && key.getValue().values().stream()
              .filter(c -> c.blob().sha256().equals(chosen.sha256()))
              .allMatch(c -> tombstone.covers(c.blob().sha256(), c.writtenMillis()))) {
        continue;
      }
      window.add(meta.submitToKey(chosen.key(), new MetaUpdates.RecordIfAbsent(chosen)));
      recorded++;
      if (window.size() >= IN_FLIGHT) {
        window.poll().toCompletableFuture().join();
      }
    }
    window.forEach(f -> f.toCompletableFuture().join());
    state.set(RESTORED, true);
    restored = true;
    if (reported.size() < settings.expectedNodes()) {
      LOG.warn(
          "blob metadata restored from {} of {} expected nodes after waiting {} ({} blobs);"
              + " blobs only the others hold come back when they join",
          reported.size(),
          settings.expectedNodes(),
          settings.restoreWait(),
          recorded);
    } else {
      LOG.info(
          "blob metadata restored from the disks of {} nodes ({} blobs)",
          reported.size(),
          recorded);
    }
  }

  /**
   * The content to record: the one written last, then the one most nodes hold, then the one ranked
   * first. Written last, not most holders: a write made while fewer nodes than the replication were
   * up (the last node of a grid that is stopping) has fewer copies than the content it replaced,
   * and is still the newer one. Write times are the copies' file times, by each node's clock: two
   * writes of one key closer together than the nodes' clocks differ can be told apart wrongly, so
   * keep the nodes' clocks synchronized (NTP).
   */
  static BlobMeta choose(String key, Map<String, InventoryEntry> held, Set<String> live) {
    Map<String, List<String>> holders = new HashMap<>();
    Map<String, Long> newest = new HashMap<>();
    Map<String, InventoryEntry> any = new HashMap<>();
    List<String> ranking = Placement.replicas(key, live, live.size());
    List<String> nodes = new ArrayList<>(held.keySet());
    nodes.sort(
        Comparator.comparingInt(n -> ranking.contains(n) ? ranking.indexOf(n) : Integer.MAX_VALUE));
    for (String node : nodes) {
      InventoryEntry copy = held.get(node);
      String sha = copy.blob().sha256();
      holders.computeIfAbsent(sha, s -> new ArrayList<>()).add(node);
      newest.merge(sha, copy.writtenMillis(), Math::max);
      any.putIfAbsent(sha, copy);
    }
    String best = null;
    for (String node : nodes) { // in ranking order, so the first ranked wins a full tie
      String sha = held.get(node).blob().sha256();
      if (best == null
          || newest.get(sha) > newest.get(best)
          || (newest.get(sha).equals(newest.get(best))
              && holders.get(sha).size() > holders.get(best).size())) {
        best = sha;
      }
    }
    return BlobMeta.first(any.get(best).blob(), holders.get(best));
  }
}
