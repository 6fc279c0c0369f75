package dev.grid.node;

import dev.grid.storage.BlobStore;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** A blob store that passes every call to another; a test overrides the call it watches. */
class ForwardingBlobStore implements BlobStore {
  private final BlobStore inner;

  ForwardingBlobStore(BlobStore inner) {
    this.inner = inner;
  }

  @Override
  public void put(String key, InputStream content) {
    inner.put(key, content);
  }

  @Override
  public Optional<InputStream> open(String key) {
    return inner.open(key);
  }

  @Override
  public boolean delete(String key) {
    return inner.delete(key);
  }

  @Override
  public List<String> list(String prefix) {
    return inner.list(prefix);
  }
}
