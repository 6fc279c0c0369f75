package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dispatch decision, apart from its effects: a snapshot of what is queued and of the workers
 * in, the assignments out. The queue is served in order, to workers in round-robin order (by name,
 * continuing after the worker that got the last work), skipping workers with no room. Once
 * something finds no room anywhere, what is behind it waits too: otherwise an array's deep slices,
 * refilled as they drain, would keep every worker busy and a job queued before the array would wait
 * for all of it.
 *
 * <ul>
 *   <li>A job takes one free slot.
 *   <li>An array gives a worker a <em>slice</em> of its queued tasks. A worker may hold up to its
 *       slots times the array's {@code depth} of them: depth 1 (tasks of unknown or long run time,
 *       or a capped array) fills only free slots; tasks that end in milliseconds have a higher
 *       depth, so that a worker gets them a few hundred at a time rather than one per slot per
 *       round trip (guided self-scheduling). A worker that holds more than half its allowance gets
 *       no new slice yet: slices stay large.
 *   <li>A capped array ({@code --array 0-999%50}) never holds more than its room; it is skipped,
 *       not waited for, once full: the work behind it goes on.
 *   <li>A job (or array) that needs labels ({@code --constraint}) goes round-robin among the
 *       workers that have them; when none of those has room it is skipped, not waited for, so that
 *       it keeps no job for other nodes waiting (it may then wait behind later work for those
 *       nodes).
 *   <li>A queue with a limit ({@code bin/queue set NAME --max-slots N}) works the same way across
 *       its jobs and arrays: once its room is taken, its work is skipped and the rest goes on, so
 *       one queue cannot take every slot, nor keep another waiting.
 *   <li>A job that reserves CPUs or memory ({@code --cpus 2 --mem 4G}) goes only where they fit
 *       beside what the worker's other work reserves; an array's tasks each reserve as much. When
 *       it fits nowhere now, what is behind it waits (as for a slot), so that big jobs are not
 *       starved by small ones; when it could not fit on any live worker even empty, it is skipped.
 * </ul>
 */
public final class Dispatcher {
  private Dispatcher() {}

  /**
   * A live worker: its slots, how many tasks it holds now (dispatched or running), the labels it
   * declared, the CPUs and memory it offers and how much of them its work reserves now.
   */
  public record Worker(
      String name,
      int slots,
      int active,
      Set<String> labels,
      int cpus,
      long memoryBytes,
      int cpusReserved,
      long memoryReserved) {
    public Worker {
      labels = Set.copyOf(labels);
    }

    /** A worker whose CPUs and memory are not counted. */
    public Worker(String name, int slots, int active, Set<String> labels) {
      this(name, slots, active, labels, Integer.MAX_VALUE, Long.MAX_VALUE, 0, 0);
    }

    /** A worker without labels. */
    public Worker(String name, int slots, int active) {
      this(name, slots, active, Set.of());
    }

    /** Free slots, never negative. */
    public int free() {
      return Math.max(0, slots - active);
    }

    /** Whether it has every label of {@code constraints}. */
    public boolean has(List<String> constraints) {
      return labels.containsAll(constraints);
    }

    /** Whether {@code need} would fit on it with nothing else running. */
    public boolean couldFit(Resources need) {
      return need.fitsIn(cpus, memoryBytes);
    }
  }

  /** Something queued: a job, or an array's queued tasks. */
  public sealed interface Demand {}

  /**
   * A queued job.
   *
   * @param queue the queue it waits in
   * @param constraints the labels a worker must have to run it; empty for any
   * @param need the CPUs and memory it reserves
   */
  public record Job(JobId id, String queue, List<String> constraints, Resources need)
      implements Demand {
    /** A job of the default queue, for any node. */
    public Job(JobId id) {
      this(id, Scheduling.DEFAULT_QUEUE);
    }

    /** A job for any node. */
    public Job(JobId id, String queue) {
      this(id, queue, List.of());
    }

    /** A job that reserves nothing. */
    public Job(JobId id, String queue, List<String> constraints) {
      this(id, queue, constraints, Resources.NONE);
    }
  }

