package dev.grid.scheduler;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log when a piece of the primary's work has been running too long, and where it waits:
 * the thread's stack, once per piece. The primary's threads must never wait without bound; when one
 * does all the same (a Hazelcast call held up by a cut-off member, say), the log shows the call
 * instead of going silent.
 *
 * <pre>{@code
 * try (StallWatch.Entry e = watch.enter("fire of 'backup' due 12:00:00")) {
 *   ...
 * }
 * }</pre>
 */
final class StallWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);

  private final String what;
  private final long afterNanos;
  private final LongSupplier nanos;
  private final Map<Entry, Boolean> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService checker;

  /**
   * Watches the work of {@code what} (for the log), reporting what runs longer than {@code after};
   * {@code nanos} is a monotonic clock ({@code System::nanoTime}).
   */
  StallWatch(String what, Duration after, LongSupplier nanos) {
    this.what = what;
    this.afterNanos = after.toNanos();
    this.nanos = nanos;
    this.checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-" + what + "-watch");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(100, after.toMillis() / 4);
    checker.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
  }

  /** Marks the start of a piece of work on the calling thread; close the entry when it ends. */
  Entry enter(String task) {
    Entry e = new Entry(task, Thread.currentThread(), nanos.getAsLong());
    running.put(e, Boolean.FALSE);
    return e;
  }

  /** The pieces running longer than the limit now, reported or not. */
  int stalled() {
    long now = nanos.getAsLong();
    return (int) running.keySet().stream().filter(e -> now - e.startedNanos >= afterNanos).count();
  }

  void check() {
    long now = nanos.getAsLong();
    running.forEach(
        (e, reported) -> {
          if (!reported
              && now - e.startedNanos >= afterNanos
              && running.replace(e, Boolean.FALSE, Boolean.TRUE)) {
            LOG.warn(
                "{}: {} has been running for {} ms on {}, waiting in:\n  {}",
                what,
                e.task,
                (now - e.startedNanos) / 1_000_000,
                e.thread.getName(),
                Arrays.stream(e.thread.getStackTrace())
                    .limit(40)
                    .map(String::valueOf)
                    .collect(Collectors.joining("\n  ")));
          }
        });
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }

  /** One piece of work being watched. */
  final class Entry implements AutoCloseable {
    final String task;
    final Thread thread;
    final long startedNanos;

    private Entry(String task, Thread thread, long startedNanos) {
      this.task = task;
      this.thread = thread;
      this.startedNanos = startedNanos;
    }

    @Override
    public void close() {
      Boolean reported = running.remove(this);
      if (Boolean.TRUE.equals(reported)) {
        LOG.info(
            "{}: {} ended after {} ms", what, task, (nanos.getAsLong() - startedNanos) / 1_000_000);
      }
    }
  }
}
