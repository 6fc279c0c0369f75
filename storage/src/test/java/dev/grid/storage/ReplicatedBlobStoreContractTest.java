package dev.grid.storage;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on three members in this JVM, the store under test being member 0's: with R=2 and
 * the writer keeping the first copy, every put also crosses to another member, and a read of a blob
 * member 0 holds no copy of crosses back.
 */
class ReplicatedBlobStoreContractTest extends BlobStoreContract {
  private static TestMembers members;
  @TempDir static Path root;
  private final List<ReplicatedBlobStore> others = new ArrayList<>();

  @BeforeAll
  static void startMembers() {
    members = TestMembers.start(3);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                members.member(0).getCluster().getMembers().size() == 3
                    && members.member(0).getPartitionService().isClusterSafe());
  }

  @AfterAll
  static void stopMembers() {
    members.close();
  }

  @Override
  protected BlobStore newStore() {
    members.member(0).getMap(ReplicatedBlobStore.META_MAP).clear();
    members.member(0).getMap(ReplicatedBlobStore.TOMBSTONE_MAP).clear();
    List<ReplicatedBlobStore> stores = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path dir = fresh(i);
      stores.add(
          ReplicatedBlobStore.start(
              members.member(i),
              TestMembers.name(i),
              new LocalDiskStore(dir, CHUNK),
              ReplicationSettings.defaults(3),
              Clock.systemUTC()));
    }
    others.addAll(stores.subList(1, 3));
    return stores.get(0);
  }

  private static Path fresh(int member) {
    try {
      return Files.createTempDirectory(root, TestMembers.name(member) + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterEach
  void closeOthers() {
    others.forEach(ReplicatedBlobStore::close);
    others.clear();
  }
}
