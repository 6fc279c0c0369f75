package dev.grid.storage;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.storage.BlobTasks.InventoryEntry;
import dev.grid.storage.StorageReport.Kind;
import dev.grid.storage.StorageReport.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every blob at its replication: the repair passes of the coordinator (the oldest member),
 * each node's scrub of its own disk, the re-copy of a copy a read found damaged, and the restore
 * of the metadata after the cluster starts.
 *
 * <p>A pass: every live node reports its inventory; the metadata and tombstones are read; keys a
 * put or delete is busy with are set aside (a copy written within the in-flight grace that the
 * metadata does not name, or a tombstone without metadata); {@link RepairPlanner} plans the rest,
 * and the plan is carried out copies first, then metadata records (version 1 with putIfAbsent,
 * later ones with replace of the entry read), then drops. A key whose copy failed gets neither
 * its record nor its drops this time; the next pass plans it again from what is then on disk.
 * Copies of a deleted key (tombstone, no metadata) are dropped instead of rebuilt.
 *
 * <p>Restore: a cluster starts with an empty metadata map. Once a pass has heard from the
 * expected nodes (or the restore wait is over and it heard from those that came), it sets a flag
 * in {@link ReplicatedBlobStore#STATE_MAP}; {@link #awaitRestored} waits for it. Until then the
 * coordinator runs a pass every second.
 */
final class BlobRepairer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlobRepairer.class);
  private static final String RESTORED = "restored";
  private static final String FORMED = "formed-at";
  private static final int COPY_BATCH = 32;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ReplicatedBlobStore store;
  private final HazelcastInstance hz;
  private final BlobPeers peers;
  private final ReplicationSettings settings;
  private final Clock clock;
  private final IMap<String, BlobMeta> meta;
  private final IMap<String, String> tombstones;
  private final IMap<String, Object> state;
  private final ScheduledExecutorService timer;
  private final long startedMillis;
  private volatile boolean restored;
  private volatile boolean closed;
  private UUID listener;

  BlobRepairer(ReplicatedBlobStore store, HazelcastInstance hz, BlobPeers peers,
      ReplicationSettings settings, Clock clock) {
    this.store = store;
    this.hz = hz;
    this.peers = peers;
    this.settings = settings;
    this.clock = clock;
    this.meta = hz.getMap(ReplicatedBlobStore.META_MAP);
    this.tombstones = hz.getMap(ReplicatedBlobStore.TOMBSTONE_MAP);
    this.state = hz.getMap(ReplicatedBlobStore.STATE_MAP);
    String name = "grid-blob-repair-" + peers.self() + "-" + INSTANCES.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.timer = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.startedMillis = clock.millis();
  }

  void start() {
    state.putIfAbsent(FORMED, clock.millis());
    listener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        schedulePass();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        schedulePass();
      }
    });
    timer.scheduleWithFixedDelay(this::restoreTick, 0, 1, TimeUnit.SECONDS);
    long every = settings.repairEvery().toMillis();
    timer.scheduleWithFixedDelay(this::coordinatedPass, every, every, TimeUnit.MILLISECONDS);
    if (!settings.scrubEvery().isZero()) {
      long scrub = settings.scrubEvery().toMillis();
      timer.scheduleWithFixedDelay(this::scrub, scrub, scrub, TimeUnit.MILLISECONDS);
    }
  }

  private void schedulePass() {
    if (!closed) {
      timer.schedule(this::coordinatedPass, settings.repairDelay().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private void restoreTick() {
    if (!restored()) {
      coordinatedPass();
    }
  }

  private void coordinatedPass() {
    if (closed || !peers.coordinates()) {
      return;
    }
    try {
      repairNow();
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("blob repair pass failed; the next one tries again", e);
      }
    }
  }

  // ---------------------------------------------------------------- repair

  /** One pass, run on this node whatever its place in the cluster. */
  synchronized RepairPass repairNow() {
    Set<String> live = peers.live().keySet();
    int recopied = recopyDamaged(live);
    Map<String, List<InventoryEntry>> reported = inventories(live);
    Map<String, BlobMeta> metadata = new HashMap<>();
    meta.entrySet().forEach(e -> metadata.put(e.getKey(), e.getValue()));
    Map<String, String> deleted = new HashMap<>();
    tombstones.entrySet().forEach(e -> deleted.put(e.getKey(), e.getValue()));

    Set<String> busy = new HashSet<>();
    Map<String, Long> sizes = new HashMap<>();
    reported.forEach((node, entries) -> entries.forEach(entry -> {
      StoredBlob copy = entry.blob();
      sizes.put(copy.key(), copy.size());
      BlobMeta known = metadata.get(copy.key());
      if (entry.recent() && (known == null || !known.matches(copy))) {
        busy.add(copy.key());
      }
    }));
    dropDeleted(reported, metadata, deleted, busy);
    deleted.keySet().stream().filter(k -> !metadata.containsKey(k)).forEach(busy::add);

    Map<String, List<StoredBlob>> inventories = new HashMap<>();
    reported.forEach((node, entries) -> inventories.put(node, entries.stream()
        .map(InventoryEntry::blob).filter(b -> !busy.contains(b.key())).toList()));
    busy.forEach(metadata::remove);
    Plan plan = RepairPlanner.plan(metadata, inventories, live, settings.copies(live.size()));
    carryOut(plan, metadata, sizes);
    markRestored(reported.size());
    return new RepairPass(plan, recopied);
  }

  /** Has every node copy again the damaged copies it knows of; how many were replaced. */
  private int recopyDamaged(Set<String> live) {
    Map<String, CompletableFuture<Integer>> asked = new TreeMap<>();
    for (String node : live) {
      asked.put(node, peers.copy(node, new BlobTasks.RecopyDamaged()));
    }
    int recopied = 0;
    for (Map.Entry<String, CompletableFuture<Integer>> answer : asked.entrySet()) {
      try {
        recopied += BlobPeers.await(answer.getValue(), settings.copyTimeout());
      } catch (RuntimeException e) {
        LOG.info("node {} could not copy its damaged blobs again: {}", answer.getKey(),
            e.getMessage());
      }
    }
    if (recopied > 0) {
      LOG.info("blob repair: {} damaged copies copied again", recopied);
    }
    return recopied;
  }

  /** Asks every live node for its inventory; a node that does not answer is left out. */
  private Map<String, List<InventoryEntry>> inventories(Set<String> live) {
    Map<String, CompletableFuture<ArrayList<InventoryEntry>>> asked = new TreeMap<>();
    long grace = settings.inFlightGrace().toMillis();
    Object formed = state.get(FORMED);
    long since = formed instanceof Long millis ? millis : 0;
    for (String node : live) {
      asked.put(node, peers.call(node, new BlobTasks.Inventory(grace, since)));
    }
    Map<String, List<InventoryEntry>> reported = new TreeMap<>();
    asked.forEach((node, future) -> {
      try {
        reported.put(node, BlobPeers.await(future, settings.copyTimeout()));
      } catch (RuntimeException e) {
        LOG.info("node {} did not report its blobs, left out of this repair: {}", node,
            e.getMessage());
      }
    });
    return reported;
  }

  /** Drops the settled copies of deleted keys that no put has recorded again. */
  private void dropDeleted(Map<String, List<InventoryEntry>> reported,
      Map<String, BlobMeta> metadata, Map<String, String> deleted, Set<String> busy) {
    reported.forEach((node, entries) -> entries.forEach(entry -> {
      String key = entry.blob().key();
      if (deleted.containsKey(key) && !metadata.containsKey(key) && !busy.contains(key)) {
        peers.call(node, new BlobTasks.DropCopy(key, entry.blob().sha256()));
      }
    }));
  }

  /**
   * Carries out the plan a batch of keys at a time, each key under its map lock (a key a put or
   * delete holds is left for the next pass): copies, then records, then drops.
   */
  private void carryOut(Plan plan, Map<String, BlobMeta> metadata, Map<String, Long> sizes) {
    Map<String, List<Plan.Action>> byKey = new TreeMap<>();
    for (Plan.Action action : plan.actions()) {
      if (action instanceof Plan.Lost lost) {
        LOG.warn("blob '{}' is lost for now: {}", lost.key(), lost.reason());
      } else {
        byKey.computeIfAbsent(action.key(), k -> new ArrayList<>()).add(action);
      }
    }
    List<String> keys = new ArrayList<>(byKey.keySet());
    Set<String> failed = new HashSet<>();
    for (int from = 0; from < keys.size(); from += COPY_BATCH) {
      List<String> locked = new ArrayList<>();
      try {
        for (String key : keys.subList(from, Math.min(keys.size(), from + COPY_BATCH))) {
          if (meta.tryLock(key)) {
            locked.add(key);
          } else {
            failed.add(key);
          }
        }
        List<Plan.Action> batch = new ArrayList<>();
        locked.forEach(key -> batch.addAll(byKey.get(key)));
        copy(batch, sizes, failed);
        record(batch, metadata, failed);
        drop(batch, failed);
      } finally {
        locked.forEach(meta::unlock);
      }
    }
    if (!plan.changesNothing()) {
      LOG.info("blob repair: {} copies, {} records, {} drops, {} lost; {} keys left for the"
          + " next pass", plan.copies().size(), plan.records().size(), plan.drops().size(),
          plan.lost().size(), failed.size());
    }
  }

  private void copy(List<Plan.Action> batch, Map<String, Long> sizes, Set<String> failed) {
    List<Plan.Copy> copies = new ArrayList<>();
    List<CompletableFuture<StoredBlob>> sent = new ArrayList<>();
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Copy c) {
        copies.add(c);
        sent.add(peers.copy(c.to(), new BlobTasks.PullCopy(c.key(), c.sha256(),
            sizes.getOrDefault(c.key(), 0L), c.from())));
      }
    }
    for (int i = 0; i < copies.size(); i++) {
      Plan.Copy c = copies.get(i);
      try {
        BlobPeers.await(sent.get(i), settings.copyTimeout());
      } catch (RuntimeException e) {
        failed.add(c.key());
        LOG.warn("repair copy of blob '{}' from {} to {} failed: {}", c.key(), c.from(), c.to(),
            e.getMessage());
      }
    }
  }

  private void record(List<Plan.Action> batch, Map<String, BlobMeta> metadata,
      Set<String> failed) {
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Record r && !failed.contains(r.key())) {
        BlobMeta next = r.meta();
        boolean written = next.version() == 1
            ? meta.putIfAbsent(next.key(), next) == null
            : meta.replace(next.key(), metadata.get(next.key()), next);
        if (!written) {
          failed.add(r.key()); // changed meanwhile: the next pass plans it from the new state
        }
      }
    }
  }

  private void drop(List<Plan.Action> batch, Set<String> failed) {
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Drop d && !failed.contains(d.key())) {
        try {
          BlobPeers.await(peers.call(d.node(), new BlobTasks.DropCopy(d.key(), d.sha256())),
              settings.callTimeout());
        } catch (RuntimeException e) {
          LOG.info("dropping the copy of blob '{}' on {} failed: {}", d.key(), d.node(),
              e.getMessage());
        }
      }
    }
  }

  // ---------------------------------------------------------------- restore

  private void markRestored(int reportedNodes) {
    if (restored()) {
      return;
    }
    boolean waitedEnough = clock.millis() - startedMillis >= settings.restoreWait().toMillis();
    if (reportedNodes >= settings.expectedNodes() || waitedEnough) {
      state.set(RESTORED, true);
      restored = true;
      if (reportedNodes < settings.expectedNodes()) {
        LOG.warn("blob metadata restored from {} of {} expected nodes after waiting {};"
            + " blobs only the others hold come back when they join", reportedNodes,
            settings.expectedNodes(), settings.restoreWait());
      } else {
        LOG.info("blob metadata restored from the disks of {} nodes", reportedNodes);
      }
    }
  }

  boolean restored() {
    if (!restored && Boolean.TRUE.equals(state.get(RESTORED))) {
      restored = true;
    }
    return restored;
  }

  boolean awaitRestored(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!restored()) {
      if (System.nanoTime() > deadline || closed) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- damaged copies

  /** Copies the blob again onto the node whose copy is damaged, from another replica, later. */
  void recopy(BlobMeta damaged, String node) {
    if (!closed) {
      timer.execute(() -> recopyNow(damaged, node));
    }
  }

  /**
   * Copies the blob again onto the node whose copy is damaged, from another replica, under the
   * key's lock; true if a good copy is there now. A key a put or delete is busy with, or that
   * was replaced or deleted since, is left alone (false).
   */
  boolean recopyNow(BlobMeta damaged, String node) {
    if (!meta.tryLock(damaged.key())) {
      return false; // a put or delete is busy with it; a repair pass or scrub comes back to it
    }
    try {
      BlobMeta now = meta.get(damaged.key());
      if (now == null || !now.sha256().equals(damaged.sha256())) {
        return false;
      }
      Set<String> live = peers.live().keySet();
      for (String source : damaged.replicas()) {
        if (source.equals(node) || !live.contains(source)) {
          continue;
        }
        try {
          if (node.equals(peers.self())) { // here: no call to this node's own busy executor
            store.pullLocal(damaged.key(), damaged.sha256(), damaged.size(), source);
          } else {
            BlobPeers.await(peers.copy(node, new BlobTasks.PullCopy(damaged.key(),
                damaged.sha256(), damaged.size(), source)), settings.copyTimeout());
          }
          LOG.info("copy of blob '{}' on node {} copied again from {}", damaged.key(), node,
              source);
          return true;
        } catch (RuntimeException e) {
          LOG.warn("copying blob '{}' again onto {} from {} failed: {}", damaged.key(), node,
              source, e.getMessage());
        }
      }
      return false;
    } finally {
      meta.unlock(damaged.key());
    }
  }

  private void scrub() {
    if (closed) {
      return;
    }
    try {
      if (!store.scrubLocal().isEmpty()) {
        store.recopyDamagedLocal();
      }
    } catch (RuntimeException e) {
      LOG.warn("scrub of node {} failed; the next one tries again", peers.self(), e);
    }
  }

  // ---------------------------------------------------------------- report

  StorageReport check(boolean verify) {
    Set<String> live = peers.live().keySet();
    Map<String, List<InventoryEntry>> reported = inventories(live);
    Map<String, Set<String>> damaged = new HashMap<>();
    List<Problem> problems = new ArrayList<>();
    if (verify) {
      for (String node : reported.keySet()) {
        try {
          for (Corruption c : BlobPeers.await(peers.call(node, new BlobTasks.Scrub()),
              settings.copyTimeout())) {
            damaged.computeIfAbsent(c.key(), k -> new HashSet<>()).add(node);
            problems.add(new Problem(c.key(), node, Kind.CORRUPT, c.problem()));
          }
        } catch (RuntimeException e) {
          LOG.info("node {} could not verify its blobs: {}", node, e.getMessage());
        }
      }
    }
    Map<String, BlobMeta> metadata = new TreeMap<>();
    meta.entrySet().forEach(e -> metadata.put(e.getKey(), e.getValue()));
    Map<String, Set<String>> good = new HashMap<>();
    reported.forEach((node, entries) -> entries.forEach(entry -> {
      StoredBlob copy = entry.blob();
      BlobMeta known = metadata.get(copy.key());
      if (known != null && known.matches(copy)) {
        if (!damaged.getOrDefault(copy.key(), Set.of()).contains(node)) {
          good.computeIfAbsent(copy.key(), k -> new HashSet<>()).add(node);
        }
      } else if (!entry.recent()) {
        problems.add(known == null
            ? new Problem(copy.key(), node, Kind.UNRECORDED, "the metadata has no entry")
            : new Problem(copy.key(), node, Kind.STALE, "SHA-256 " + copy.sha256()
                + ", the metadata says " + known.sha256()));
      }
    }));
    int copies = settings.copies(live.size());
    long bytes = 0;
    for (BlobMeta m : metadata.values()) {
      bytes += m.size();
      Set<String> holders = good.getOrDefault(m.key(), Set.of());
      if (holders.isEmpty()) {
        problems.add(new Problem(m.key(), null, Kind.LOST,
            "no live node holds a good copy; the metadata names " + m.replicas()));
      } else if (holders.size() < copies) {
        problems.add(new Problem(m.key(), null, Kind.UNDER_REPLICATED,
            holders.size() + " of " + copies + " copies, on " + new TreeSet<>(holders)));
      }
    }
    problems.sort((a, b) -> a.key().compareTo(b.key()));
    return new StorageReport(new ArrayList<>(live), copies, metadata.size(), bytes, verify,
        problems);
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    if (listener != null) {
      try {
        hz.getCluster().removeMembershipListener(listener);
      } catch (RuntimeException e) {
        LOG.debug("removing the membership listener failed", e);
      }
    }
  }
}
