package dev.grid.storage;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** The changes and queries the store runs on the metadata map, where the entries live. */
final class MetaUpdates {
  private MetaUpdates() {}

  /**
   * Records a put: the new content and the nodes holding it, one version above the entry it
   * replaces (version 1 if there was none). Returns the entry replaced, or null.
   */
  record RecordPut(StoredBlob blob, List<String> holders)
      implements EntryProcessor<String, BlobMeta, BlobMeta>, Serializable {
    @Override
    public BlobMeta process(Map.Entry<String, BlobMeta> entry) {
      BlobMeta before = entry.getValue();
      long version = before == null ? 1 : before.version() + 1;
      entry.setValue(new BlobMeta(blob.key(), blob.size(), blob.sha256(), holders, version));
      return before;
    }
  }

  /** Records the entry if the key has none; true if it did. */
  record RecordIfAbsent(BlobMeta blob)
      implements EntryProcessor<String, BlobMeta, Boolean>, Serializable {
    @Override
    public Boolean process(Map.Entry<String, BlobMeta> entry) {
      if (entry.getValue() != null) {
        return false;
      }
      entry.setValue(blob);
      return true;
    }
  }

  /** The entries whose key starts with the prefix. */
  record KeyPrefix(String prefix) implements Predicate<String, BlobMeta>, Serializable {
    @Override
    public boolean apply(Map.Entry<String, BlobMeta> entry) {
      return entry.getKey().startsWith(prefix);
    }
  }
}
