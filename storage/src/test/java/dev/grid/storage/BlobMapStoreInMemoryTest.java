package dev.grid.storage;

class BlobMapStoreInMemoryTest extends BlobMapStoreContract {
  @Override
  protected BlobStore newStore() {
    return new InMemoryBlobStore();
  }
}
