package dev.grid.storage;

import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-key locks of the metadata map, under which puts, deletes and repairs of one key take
 * turns across the cluster. Every lock is taken with a bounded wait and a lease.
 *
 * <p>Why bounded: Hazelcast's {@code IMap.lock} waits for ever, and a lock is freed only when its
 * holder unlocks or is seen to leave. Across a partition and its merge (where a member's id
 * changes) a lock can outlive the thread that meant to hold it: Hazelcast then logs "Current thread
 * is not owner of the lock!" for the unlock, and whoever waits for the key waits without end, a
 * write-behind thread of the primary among them. With a lease the lock goes by itself once no put
 * could still be running; with a bounded wait a writer gives up and tries again later (write-behind
 * retries) instead of hanging.
 */
final class KeyLocks {
  private static final Logger LOG = LoggerFactory.getLogger(KeyLocks.class);

  private final IMap<String, BlobMeta> meta;
  private final Duration wait;
  private final Duration lease;

  /**
   * @param wait the longest a writer waits for a key another holds
   * @param lease how long a lock lasts at most: longer than any put or repair of one key takes
   */
  KeyLocks(IMap<String, BlobMeta> meta, Duration wait, Duration lease) {
    this.meta = meta;
    this.wait = wait;
    this.lease = lease;
  }

  /**
   * The locks for a store with these settings: a writer waits one call timeout for a busy key; a
   * lock lasts two copy timeouts and a call timeout, the longest a large put takes (its pushes,
   * then pulls to replace failed ones, then the record).
   */
  static KeyLocks of(IMap<String, BlobMeta> meta, ReplicationSettings settings) {
    return new KeyLocks(
        meta,
        settings.callTimeout(),
        settings.copyTimeout().multipliedBy(2).plus(settings.callTimeout()));
  }

  /** Takes the key's lock, waiting at most the wait; throws naming the key if it cannot. */
  void lock(String key) {
    boolean taken;
    try {
      taken =
          meta.tryLock(
              key, wait.toMillis(), TimeUnit.MILLISECONDS, lease.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to write blob '" + key + "'", e);
    }
    if (!taken) {
      throw new IllegalStateException(
          "blob '"
              + key
              + "' has been busy (written, deleted or"
              + " repaired elsewhere) for "
              + wait.toSeconds()
              + " s; try again later");
    }
  }

  /** Takes the key's lock if it is free now. */
  boolean tryLock(String key) {
    try {
      return meta.tryLock(key, 0, TimeUnit.MILLISECONDS, lease.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Frees the key's lock. A lock that is no longer this thread's (its lease ran out, or a merge
   * dropped it) is not an error: the work under it is done either way.
   */
  void unlock(String key) {
    try {
      meta.unlock(key);
    } catch (IllegalMonitorStateException e) {
      LOG.info(
          "the lock of blob '{}' was no longer held here when released ({})", key, e.getMessage());
    }
  }
}
