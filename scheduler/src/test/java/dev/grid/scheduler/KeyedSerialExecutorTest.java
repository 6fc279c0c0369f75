package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedSerialExecutorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final KeyedSerialExecutor executor = new KeyedSerialExecutor(pool);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void tasks_of_one_key_run_one_at_a_time_in_the_order_given() throws Exception {
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(200);
    for (int i = 0; i < 200; i++) {
      int n = i;
      executor.execute(
          "nightly",
          () -> {
            if (running.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            Thread.yield();
            ran.add(n);
            running.decrementAndGet();
            done.countDown();
          });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(overlaps.get()).isZero();
    assertThat(ran).isSorted().hasSize(200);
  }

  @Test
  void a_key_whose_task_is_stuck_holds_up_no_other_key() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch otherRan = new CountDownLatch(1);
    AtomicInteger afterStuck = new AtomicInteger();
    executor.execute("stuck", () -> awaitQuietly(release));
    executor.execute("stuck", afterStuck::incrementAndGet);
    executor.execute("other", otherRan::countDown);

    assertThat(otherRan.await(5, TimeUnit.SECONDS)).as("the other key's task").isTrue();
    assertThat(afterStuck.get()).as("the stuck key's next task, before release").isZero();
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(afterStuck).hasValue(1));
  }

  @Test
  void a_task_that_throws_does_not_stop_its_key() throws Exception {
    CountDownLatch next = new CountDownLatch(1);
    executor.execute(
        "k",
        () -> {
          throw new IllegalStateException("boom");
        });
    executor.execute("k", next::countDown);
    assertThat(next.await(5, TimeUnit.SECONDS)).isTrue();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
