package dev.grid.scheduler;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks of one key one at a time, in the order given, and tasks of different keys side by
 * side on a shared pool: a schedule's fires never overlap, and one schedule's slow fire holds up no
 * other schedule (as a thread per hash stripe did, where two schedules sharing a stripe waited for
 * each other).
 */
final class KeyedSerialExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(KeyedSerialExecutor.class);

  private final ExecutorService pool;

  /** Keys with a task running: the tasks waiting behind it, in order. */
  private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>();

  KeyedSerialExecutor(ExecutorService pool) {
    this.pool = pool;
  }

  /** Runs {@code task} after the key's earlier tasks; dropped once the pool is shut down. */
  void execute(String key, Runnable task) {
    synchronized (waiting) {
      ArrayDeque<Runnable> queue = waiting.get(key);
      if (queue != null) {
        queue.add(task);
        return;
      }
      waiting.put(key, new ArrayDeque<>());
    }
    try {
      pool.execute(() -> drain(key, task));
    } catch (RejectedExecutionException e) {
      synchronized (waiting) {
        waiting.remove(key);
      }
    }
  }

  /** Runs the key's tasks until none is left; the key is free again after the last. */
  private void drain(String key, Runnable first) {
    Runnable next = first;
    while (next != null) {
      try {
        next.run();
      } catch (RuntimeException e) {
        LOG.warn("a task of '{}' failed", key, e);
      }
      synchronized (waiting) {
        ArrayDeque<Runnable> queue = waiting.get(key);
        next = queue == null ? null : queue.poll();
        if (next == null) {
          waiting.remove(key);
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        synchronized (waiting) {
          waiting.remove(key); // shut down: what waits is dropped, as a stopped thread's queue was
        }
        return;
      }
    }
  }
}
