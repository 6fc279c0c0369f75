package dev.grid.bench.scale;

import dev.grid.api.JobId;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * The floor of {@code bin/bench scale}: the same number of dispatch decisions made the most trivial
 * way, a first-in first-out queue of job ids handed round-robin to an array of free-slot counts,
 * every slot freed at once when none is left. No priorities, queues, labels, CPUs or records: what
 * deciding costs on this machine when it costs almost nothing.
 */
public final class FloorDispatch {
  private FloorDispatch() {}

  /**
   * Makes {@code decisions} decisions over workers with these slots; returns the nanoseconds they
   * took (the queue is filled before the clock starts).
   */
  public static long run(int[] slots, int decisions, LongSupplier ticker) {
    ArrayDeque<JobId> fifo = new ArrayDeque<>(decisions);
    for (int i = 0; i < decisions; i++) {
      fifo.add(JobId.of("job-" + i));
    }
    int[] free = slots.clone();
    int[] assigned = new int[decisions];
    int next = 0;
    int n = slots.length;
    long start = ticker.getAsLong();
    for (int i = 0; i < decisions; i++) {
      fifo.poll();
      int w = -1;
      for (int k = 0; k < n; k++) {
        int candidate = (next + k) % n;
        if (free[candidate] > 0) {
          w = candidate;
          break;
        }
      }
      if (w < 0) {
        free = slots.clone(); // everything ended
        w = next;
      }
      free[w]--;
      assigned[i] = w;
      next = (w + 1) % n;
    }
    long nanos = ticker.getAsLong() - start;
    if (assigned[decisions - 1] < 0) {
      throw new IllegalStateException("unreachable: keeps the decisions from being optimised out");
    }
    return nanos;
  }
}
