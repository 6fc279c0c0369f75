package dev.grid.api.internal;

import dev.grid.api.GridAuthException;
import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobNotFoundException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Turns "tell me when job X ends" into futures, by polling its status.
 *
 * <p>No thread waits per job: one timer thread schedules the polls and a small pool makes the
 * calls, so ten thousand watched jobs cost ten thousand small objects, not threads. Each job is
 * polled with a backoff from {@value #FIRST_DELAY_MILLIS} ms, doubling, up to {@value
 * #MAX_DELAY_MILLIS} ms: a quick job is seen ending within milliseconds, a long one costs four
 * requests a second. Cancelling a future stops its polling.
 *
 * <p>A poll that fails for a reason that may pass (no node answered, a node error while the grid
 * fails over) is tried again; after {@value #MAX_CONSECUTIVE_FAILURES} such failures in a row, or
 * at once for an unknown job or a refused token, the future fails with the error.
 *
 * <p>Not part of the public API.
 */
public final class CompletionWatcher implements AutoCloseable {
  static final long FIRST_DELAY_MILLIS = 5;
  static final long MAX_DELAY_MILLIS = 250;
  static final int MAX_CONSECUTIVE_FAILURES = 20;
  private static final int POLL_THREADS = 4;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Function<JobId, JobInfo> status;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor pollers;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param status fetches a job's current state; throws as {@code GridClient#status} does
   */
  public CompletionWatcher(Function<JobId, JobInfo> status) {
    this.status = status;
    int instance = INSTANCES.incrementAndGet();
    this.timer = new ScheduledThreadPoolExecutor(1, daemon("grid-client-timer-" + instance + "-"));
    this.timer.setRemoveOnCancelPolicy(true);
    this.pollers =
        new ThreadPoolExecutor(
            POLL_THREADS,
            POLL_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemon("grid-client-poll-" + instance + "-"));
    this.pollers.allowCoreThreadTimeOut(true);
  }

  /** A future completed with the job's info once its state is terminal. */
  public CompletableFuture<JobInfo> watch(JobId id) {
    Watch watch = new Watch(id);
    watches.add(watch);
    watch.future.whenComplete((info, error) -> watch.stop());
    if (closed.get()) {
      watch.future.completeExceptionally(closedError(id));
    } else {
      watch.schedule(FIRST_DELAY_MILLIS);
    }
    return watch.future;
  }

  /** Stops polling; futures still pending fail with a {@link GridException}. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    pollers.shutdownNow();
    for (Watch watch : Set.copyOf(watches)) {
      watch.future.completeExceptionally(closedError(watch.id));
    }
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
      pollers.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static GridException closedError(JobId id) {
    return new GridException("the client was closed before job " + id + " ended");
  }

  private final class Watch {
    final JobId id;
    final CompletableFuture<JobInfo> future = new CompletableFuture<>();
    long delayMillis = FIRST_DELAY_MILLIS;
    int failures;
    volatile Future<?> next;

    Watch(JobId id) {
      this.id = id;
    }

    void schedule(long delay) {
      if (future.isDone()) {
        return;
      }
      try {
        next = timer.schedule(() -> submitPoll(), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(closedError(id));
      }
    }

    private void submitPoll() {
      try {
        pollers.execute(this::poll);
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(closedError(id));
      }
    }

    void poll() {
      if (future.isDone()) {
        return;
      }
      try {
        JobInfo info = status.apply(id);
        failures = 0;
        if (info.state().isTerminal()) {
          future.complete(info);
          return;
        }
      } catch (JobNotFoundException | GridAuthException | IllegalArgumentException e) {
        future.completeExceptionally(e);
        return;
      } catch (GridException | UncheckedIOException e) {
        if (++failures >= MAX_CONSECUTIVE_FAILURES) {
          future.completeExceptionally(e);
          return;
        }
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
        return;
      }
      delayMillis = Math.min(delayMillis * 2, MAX_DELAY_MILLIS);
      schedule(delayMillis);
    }

    void stop() {
      watches.remove(this);
      Future<?> pending = next;
      if (pending != null) {
        pending.cancel(false);
      }
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
