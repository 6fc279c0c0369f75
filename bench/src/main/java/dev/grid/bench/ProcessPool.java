package dev.grid.bench;

import dev.grid.bench.peers.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The physical limit the grid is measured against: a plain pool of one thread per core, each
 * spawning {@code true} with a bare ProcessBuilder and waiting for it.
 */
final class ProcessPool {
  private final int threads;

  ProcessPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("thread count " + threads + " must be at least 1");
    }
    this.threads = threads;
  }

  int threads() {
    return threads;
  }

  /** Runs {@code true} {@code count} times over the pool; returns the elapsed nanoseconds. */
  long run(int count) {
    AtomicInteger left = new AtomicInteger(count);
    AtomicInteger names = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads, r -> new Thread(r, "bench-spawn-" + names.incrementAndGet()));
    try {
      long start = System.nanoTime();
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        workers.add(
            pool.submit(
                () -> {
                  while (left.getAndDecrement() > 0) {
                    spawnTrue();
                  }
                }));
      }
      for (Future<?> worker : workers) {
        worker.get(10, TimeUnit.MINUTES);
      }
      return System.nanoTime() - start;
    } catch (ExecutionException e) {
      throw new IllegalStateException("spawning `true` failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the ProcessBuilder pool did not finish", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void spawnTrue() {
    Workload.SHELL.run(); // the same spawn as a peer's shell job
  }
}
