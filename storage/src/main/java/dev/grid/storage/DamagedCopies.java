package dev.grid.storage;

import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces damaged copies: a copy that a read, a scrub or a verify found bad is copied again onto
 * the same node from a good replica (a copy made elsewhere would leave the bad one behind, looking
 * good to the inventories). Each (key, node) is queued once however many reads meet it.
 */
final class DamagedCopies {
  private static final Logger LOG = LoggerFactory.getLogger(DamagedCopies.class);

  /**
   * How often, and how far apart, a recopy whose key a put, delete or repair holds is tried again.
   * Without it the next repair pass (a minute later) was the next try: a copy damaged while a pass
   * re-replicated the blobs of a killed node stayed damaged that long.
   */
  private static final int BUSY_TRIES = 60;

  private static final Duration BUSY_WAIT = Duration.ofMillis(500);

  /** What one try came to. */
  private enum Recopy {
    DONE,
    BUSY,
    NOT_DONE
  }

  private final ReplicatedBlobStore store;
  private final BlobPeers peers;
  private final IMap<String, BlobMeta> meta;
  private final KeyLocks locks;
  private final ReplicationSettings settings;
  private final ScheduledExecutorService executor;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();

  DamagedCopies(
      ReplicatedBlobStore store,
      BlobPeers peers,
      IMap<String, BlobMeta> meta,
      KeyLocks locks,
      ReplicationSettings settings,
      ScheduledExecutorService executor) {
    this.store = store;
    this.peers = peers;
    this.meta = meta;
    this.locks = locks;
    this.settings = settings;
    this.executor = executor;
  }

  /** Copies the blob again onto the node whose copy is damaged, soon; never throws. */
  void recopyLater(BlobMeta damaged, String node) {
    String id = node + " " + damaged.key();
    if (queued.add(id)) {
      recopyAfter(damaged, node, id, 0, 1);
    }
  }

  /** Tries after {@code delayMillis}; a busy key is tried again, up to {@link #BUSY_TRIES}. */
  private void recopyAfter(BlobMeta damaged, String node, String id, long delayMillis, int tries) {
    try {
      executor.schedule(
          () -> {
            queued.remove(id);
            if (recopy(damaged, node) == Recopy.BUSY && tries < BUSY_TRIES && queued.add(id)) {
              recopyAfter(damaged, node, id, BUSY_WAIT.toMillis(), tries + 1);
            }
          },
          delayMillis,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) { // stopping: the next scrub or repair comes back
      queued.remove(id);
    }
  }

  /**
   * Copies the blob again onto the node whose copy is damaged, from another replica, under the
   * key's lock; true if a good copy is there now. A key a put or delete is busy with, or that was
   * replaced or deleted since, is left alone (false).
   */
  boolean recopyNow(BlobMeta damaged, String node) {
    return recopy(damaged, node) == Recopy.DONE;
  }

  private Recopy recopy(BlobMeta damaged, String node) {
    if (!locks.tryLock(damaged.key())) {
      return Recopy.BUSY; // a put, delete or repair holds it
    }
    try {
      BlobMeta now = meta.get(damaged.key());
      if (now == null || !now.sha256().equals(damaged.sha256())) {
        return Recopy.NOT_DONE;
      }
      Set<String> live = peers.live().keySet();
      for (String source : now.replicas()) {
        if (!source.equals(node) && live.contains(source) && copy(now, source, node)) {
          return Recopy.DONE;
        }
      }
      return Recopy.NOT_DONE;
    } finally {
      locks.unlock(damaged.key());
    }
  }

  private boolean copy(BlobMeta blob, String source, String node) {
    try {
      if (node.equals(peers.self())) { // here: no call to this node's own busy executor
        store.local().pull(blob.key(), blob.sha256(), blob.size(), source);
      } else {
        BlobPeers.await(
            peers.copy(
                node, new BlobTasks.PullCopy(blob.key(), blob.sha256(), blob.size(), source)),
            settings.copyTimeout());
      }
      LOG.info("copy of blob '{}' on node {} copied again from {}", blob.key(), node, source);
      return true;
    } catch (RuntimeException e) {
      LOG.warn(
          "copying blob '{}' again onto {} from {} failed: {}",
          blob.key(),
          node,
          source,
          e.getMessage());
      return false;
    }
  }

  /**
   * Copies each damaged copy on this node again from a good replica; how many it replaced. A key
   * deleted meanwhile is forgotten.
   */
  int recopyHere() {
    int recopied = 0;
    for (String key : store.local().damagedKeys()) {
      BlobMeta known = meta.get(key);
      if (known == null) {
        store.local().forget(key);
      } else if (recopyNow(known, peers.self())) {
        recopied++;
      }
    }
    return recopied;
  }

  /** Re-reads every copy on this node's disk and replaces the damaged ones. */
  void scrub() {
    try {
      if (!store.local().scrub().isEmpty()) {
        recopyHere();
      }
    } catch (RuntimeException e) {
      LOG.warn("scrub of node {} failed; the next one tries again", peers.self(), e);
    }
  }
}
