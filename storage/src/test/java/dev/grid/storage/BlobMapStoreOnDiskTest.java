package dev.grid.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class BlobMapStoreOnDiskTest extends BlobMapStoreContract {
  @TempDir Path dataDir;

  @Override
  protected BlobStore newStore() {
    return new LocalDiskStore(dataDir);
  }
}
