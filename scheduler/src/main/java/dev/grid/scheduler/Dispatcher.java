package dev.grid.scheduler;

import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dispatch decision, apart from its effects: a snapshot of queued jobs and workers in, the
 * assignments out. Jobs go in queue order to workers in round-robin order (by name, continuing
 * after the worker that got the last job), skipping workers with no free slot; with no free slot
 * anywhere, the rest wait. A task of a capped array ({@code --array 0-999%50}) is skipped, not
 * waited for, while its array already holds as many slots as its cap: the jobs behind it go on.
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
   * A cap on an array: at most {@code limit} of its tasks dispatched or running at once.
   *
   * @param limit the array's {@code %N}
   * @param active its tasks dispatched or running now
   */
  public record ArrayCap(int limit, int active) {}

  /**
   * What the primary knows when it decides.
   *
   * @param queued queued jobs, oldest first
   * @param workers the live workers, in any order
   * @param lastWorker the worker that got the previous job, or null
   * @param arrayOf for each queued task of a capped array, its array
   * @param caps each such array's cap
   */
  public record Snapshot(List<JobId> queued, List<Worker> workers, String lastWorker,
      Map<JobId, JobId> arrayOf, Map<JobId, ArrayCap> caps) {
    public Snapshot {
      queued = List.copyOf(queued);
      workers = List.copyOf(workers);
      arrayOf = Map.copyOf(arrayOf);
      caps = Map.copyOf(caps);
    }

    /** A snapshot without capped arrays. */
    public Snapshot(List<JobId> queued, List<Worker> workers, String lastWorker) {
      this(queued, workers, lastWorker, Map.of(), Map.of());
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
    Map<JobId, Integer> room = new HashMap<>();
    for (JobId job : snapshot.queued()) {
      if (totalFree == 0) {
        break;
      }
      JobId array = snapshot.arrayOf().get(job);
      ArrayCap cap = array == null ? null : snapshot.caps().get(array);
      if (cap != null) {
        int left = room.computeIfAbsent(array, a -> cap.limit() - cap.active());
        if (left <= 0) {
          continue;
        }
        room.put(array, left - 1);
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
