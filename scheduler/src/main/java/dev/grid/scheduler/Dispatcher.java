package dev.grid.scheduler;

import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The dispatch decision, apart from its effects: a snapshot of queued jobs and workers in, the
 * assignments out. Jobs go in queue order to workers in round-robin order (by name, continuing
 * after the worker that got the last job), skipping workers with no free slot; with no free slot
 * anywhere, the rest wait.
 */
public final class Dispatcher {
  private Dispatcher() {}

  /** A live worker: its slots and how many jobs it holds now (dispatched or running). */
  public record Worker(String name, int slots, int active) {
    /** Free slots, never negative. */
    public int free() {
      return Math.max(0, slots - active);
    }
  }

  /**
   * What the primary knows when it decides.
   *
   * @param queued queued jobs, oldest first
   * @param workers the live workers, in any order
   * @param lastWorker the worker that got the previous job, or null
   */
  public record Snapshot(List<JobId> queued, List<Worker> workers, String lastWorker) {
    public Snapshot {
      queued = List.copyOf(queued);
      workers = List.copyOf(workers);
    }
  }

  /** One job to one worker. */
  public record Assignment(JobId job, String worker) {}

  /** The assignments, in order, and the round-robin position after them. */
  public record Plan(List<Assignment> assignments, String lastWorker) {}

  /** Decides which queued jobs go where. */
  public static Plan plan(Snapshot snapshot) {
    List<Worker> workers = new ArrayList<>(snapshot.workers());
    workers.sort(Comparator.comparing(Worker::name));
    int n = workers.size();
    int[] free = new int[n];
    int totalFree = 0;
    for (int i = 0; i < n; i++) {
      free[i] = workers.get(i).free();
      totalFree += free[i];
    }
    int next = firstAfter(workers, snapshot.lastWorker());
    String last = snapshot.lastWorker();
    List<Assignment> out = new ArrayList<>();
    for (JobId job : snapshot.queued()) {
      if (totalFree == 0) {
        break;
      }
      while (free[next] == 0) {
        next = (next + 1) % n;
      }
      Worker w = workers.get(next);
      out.add(new Assignment(job, w.name()));
      free[next]--;
      totalFree--;
      last = w.name();
      next = (next + 1) % n;
    }
    return new Plan(List.copyOf(out), last);
  }

  /** Index of the first worker whose name sorts after {@code last} (wrapping to 0). */
  private static int firstAfter(List<Worker> sorted, String last) {
    if (last == null) {
      return 0;
    }
    for (int i = 0; i < sorted.size(); i++) {
      if (sorted.get(i).name().compareTo(last) > 0) {
        return i;
      }
    }
    return 0;
  }
}
