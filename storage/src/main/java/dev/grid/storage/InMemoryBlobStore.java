package dev.grid.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A blob store in this process's heap: for tests and a one-process grid. Nothing is replicated and
 * nothing survives the process. Blobs are held whole, so keep them small.
 */
public final class InMemoryBlobStore implements BlobStore {
  private final ConcurrentSkipListMap<String, byte[]> blobs = new ConcurrentSkipListMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  @Override
  public void put(String key, InputStream content) {
    BlobStore.checkKey(key);
    Objects.requireNonNull(content, "content");
    checkOpen();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      content.transferTo(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the content for blob '" + key + "' failed", e);
    }
    blobs.put(key, bytes.toByteArray());
  }

  @Override
  public Optional<InputStream> open(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    // Stored arrays are never written again, so readers may share them.
    return Optional.ofNullable(blobs.get(key)).map(ByteArrayInputStream::new);
  }

  @Override
  public boolean delete(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    return blobs.remove(key) != null;
  }

  @Override
  public List<String> list(String prefix) {
    Prefixes.check(prefix);
    checkOpen();
    List<String> keys = new ArrayList<>();
    for (String key : blobs.tailMap(prefix, true).keySet()) {
      if (!key.startsWith(prefix)) {
        break;
      }
      keys.add(key);
    }
    return keys;
  }

  /** Drops every blob; later calls are refused. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      blobs.clear();
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the in-memory blob store is closed");
    }
  }
}