  /**
   * An array's queued tasks.
   *
   * @param id the array
   * @param queued how many tasks are queued
   * @param room how many more may be dispatched now under its cap ({@code Integer.MAX_VALUE} if it
   *     has none)
   * @param depth tasks per slot a worker may hold (1 or more)
   * @param queue the queue it waits in
   * @param constraints the labels a worker must have to run its tasks; empty for any
   * @param need the CPUs and memory each task reserves
   */
  public record Array(
      JobId id,
      int queued,
      int room,
      int depth,
      String queue,
      List<String> constraints,
      Resources need)
      implements Demand {
    /** An array of the default queue, for any node. */
    public Array(JobId id, int queued, int room, int depth) {
      this(id, queued, room, depth, Scheduling.DEFAULT_QUEUE);
    }

    /** An array for any node. */
    public Array(JobId id, int queued, int room, int depth, String queue) {
      this(id, queued, room, depth, queue, List.of());
    }

    /** An array whose tasks reserve nothing. */
    public Array(
        JobId id, int queued, int room, int depth, String queue, List<String> constraints) {
      this(id, queued, room, depth, queue, constraints, Resources.NONE);
    }
  }

  /**
   * What the primary knows when it decides.
   *
   * @param queue queued work, oldest first
   * @param workers the live workers, in any order
   * @param lastWorker the worker that got the previous work, or null
   * @param queueRoom how many more slots each limited queue may take now; a queue not named has no
   *     limit
   */
  public record Snapshot(
      List<Demand> queue, List<Worker> workers, String lastWorker, Map<String, Integer> queueRoom) {
    public Snapshot {
      queue = List.copyOf(queue);
      workers = List.copyOf(workers);
      queueRoom = Map.copyOf(queueRoom);
    }

    /** A snapshot without queue limits. */
    public Snapshot(List<Demand> queue, List<Worker> workers, String lastWorker) {
      this(queue, workers, lastWorker, Map.of());
    }

    /** A snapshot of jobs only. */
    public static Snapshot ofJobs(List<JobId> queued, List<Worker> workers, String lastWorker) {
      return new Snapshot(queued.stream().<Demand>map(Job::new).toList(), workers, lastWorker);
    }
  }

  /** One job to one worker. */
  public record Assignment(JobId job, String worker) {}

  /** {@code count} queued tasks of an array to one worker. */
  public record Slice(JobId array, String worker, int count) {}

  /** The assignments and slices, in order, and the round-robin position after them. */
  public record Plan(List<Assignment> assignments, List<Slice> slices, String lastWorker) {}

