package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mechanism behind a primary that stopped firing after a partition: Hazelcast queues every call
 * that may touch a map's store behind a load in progress on the same map partition, so one
 * read-through load that waits on an unreachable node holds up every write to its partition (a
 * schedule's fire, a job's dispatch) for as long as it waits. Loads are bounded: the stuck one
 * fails after its timeout, and the calls behind it go on. One member in this JVM, a blob store
 * whose read of one key never returns (as a read from a node that is cut off).
 */
class BlobMapStoreLoadTest {
  private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(1);
  private static final String STUCK = "stuck";

  /** A blob store whose read of the stuck key waits until released. */
  private static final class Unreachable implements BlobStore {
    final InMemoryBlobStore blobs = new InMemoryBlobStore();
    final CountDownLatch released = new CountDownLatch(1);

    @Override
    public void put(String key, InputStream content) {
      blobs.put(key, content);
    }

    @Override
    public Optional<InputStream> open(String key) {
      if (key.endsWith("/" + STUCK)) {
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return blobs.open(key);
    }

    @Override
    public boolean delete(String key) {
      return blobs.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
      return blobs.list(prefix);
    }

    @Override
    public void close() {
      released.countDown();
      blobs.close();
    }
  }

  /** Sets the entry's value. */
  private static final class SetValue implements EntryProcessor<String, String, String> {
    @Override
    public String process(Map.Entry<String, String> entry) {
      entry.setValue("set");
      return "set";
    }
  }

  private final Unreachable blobs = new Unreachable();
  private HazelcastInstance member;
  private IMap<String, String> map;

  @BeforeEach
  void start() {
    Config config = new Config();
    config.setClusterName("load-test-" + TestMembers.freePort());
    config.getJetConfig().setEnabled(false);
    config.getNetworkConfig().setPort(TestMembers.freePort()).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.setProperty("hazelcast.partition.count", "3");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.addMapConfig(
        new MapConfig("things")
            .setMapStoreConfig(
                new MapStoreConfig()
                    .setEnabled(true)
                    .setWriteDelaySeconds(1)
                    .setImplementation(
                        BlobMapStore.of(
                                "state/things/",
                                new BlobCodec<String>() {
                                  @Override
                                  public byte[] encode(String value) {
                                    return value.getBytes(StandardCharsets.UTF_8);
                                  }

                                  @Override
                                  public String decode(byte[] bytes) {
                                    return new String(bytes, StandardCharsets.UTF_8);
                                  }
                                })
                            .over(blobs)
                            .loadTimeout(LOAD_TIMEOUT))));
    member = Hazelcast.newHazelcastInstance(config);
    map = member.getMap("things");
  }

  @AfterEach
  void stop() {
    blobs.close();
    member.getLifecycleService().terminate();
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // else it waited for ever
  void when_a_load_waits_on_an_unreachable_node_then_writes_to_its_partition_still_go_through()
      throws Exception {
    int partition = member.getPartitionService().getPartition(STUCK).getPartitionId();
    String neighbour =
        IntStream.range(0, 1000)
            .mapToObj(i -> "job-" + i)
            .filter(k -> member.getPartitionService().getPartition(k).getPartitionId() == partition)
            .findFirst()
            .orElseThrow();
    map.set(neighbour, "queued");

    CompletableFuture<String> stuckRead = map.getAsync(STUCK).toCompletableFuture();
    long started = System.nanoTime();
    String written = map.executeOnKey(neighbour, new SetValue()); // as a fire or dispatch does
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(written).isEqualTo("set");
    assertThat(took).isLessThan(LOAD_TIMEOUT.plusSeconds(4));
    assertThat(map.get(neighbour)).isEqualTo("set");
    try {
      stuckRead.get(10, TimeUnit.SECONDS);
      throw new AssertionError("the stuck read returned");
    } catch (ExecutionException e) {
      assertThat(e.getCause())
          .hasMessageContaining("reading blob 'state/things/stuck' took over" + " 1000 ms")
          .hasMessageContaining("try again");
    }
  }
}
