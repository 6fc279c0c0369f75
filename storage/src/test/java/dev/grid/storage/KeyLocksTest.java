package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blob key whose lock nobody releases (its holder's unlock went astray in a partition's merge,
 * which Hazelcast reports as "Current thread is not owner of the lock!") must not hold up the
 * writers of that key for ever: a put gives up after the wait, naming the key, and the lock goes by
 * itself when its lease runs out. Two members in this JVM.
 */
class KeyLocksTest {
  private static final Duration CALL = Duration.ofSeconds(1);
  private static final Duration COPY = Duration.ofSeconds(2);

  @TempDir Path dataDirs;
  private TestMembers members;
  private ReplicatedBlobStore store;
  private ReplicatedBlobStore other;

  @BeforeEach
  void start() {
    members = TestMembers.start(2);
    ReplicationSettings settings =
        ReplicationSettings.defaults(2)
            .withIntervals(Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ZERO)
            .withTimeouts(CALL, COPY);
    store =
        ReplicatedBlobStore.start(
            members.member(0),
            TestMembers.name(0),
            new LocalDiskStore(dataDirs.resolve("m0")),
            settings,
            Clock.systemUTC());
    other =
        ReplicatedBlobStore.start(
            members.member(1),
            TestMembers.name(1),
            new LocalDiskStore(dataDirs.resolve("m1")),
            settings,
            Clock.systemUTC());
    assertThat(store.awaitRestored(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    store.close();
    other.close();
    members.close();
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // else it waited for ever
  void when_a_keys_lock_is_never_released_then_a_put_gives_up_in_time_and_later_succeeds()
      throws Exception {
    ReplicationSettings settings = ReplicationSettings.defaults(2).withTimeouts(CALL, COPY);
    KeyLocks elsewhere =
        KeyLocks.of(members.member(1).getMap(ReplicatedBlobStore.META_MAP), settings);
    // Taken on another member's thread, which then ends without unlocking: an orphan.
    CompletableFuture.runAsync(() -> assertThat(elsewhere.tryLock("out/j1/1/stdout")).isTrue())
        .get(10, TimeUnit.SECONDS);

    long started = System.nanoTime();
    assertThatThrownBy(() -> store.put("out/j1/1/stdout", "hello\n".getBytes()))
        .hasMessageContaining("blob 'out/j1/1/stdout' has been busy")
        .hasMessageContaining("try again later");
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isBetween(CALL.minusMillis(100), CALL.plusSeconds(5));

    // The lease (two copy timeouts and a call timeout: 5 s) ends the orphan; a retry goes in.
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              store.put("out/j1/1/stdout", "hello\n".getBytes());
              assertThat(store.get("out/j1/1/stdout"))
                  .hasValueSatisfying(b -> assertThat(new String(b)).isEqualTo("hello\n"));
            });
  }
}
