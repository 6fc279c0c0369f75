package dev.grid.storage;

import com.hazelcast.map.IMap;
import dev.grid.storage.BlobTasks.InventoryEntry;
import dev.grid.storage.StorageReport.Kind;
import dev.grid.storage.StorageReport.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's view of the store ({@link ReplicatedBlobStore#check}): the metadata against every
 * live node's disk, and with {@code verify} every copy re-read. It changes nothing, except that a
 * node remembers the damaged copies its verify found, for the next repair.
 */
final class StorageChecker {
  private static final Logger LOG = LoggerFactory.getLogger(StorageChecker.class);

  private final BlobPeers peers;
  private final IMap<String, BlobMeta> meta;
  private final BlobRestore restore;
  private final ReplicationSettings settings;

  StorageChecker(
      BlobPeers peers,
      IMap<String, BlobMeta> meta,
      BlobRestore restore,
      ReplicationSettings settings) {
    this.peers = peers;
    this.meta = meta;
    this.restore = restore;
    this.settings = settings;
  }

  /** Whether no put or delete holds the key now and its metadata is still {@code seen}. */
  private boolean atRest(String key, BlobMeta seen) {
    return !meta.isLocked(key) && Objects.equals(meta.get(key), seen);
  }

  StorageReport check(boolean verify) {
    Set<String> live = peers.live().keySet();
    Map<String, BlobMeta> before = Inventories.snapshot(meta);
    Map<String, List<InventoryEntry>> reported =
        Inventories.copies(
            peers.inventories(
                live,
                settings.inFlightGrace().toMillis(),
                restore.formedMillis(),
                settings.copyTimeout()));
    Map<String, Set<String>> damaged = new HashMap<>();
    List<Problem> problems = new ArrayList<>();
    if (verify) {
      for (String node : reported.keySet()) {
        try {
          for (Corruption c :
              BlobPeers.await(peers.scrub(node, new BlobTasks.Scrub()), settings.copyTimeout())) {
            damaged.computeIfAbsent(c.key(), k -> new HashSet<>()).add(node);
            problems.add(new Problem(c.key(), node, Kind.CORRUPT, c.problem()));
          }
        } catch (RuntimeException e) {
          LOG.info("node {} could not verify its blobs: {}", node, e.getMessage());
        }
      }
    }
    Map<String, BlobMeta> metadata = new TreeMap<>(Inventories.snapshot(meta));
    Map<String, Set<String>> good = new HashMap<>();
    // A put or a delete is busy with these: judged on a later check. A job's output or record
    // written while the nodes were asked (or verified their copies) is in the metadata read after
    // the inventories, but in none of them yet.
    Set<String> inFlight = new HashSet<>(Inventories.changedMeanwhile(before, metadata));
    reported.forEach(
        (node, entries) ->
            entries.forEach(
                entry -> {
                  StoredBlob copy = entry.blob();
                  BlobMeta known = metadata.get(copy.key());
                  if (known != null && known.matches(copy)) {
                    if (!damaged.getOrDefault(copy.key(), Set.of()).contains(node)) {
                      good.computeIfAbsent(copy.key(), k -> new HashSet<>()).add(node);
                    }
                  } else if (entry.recent() || inFlight.contains(copy.key())) {
                    inFlight.add(copy.key());
                  } else {
                    problems.add(
                        known == null
                            ? new Problem(
                                copy.key(), node, Kind.UNRECORDED, "the metadata has no entry")
                            : new Problem(
                                copy.key(),
                                node,
                                Kind.STALE,
                                "SHA-256 "
                                    + copy.sha256()
                                    + ", the metadata says "
                                    + known.sha256()));
                  }
                }));
    int copies = settings.copies(live.size());
    long bytes = 0;
    for (BlobMeta m : metadata.values()) {
      bytes += m.size();
      Set<String> holders = good.getOrDefault(m.key(), Set.of());
      if (inFlight.contains(m.key())) {
        continue;
      }
      if (holders.isEmpty()) {
        problems.add(
            new Problem(
                m.key(),
                null,
                Kind.LOST,
                "no live node holds a good copy; the metadata names " + m.replicas()));
      } else if (holders.size() < copies) {
        problems.add(
            new Problem(
                m.key(),
                null,
                Kind.UNDER_REPLICATED,
                holders.size() + " of " + copies + " copies, on " + new TreeSet<>(holders)));
      }
    }
    // A delete drops the copies before it removes the metadata, and a put replacing a blob drops
    // the old copies after it wrote the new record: inventories taken meanwhile show a copy
    // missing or stale, while both metadata reads agree. Such a key is busy now (its lock is
    // held) or has changed since; only a key at rest is reported.
    Map<String, Boolean> atRest = new HashMap<>();
    problems.removeIf(
        p ->
            p.kind() != Kind.CORRUPT
                && !atRest.computeIfAbsent(p.key(), k -> atRest(k, metadata.get(k))));
    problems.sort((a, b) -> a.key().compareTo(b.key()));
    return new StorageReport(
        new ArrayList<>(live), copies, metadata.size(), bytes, verify, problems, lastScrubs(live));
  }

  /** When each live node last scrubbed its disk; one that does not say in time is left out. */
  private Map<String, Long> lastScrubs(Set<String> live) {
    Map<String, CompletableFuture<Long>> asked = new TreeMap<>();
    for (String node : live) {
      asked.put(node, peers.call(node, new BlobTasks.LastScrub()));
    }
    Map<String, Long> last = new TreeMap<>();
    asked.forEach(
        (node, answer) -> {
          try {
            long at = BlobPeers.await(answer, settings.callTimeout());
            if (at > 0) {
              last.put(node, at);
            }
          } catch (RuntimeException e) {
            LOG.info("node {} did not say when it last scrubbed: {}", node, e.getMessage());
          }
        });
    return last;
  }
}
