package dev.grid.storage;

import static dev.grid.storage.BlobStoreContract.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the grid's results rely on: a blob outlives the member that wrote it. */
class HazelcastBlobStoreFailoverTest {
  private static final int CHUNK = HazelcastBlobStore.DEFAULT_CHUNK_SIZE;

  private TestMembers members;

  @BeforeEach
  void startMembers() {
    members = TestMembers.start(2);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> members.member(1).getCluster().getMembers().size() == 2
            && members.member(1).getPartitionService().isClusterSafe());
  }

  @AfterEach
  void stopMembers() {
    members.close();
  }

  @Test
  void when_the_writing_member_is_terminated_then_every_blob_is_read_whole_from_the_survivor() {
    HazelcastInstance writer = members.member(0);
    HazelcastInstance survivor = members.member(1);
    Map<String, byte[]> written = new LinkedHashMap<>();
    written.put("out/j1/0/stdout", new byte[0]);
    written.put("out/j1/0/stderr", random(1, 1));
    written.put("out/j2/0/stdout", random(CHUNK, 2));
    written.put("out/j3/0/stdout", random(CHUNK + 1, 3));
    written.put("out/j4/0/stdout", random(5 * 1024 * 1024 + 7, 4));
    for (int i = 0; i < 40; i++) {
      written.put("res/j" + (100 + i) + "/exit", BlobStoreContract.utf8(Integer.toString(i)));
    }
    try (BlobStore store = new HazelcastBlobStore(writer)) {
      written.forEach(store::put);
    }

    writer.getLifecycleService().terminate();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> survivor.getCluster().getMembers().size() == 1);

    try (BlobStore store = new HazelcastBlobStore(survivor)) {
      assertThat(store.list("")).containsExactlyElementsOf(written.keySet().stream().sorted().toList());
      written.forEach(
          (key, content) ->
              assertThat(store.get(key))
                  .as(key)
                  .hasValueSatisfying(b -> assertThat(b).isEqualTo(content)));
      byte[] later = random(CHUNK * 2, 5);
      store.put("out/j5/0/stdout", later);
      assertThat(store.get("out/j5/0/stdout")).hasValueSatisfying(b -> assertThat(b).isEqualTo(later));
    }
  }
}
