package dev.grid.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract on one disk, with chunks the size the contract's boundary cases are cut for. */
class LocalDiskStoreContractTest extends BlobStoreContract {
  @TempDir Path dataDir;

  @Override
  protected BlobStore newStore() {
    return new LocalDiskStore(dataDir, CHUNK);
  }
}
