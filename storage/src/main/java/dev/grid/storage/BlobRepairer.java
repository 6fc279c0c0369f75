package dev.grid.storage;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.storage.BlobTasks.InventoryEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every blob at its replication: the repair passes of the coordinator (the oldest member),
 * run after members come or go and every {@link ReplicationSettings#repairEvery}; each node's scrub
 * of its own disk; and, through {@link BlobRestore}, the metadata rebuilt after the cluster starts
 * (until then a pass only asks, and the coordinator asks every second).
 *
 * <p>Only a majority of the expected nodes repairs: a minority (one side of a partition) sees every
 * blob held across the cut as lost, and plans from a stale copy of the metadata.
 *
 * <p>A pass: every live node reports its inventory (noting copies whose trailer it cannot read as
 * damaged); every node copies again the damaged copies it knows of (then they report again); the
 * metadata and tombstones are read; keys a put or delete is busy with are set aside (a copy written
 * within the in-flight grace, since the cluster formed, that the metadata does not name; or a
 * tombstone without metadata). {@link RepairPlanner} plans the rest and the plan is carried out a
 * batch of keys at a time, each key under its map lock and only if its metadata is still the one
 * planned from: copies first, then records (version 1 with putIfAbsent, later ones with replace of
 * the entry read), then drops. A key whose copy failed gets neither its record nor its drops this
 * time. Settled copies of a deleted key (tombstone with their SHA-256, no metadata) are dropped
 * instead of rebuilt.
 */
final class BlobRepairer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlobRepairer.class);
  private static final int COPY_BATCH = 32;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final HazelcastInstance hz;
  private final BlobPeers peers;
  private final ReplicationSettings settings;
  private final IMap<String, BlobMeta> meta;
  private final KeyLocks locks;
  private final IMap<String, Tombstone> tombstones;
  private final ScheduledExecutorService passes;
  private final ScheduledExecutorService background;
  private final BlobRestore restore;
  private final DamagedCopies damaged;
  private final StorageChecker checker;
  private volatile boolean closed;
  private UUID listener;

  // For metrics: what the passes found and did (see RepairStats).
  private final LongAdder passCount = new LongAdder();
  private final LongAdder copied = new LongAdder();
  private final LongAdder recorded = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder recopiedCount = new LongAdder();
  private volatile long lastUnderReplicated;
  private volatile long lastLost;

  BlobRepairer(
      ReplicatedBlobStore store,
      HazelcastInstance hz,
      BlobPeers peers,
      ReplicationSettings settings,
      Clock clock) {
    this.hz = hz;
    this.peers = peers;
    this.settings = settings;
    this.meta = hz.getMap(ReplicatedBlobStore.META_MAP);
    this.locks = KeyLocks.of(meta, settings);
    this.tombstones = hz.getMap(ReplicatedBlobStore.TOMBSTONE_MAP);
    String name = "grid-blob-" + peers.self() + "-" + INSTANCES.incrementAndGet();
    this.passes = Executors.newSingleThreadScheduledExecutor(named(name + "-repair"));
    this.background = Executors.newScheduledThreadPool(2, named(name + "-recopy"));
    this.restore = new BlobRestore(hz, settings, clock);
    this.damaged = new DamagedCopies(store, peers, meta, locks, settings, background);
    this.checker = new StorageChecker(peers, meta, restore, settings);
  }

  private static ThreadFactory named(String name) {
    AtomicInteger threads = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  void start() {
    restore.start();
    listener =
        hz.getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {
                    schedulePass();
                  }

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    schedulePass();
                  }
                });
    // Until restored, ask the nodes for their disks this often: a store that opens on another
    // member is no membership change, so only this tick sees it.
    long restoreTick = Math.min(1000, settings.repairDelay().toMillis());
    passes.scheduleWithFixedDelay(this::restoreTick, 0, restoreTick, TimeUnit.MILLISECONDS);
    long every = settings.repairEvery().toMillis();
    passes.scheduleWithFixedDelay(this::coordinatedPass, every, every, TimeUnit.MILLISECONDS);
    if (!settings.scrubEvery().isZero()) {
      long scrub = settings.scrubEvery().toMillis();
      background.scheduleWithFixedDelay(damaged::scrub, scrub, scrub, TimeUnit.MILLISECONDS);
    }
  }

  private void schedulePass() {
    try {
      passes.schedule(
          this::coordinatedPass, settings.repairDelay().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
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

  /** One pass, run on this node whatever its place in the cluster. */
  synchronized RepairPass repairNow() {
    Set<String> live = peers.live().keySet();
    if (!restored()) {
      Map<String, List<InventoryEntry>> reported = inventories(live);
      if (restore.ready(reported.size())) {
        Map<String, List<InventoryEntry>> copies = Inventories.copies(reported);
        restore.restore(copies, live, busyKeys(copies, Map.of()), Inventories.tombstones(reported));
        schedulePass(); // now the copies the restored blobs lack
      }
      return new RepairPass(new Plan(List.of()), 0);
    }
    if (peers.voting() * 2 <= settings.expectedNodes()) {
      // A minority (the side of a partition, or the first nodes back): what it sees is not the
      // grid. Every blob held across the cut would count as lost, and its plans would work from
      // a stale copy of the metadata; the majority repairs, and this side again once it merged.
      LOG.debug(
          "blob repair skipped: {} of {} nodes here, not a majority",
          peers.voting(),
          settings.expectedNodes());
      return new RepairPass(new Plan(List.of()), 0);
    }
    Map<String, BlobMeta> before = metadata();
    Map<String, List<InventoryEntry>> first = inventories(live); // notes unreadable copies
    int recopied = recopyDamaged(live);
    Map<String, List<InventoryEntry>> all = recopied > 0 ? inventories(live) : first;
    Map<String, List<InventoryEntry>> reported = Inventories.copies(all);
    Map<String, BlobMeta> metadata = metadata();
    Map<String, Tombstone> deleted = Inventories.tombstones(all);
    tombstones.entrySet().forEach(e -> deleted.merge(e.getKey(), e.getValue(), Inventories::later));

    Set<String> busy = busyKeys(reported, metadata);
    // A key a put or a delete changed while the inventories were taken is left for the next
    // pass: the inventories may not show its copies yet, and it would look lost.
    busy.addAll(Inventories.changedMeanwhile(before, metadata));
    // By key and content: nodes that missed an update hold another version, of another size.
    Map<Content, Long> sizes = new HashMap<>();
    reported.forEach(
        (node, entries) ->
            entries.forEach(
                entry ->
                    sizes.put(
                        new Content(entry.blob().key(), entry.blob().sha256()),
                        entry.blob().size())));
    dropDeleted(reported, metadata, deleted, busy);
    deleted.keySet().stream().filter(k -> !metadata.containsKey(k)).forEach(busy::add);

    Map<String, List<StoredBlob>> inventories = new HashMap<>();
    reported.forEach(
        (node, entries) ->
            inventories.put(
                node,
                entries.stream()
                    .map(InventoryEntry::blob)
                    .filter(b -> !busy.contains(b.key()))
                    .toList()));
    busy.forEach(metadata::remove);
    Plan plan = RepairPlanner.plan(metadata, inventories, live, settings.copies(live.size()));
    passCount.increment();
    recopiedCount.add(recopied);
    lastUnderReplicated = plan.copies().stream().map(Plan.Copy::key).distinct().count();
    lastLost = plan.lost().size();
    carryOut(plan, metadata, sizes);
    return new RepairPass(plan, recopied);
  }

  private Map<String, BlobMeta> metadata() {
    return Inventories.snapshot(meta);
  }

  private Map<String, List<InventoryEntry>> inventories(Set<String> live) {
    return peers.inventories(
        live, settings.inFlightGrace().toMillis(), restore.formedMillis(), settings.copyTimeout());
  }

  /** Keys with a recent copy the metadata does not name: a put is busy with them. */
  private static Set<String> busyKeys(
      Map<String, List<InventoryEntry>> reported, Map<String, BlobMeta> metadata) {
    Set<String> busy = new HashSet<>();
    reported.forEach(
        (node, entries) ->
            entries.forEach(
                entry -> {
                  BlobMeta known = metadata.get(entry.blob().key());
                  if (entry.recent() && (known == null || !known.matches(entry.blob()))) {
                    busy.add(entry.blob().key());
                  }
                }));
    return busy;
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
        LOG.info(
            "node {} could not copy its damaged blobs again: {}", answer.getKey(), e.getMessage());
      }
    }
    if (recopied > 0) {
      LOG.info("blob repair: {} damaged copies copied again", recopied);
    }
    return recopied;
  }

  /**
   * Drops the settled copies of deleted keys that no put has recorded again: only copies with the
   * SHA-256 the key had when deleted, written before the delete, each under the key's lock.
   */
  private void dropDeleted(
      Map<String, List<InventoryEntry>> reported,
      Map<String, BlobMeta> metadata,
      Map<String, Tombstone> deleted,
      Set<String> busy) {
    reported.forEach(
        (node, entries) ->
            entries.forEach(
                entry -> {
                  String key = entry.blob().key();
                  Tombstone tombstone = deleted.get(key);
                  if (tombstone == null
                      || !tombstone.covers(entry.blob().sha256(), entry.writtenMillis())
                      || metadata.containsKey(key)
                      || busy.contains(key)
                      || !locks.tryLock(key)) {
                    return;
                  }
                  try {
                    if (!meta.containsKey(key)) {
                      BlobPeers.await(
                          peers.call(node, new BlobTasks.DropCopy(key, entry.blob().sha256())),
                          settings.callTimeout());
                      dropped.increment();
                    }
                  } catch (RuntimeException e) {
                    LOG.info(
                        "dropping the copy of deleted blob '{}' on {} failed: {}",
                        key,
                        node,
                        e.getMessage());
                  } finally {
                    locks.unlock(key);
                  }
                }));
  }

  /**
   * Carries out the plan a batch of keys at a time, each key under its map lock (a key a put or
   * delete holds is left for the next pass): copies, then records, then drops.
   */
  private void carryOut(Plan plan, Map<String, BlobMeta> metadata, Map<Content, Long> sizes) {
    Map<String, List<Plan.Action>> byKey = new TreeMap<>();
    RepairLog news = new RepairLog();
    for (Plan.Action action : plan.actions()) {
      if (action instanceof Plan.Lost lost) {
        news.lost(lost.key(), lost.reason());
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
          if (locks.tryLock(key)) {
            locked.add(key);
          } else {
            failed.add(key);
          }
        }
        // The plan was made from a snapshot: a key changed since (a put, a delete, another pass)
        // is left for the next pass, which plans it from what is then there.
        Map<String, BlobMeta> now = meta.getAll(new HashSet<>(locked));
        List<Plan.Action> batch = new ArrayList<>();
        for (String key : locked) {
          if (Objects.equals(now.get(key), metadata.get(key))) {
            batch.addAll(byKey.get(key));
          } else {
            failed.add(key);
          }
        }
        copy(batch, sizes, failed, news);
        record(batch, metadata, failed);
        drop(batch, failed);
      } finally {
        locked.forEach(locks::unlock);
      }
    }
    news.write(LOG);
    if (!plan.changesNothing()) {
      LOG.info(
          "blob repair: {} copies, {} records, {} drops, {} lost; {} keys left for the"
              + " next pass",
          plan.copies().size(),
          plan.records().size(),
          plan.drops().size(),
          plan.lost().size(),
          failed.size());
    }
  }

  /** One content of a key: a version of the blob. */
  private record Content(String key, String sha256) {}

  private void copy(
      List<Plan.Action> batch, Map<Content, Long> sizes, Set<String> failed, RepairLog news) {
    List<Plan.Copy> copies = new ArrayList<>();
    List<CompletableFuture<StoredBlob>> sent = new ArrayList<>();
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Copy c) {
        copies.add(c);
        sent.add(
            peers.copy(
                c.to(),
                new BlobTasks.PullCopy(
                    c.key(),
                    c.sha256(),
                    sizes.getOrDefault(new Content(c.key(), c.sha256()), 0L),
                    c.from())));
      }
    }
    for (int i = 0; i < copies.size(); i++) {
      Plan.Copy c = copies.get(i);
      try {
        BlobPeers.await(sent.get(i), settings.copyTimeout());
        copied.increment();
      } catch (RuntimeException e) {
        failed.add(c.key());
        news.copyFailed(c.key(), whyCopyFailed(c, e));
      }
    }
  }

  /**
   * Why a copy failed, in words that are the same for every key that failed the same way. A copy
   * whose bytes are not the content planned is told apart: a newer version written since the pass
   * read the metadata is expected (the next pass copies that one); the planned content still
   * current means the source's copy is damaged, and it is copied again from another.
   */
  private String whyCopyFailed(Plan.Copy c, RuntimeException e) {
    if (e instanceof BlobCorruptedException) {
      BlobMeta now = meta.get(c.key());
      if (now == null) {
        return "deleted since the pass began (expected)";
      }
      if (!now.sha256().equals(c.sha256())) {
        return "a newer version was written since the pass began (expected; the next pass"
            + " copies that one)";
      }
      damaged.recopyLater(now, c.from());
      return "the copy on "
          + c.from()
          + " does not read back as the content its metadata names"
          + " (damage; it is copied again from another holder)";
    }
    String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return "from " + c.from() + " to " + c.to() + ": " + message.replace("'" + c.key() + "'", "it");
  }

  private void record(List<Plan.Action> batch, Map<String, BlobMeta> metadata, Set<String> failed) {
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Record r && !failed.contains(r.key())) {
        BlobMeta next = r.meta();
        boolean written =
            next.version() == 1
                ? meta.putIfAbsent(next.key(), next) == null
                : meta.replace(next.key(), metadata.get(next.key()), next);
        if (written) {
          recorded.increment();
        } else {
          failed.add(r.key()); // changed meanwhile: the next pass plans it from the new state
        }
      }
    }
  }

  private void drop(List<Plan.Action> batch, Set<String> failed) {
    for (Plan.Action action : batch) {
      if (action instanceof Plan.Drop d && !failed.contains(d.key())) {
        try {
          BlobPeers.await(
              peers.call(d.node(), new BlobTasks.DropCopy(d.key(), d.sha256())),
              settings.callTimeout());
          dropped.increment();
        } catch (RuntimeException e) {
          LOG.info(
              "dropping the copy of blob '{}' on {} failed: {}", d.key(), d.node(), e.getMessage());
        }
      }
    }
  }

  boolean restored() {
    return restore.restored();
  }

  /** What this node's passes found and did; reads a few counters. */
  RepairStats stats() {
    return new RepairStats(
        passCount.sum(),
        lastUnderReplicated,
        lastLost,
        copied.sum(),
        recorded.sum(),
        dropped.sum(),
        recopiedCount.sum());
  }

  boolean awaitRestored(Duration timeout) {
    return restore.awaitRestored(timeout, () -> closed);
  }

  void recopy(BlobMeta damagedCopy, String node) {
    if (!closed) {
      damaged.recopyLater(damagedCopy, node);
    }
  }

  int recopyDamagedHere() {
    return damaged.recopyHere();
  }

  StorageReport check(boolean verify) {
    return checker.check(verify);
  }

  /** Stops the passes and scrubs, waiting briefly for one that is running. */
  @Override
  public void close() {
    closed = true;
    passes.shutdownNow();
    background.shutdownNow();
    if (listener != null) {
      try {
        hz.getCluster().removeMembershipListener(listener);
      } catch (RuntimeException e) {
        LOG.debug("removing the membership listener failed", e);
      }
    }
    try {
      passes.awaitTermination(5, TimeUnit.SECONDS);
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
