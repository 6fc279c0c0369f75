package dev.grid.storage;

import java.util.ArrayDeque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Keeps at most a few asynchronous map operations in flight: {@link #submit} waits for the oldest
 * when the window is full, so a large blob is written as a pipeline with bounded memory rather
 * than one round trip per chunk or every chunk at once. Used by one thread at a time.
 */
final class AsyncWindow {
  private final int capacity;
  private final ArrayDeque<CompletionStage<?>> inFlight = new ArrayDeque<>();
  private int submitted;

  AsyncWindow(int capacity) {
    this.capacity = capacity;
  }

  /** Starts the operation, first waiting for the oldest one if {@code capacity} are running. */
  void submit(Supplier<? extends CompletionStage<?>> operation) {
    while (inFlight.size() >= capacity) {
      await(inFlight.removeFirst());
    }
    submitted++;
    inFlight.addLast(operation.get());
  }

  /** How many operations were started (or tried to start). */
  int submitted() {
    return submitted;
  }

  /** Waits for every operation started; the first failure is thrown after all have ended. */
  void awaitAll() {
    RuntimeException first = null;
    while (!inFlight.isEmpty()) {
      try {
        await(inFlight.removeFirst());
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The stage's value, with a failure rethrown as the unchecked exception that caused it. */
  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the blob store", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new CompletionException(cause);
    }
  }
}
