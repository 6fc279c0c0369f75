package dev.grid.scheduler;

import dev.grid.storage.BlobStore;
import dev.grid.storage.InMemoryBlobStore;
import dev.grid.storage.Restorable;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory blob store that outlives the test's clusters, says it is restored only when told,
 * and counts its reads and writes: a stand-in for the replicated store across a full restart.
 */
final class RestorableMemoryStore implements BlobStore, Restorable {
  private final InMemoryBlobStore blobs = new InMemoryBlobStore();
  private volatile CountDownLatch restored = new CountDownLatch(0);
  final AtomicInteger puts = new AtomicInteger();
  final AtomicInteger deletes = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();

  /** Forgets being restored, as a store does when its grid starts again. */
  void restart() {
    restored = new CountDownLatch(1);
  }

  void markRestored() {
    restored.countDown();
  }

  @Override
  public boolean awaitRestored(Duration timeout) {
    try {
      return restored.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void put(String key, InputStream content) {
    puts.incrementAndGet();
    blobs.put(key, content);
  }

  @Override
  public Optional<InputStream> open(String key) {
    reads.incrementAndGet();
    return blobs.open(key);
  }

  @Override
  public boolean delete(String key) {
    deletes.incrementAndGet();
    return blobs.delete(key);
  }

  @Override
  public List<String> list(String prefix) {
    return blobs.list(prefix);
  }
}