  /** Decides what goes where. */
  public static Plan plan(Snapshot snapshot) {
    List<Worker> workers = new ArrayList<>(snapshot.workers());
    workers.sort(Comparator.comparing(Worker::name));
    Room room = new Room(workers);
    int n = workers.size();
    int next = firstAfter(workers, snapshot.lastWorker());
    String last = snapshot.lastWorker();
    List<Assignment> jobs = new ArrayList<>();
    List<Slice> slices = new ArrayList<>();
    Map<String, Integer> queueRoom = new HashMap<>(snapshot.queueRoom());
    for (Demand d : snapshot.queue()) {
      if (n == 0) {
        break;
      }
      if (d instanceof Job j) {
        if (queueRoom.getOrDefault(j.queue(), 1) <= 0) {
          continue; // its queue's room is taken: skipped, not waited for
        }
        int w = room.firstWith(next, 1, false, j.constraints(), j.need());
        if (w < 0 && (!j.constraints().isEmpty() || !room.couldEverFit(j.need()))) {
          // No room on a node with its labels: skipped, so it keeps no other job waiting. Or
          // too big for every live worker: it cannot be helped by waiting here.
          continue;
        }
        if (w < 0) {
          break; // no room: what is behind waits too, so that room frees up for this job
        }
        jobs.add(new Assignment(j.id(), workers.get(w).name()));
        queueRoom.computeIfPresent(j.queue(), (q, left) -> left - 1);
        room.take(w, 1, j.need());
        last = workers.get(w).name();
        next = (w + 1) % n;
      } else if (d instanceof Array a) {
        int left =
            Math.min(
                Math.min(a.queued(), a.room()),
                queueRoom.getOrDefault(a.queue(), Integer.MAX_VALUE));
        int before = left;
        boolean placed = false;
        while (left > 0) {
          int w = room.firstWith(next, a.depth(), true, a.constraints(), a.need());
          if (w < 0) {
            break;
          }
          placed = true;
          int count = Math.min(left, room.tasksFitting(w, a.depth(), a.need()));
          slices.add(new Slice(a.id(), workers.get(w).name(), count));
          room.take(w, count, a.need());
          left -= count;
          last = workers.get(w).name();
          next = (w + 1) % n;
        }
        int placedCount = before - left;
        queueRoom.computeIfPresent(a.queue(), (q, r) -> r - placedCount);
        if (left > 0 && !placed && a.constraints().isEmpty() && room.couldEverFit(a.need())) {
          break; // no room for it anywhere: what is behind waits too (a full cap is no wait)
        }
      }
    }
    return new Plan(List.copyOf(jobs), List.copyOf(slices), last);
  }

  /** What each worker holds and reserves as the plan goes, in the workers' sorted order. */
  private static final class Room {
    private final List<Worker> workers;
    private final int[] active;
    private final int[] cpus;
    private final long[] memory;

    Room(List<Worker> workers) {
      this.workers = workers;
      int n = workers.size();
      active = new int[n];
      cpus = new int[n];
      memory = new long[n];
      for (int i = 0; i < n; i++) {
        active[i] = workers.get(i).active();
        cpus[i] = workers.get(i).cpusReserved();
        memory[i] = workers.get(i).memoryReserved();
      }
    }

    /**
     * The first worker from {@code start} on (wrapping) that has the labels, room under the given
     * depth and {@code need} left unreserved, or -1. With {@code halfEmpty}, a worker whose
     * allowance is over one slot deep must also hold no more than half of it.
     */
    int firstWith(
        int start, int depth, boolean halfEmpty, List<String> constraints, Resources need) {
      int n = workers.size();
      for (int k = 0; k < n; k++) {
        int w = (start + k) % n;
        if (!workers.get(w).has(constraints) || !fits(w, need)) {
          continue;
        }
        int allowance = workers.get(w).slots() * depth;
        boolean room = active[w] < allowance;
        if (room && halfEmpty && depth > 1) {
          room = active[w] <= allowance / 2;
        }
        if (room) {
          return w;
        }
      }
      return -1;
    }

    /** How many more tasks, each reserving {@code need}, worker {@code w} may take now. */
    int tasksFitting(int w, int depth, Resources need) {
      long count = (long) workers.get(w).slots() * depth - active[w];
      if (need.cpus() > 0) {
        count = Math.min(count, (workers.get(w).cpus() - (long) cpus[w]) / need.cpus());
      }
      if (need.memoryBytes() > 0) {
        count = Math.min(count, (workers.get(w).memoryBytes() - memory[w]) / need.memoryBytes());
      }
      return (int) Math.max(0, count);
    }

    boolean fits(int w, Resources need) {
      return need.none()
          || need.fitsIn(
              (int) Math.min(Integer.MAX_VALUE, (long) workers.get(w).cpus() - cpus[w]),
              workers.get(w).memoryBytes() - memory[w]);
    }

    /** Whether some live worker could hold {@code need} with nothing else running. */
    boolean couldEverFit(Resources need) {
      return need.none() || workers.stream().anyMatch(w -> w.couldFit(need));
    }

    void take(int w, int count, Resources need) {
      active[w] += count;
      cpus[w] += count * need.cpus();
      memory[w] += count * need.memoryBytes();
    }
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
