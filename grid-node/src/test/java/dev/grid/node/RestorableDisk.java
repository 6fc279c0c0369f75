package dev.grid.node;

import dev.grid.storage.BlobStore;
import dev.grid.storage.LocalDiskStore;
import dev.grid.storage.Restorable;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One disk that every node of an in-JVM test grid shares, opened again for each life of the grid:
 * a stand-in for the replicated store (whose copies survive a full stop) until it lands. It is
 * restored at once, since one disk knows all its blobs.
 */
final class RestorableDisk implements BlobStore, Restorable {
  private final Path dir;
  private volatile LocalDiskStore disk;

  RestorableDisk(Path dir) {
    this.dir = dir;
    this.disk = new LocalDiskStore(dir);
  }

  /** Closes the disk and opens it again, as a new process would. */
  void reopen() {
    disk.close();
    disk = new LocalDiskStore(dir);
  }

  @Override
  public boolean awaitRestored(Duration timeout) {
    return true;
  }

  @Override
  public void put(String key, InputStream content) {
    disk.put(key, content);
  }

  @Override
  public Optional<InputStream> open(String key) {
    return disk.open(key);
  }

  @Override
  public boolean delete(String key) {
    return disk.delete(key);
  }

  @Override
  public List<String> list(String prefix) {
    return disk.list(prefix);
  }

  @Override
  public void close() {
    disk.close();
  }
}
