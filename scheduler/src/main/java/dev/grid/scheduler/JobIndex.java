package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.Scheduling;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The primary's view of unfinished jobs, fed by the map's events and by its own updates, which can
 * arrive in either order: a record is kept only if it is newer (higher version) than what is known.
 * Confined to the dispatch thread.
 */
final class JobIndex {
  /** The most retried jobs whose backoff is over that one dispatch round looks at. */
  static final int BACKOFF_DUE_SCAN = 4096;

  private static final Comparator<JobRecord> QUEUE_ORDER = JobRecord.DISPATCH_ORDER;

  private final Map<JobId, JobRecord> unfinished = new HashMap<>();

  /**
   * Queued jobs by the queue they wait in ({@code --queue}), each in dispatch order: kept apart so
   * that a queue at its limit, however long, costs a dispatch round nothing.
   */
  private final Map<Lane, TreeSet<JobRecord>> queues = new HashMap<>();

  /** A queue and the labels its jobs need: the jobs of one lane can go to the same workers. */
  private record Lane(String queue, List<String> constraints) {
    static Lane of(JobRecord r) {
      Scheduling s = r.spec().schedulingOrDefault();
      return new Lane(s.queueOrDefault(), s.constraintsOrNone());
    }
  }

  /**
   * Queued jobs waiting out a retry's backoff, soonest due first: kept apart so that a dispatch
   * round looks only at those due, however many wait.
   */
  private final TreeSet<JobRecord> backingOff =
      new TreeSet<>(
          Comparator.comparingLong((JobRecord r) -> r.retryAtMillis()).thenComparing(QUEUE_ORDER));

  /**
   * Ended jobs: version at the end and when it was seen, so late copies are not taken back. In the
   * order they were seen, so that pruning stops at the first one still young instead of walking
   * every job that ended in the last minute (100,000 under a large array, twice a second).
   */
  private final Map<JobId, long[]> ended = new LinkedHashMap<>();

  /** Arrays' own records that are QUEUED (their tasks may be dispatched), in dispatch order. */
  private final TreeSet<JobRecord> queuedArrays = new TreeSet<>(QUEUE_ORDER);

  /**
   * Dispatched or running jobs, and how many of them each worker holds, kept apart so that a
   * dispatch round does not walk every unfinished job (100,000 queued tasks of an array made it the
   * primary's main cost).
   */
  private final Map<JobId, JobRecord> active = new HashMap<>();

  private final Map<String, Integer> activeByWorker = new HashMap<>();

  /** Waiting jobs, kept apart so that deciding them does not walk every unfinished job. */
  private final Map<JobId, JobRecord> waiting = new HashMap<>();

  /** How many unfinished jobs are in each state, kept as they come and go (for metrics). */
  private final Map<JobState, Integer> byState = new EnumMap<>(JobState.class);

  /** Takes a copy of a record if it is newer than the one known. */
  void offer(JobRecord r, long nowMillis) {
    JobRecord prev = unfinished.get(r.id());
    if (prev != null && prev.version() >= r.version()) {
      return;
    }
    long[] end = ended.get(r.id());
    if (end != null && end[0] >= r.version()) {
      return;
    }
    if (prev != null) {
      unqueue(prev);
      count(prev, -1);
    }
    waiting.remove(r.id());
    if (r.state() == JobState.WAITING) {
      waiting.put(r.id(), r);
    }
    if (r.state().isTerminal()) {
      unfinished.remove(r.id());
      ended.remove(r.id()); // seen again: goes to the end, in time order
      ended.put(r.id(), new long[] {r.version(), nowMillis});
      return;
    }
    unfinished.put(r.id(), r);
    count(r, 1);
    // An array's own record stands for its tasks (in its blocks): it is never dispatched itself.
    if (r.state() == JobState.QUEUED) {
      queueOf(r).add(r);
    }
  }

  private void unqueue(JobRecord r) {
    if (r.state() == JobState.QUEUED) {
      TreeSet<JobRecord> q = queueOf(r);
      q.remove(r);
      if (q.isEmpty() && !r.arrayParent() && r.retryAtMillis() == null) {
        queues.remove(Lane.of(r));
      }
    }
  }

  private TreeSet<JobRecord> queueOf(JobRecord queued) {
    if (queued.arrayParent()) {
      return queuedArrays;
    }
    if (queued.retryAtMillis() != null) {
      return backingOff;
    }
    return queues.computeIfAbsent(Lane.of(queued), q -> new TreeSet<>(QUEUE_ORDER));
  }

  /**
   * Takes the record the owner of its entry returned with a refused update: that is the job's state
   * now, even where a copy known here has a higher version. Such a copy was written on the losing
   * side of a split (a frozen or cut-off node that applied a change to its own stale copy and
   * published it before it saw the split); the merge drops it, and without this the job would stay
   * here as that copy (queued, say) while its real record sits RUNNING on a node that no longer
   * runs it, never taken back.
   */
  void correct(JobRecord r, long nowMillis) {
    JobRecord prev = unfinished.remove(r.id());
    if (prev != null) {
      unqueue(prev);
      count(prev, -1);
      waiting.remove(r.id());
    }
    ended.remove(r.id());
    offer(r, nowMillis);
  }

  private void count(JobRecord r, int delta) {
    byState.merge(r.state(), delta, (a, b) -> a + b == 0 ? null : a + b);
    if (r.state().isActive()) {
      if (delta > 0) {
        active.put(r.id(), r);
      } else {
        active.remove(r.id());
      }
      activeByWorker.merge(
          String.valueOf(r.workerId()), delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** Jobs and arrays waiting for their dependencies. */
  List<JobRecord> waiting() {
    return new ArrayList<>(waiting.values());
  }

  /**
   * Queued jobs that may be dispatched at {@code nowMillis}, in the order they are served ({@link
   * JobRecord#DISPATCH_ORDER}: by priority, then oldest first), at most {@code limit}: a job
   * retried after a failure keeps its place, once its backoff is over.
   */
  List<JobRecord> queued(int limit, long nowMillis) {
    return queued(limit, nowMillis, Map.of(), c -> limit);
  }

  /**
   * As {@link #queued(int, long)}, taking at most {@code room} jobs of each queue it names (a queue
   * at its limit: none; queues not named have no limit), and of jobs that need labels at most as
   * many as {@code placeable} says the workers that have them have free slots. Merges the heads of
   * the lanes (a queue and the labels its jobs need), so a long lane that cannot go now is not
   * walked.
   */
  List<JobRecord> queued(
      int limit, long nowMillis, Map<String, Integer> room, ToIntFunction<List<String>> placeable) {
    List<JobRecord> out = new ArrayList<>(Math.min(limit, 64));
    Map<String, Integer> taken = new HashMap<>();
    // A lane's jobs are all of one queue and need the same labels: it gives at most `cap` (the
    // free slots of the workers that have them); the due retries are of any (mixed).
    record Head(JobRecord first, Iterator<JobRecord> rest, boolean mixed, int[] left) {}
    PriorityQueue<Head> heads =
        new PriorityQueue<>((a, b) -> QUEUE_ORDER.compare(a.first(), b.first()));
    for (Map.Entry<Lane, TreeSet<JobRecord>> q : queues.entrySet()) {
      Lane lane = q.getKey();
      int cap = lane.constraints().isEmpty() ? limit : placeable.applyAsInt(lane.constraints());
      if (!q.getValue().isEmpty() && room.getOrDefault(lane.queue(), limit) > 0 && cap > 0) {
        Iterator<JobRecord> it = q.getValue().iterator();
        heads.add(new Head(it.next(), it, false, new int[] {cap}));
      }
    }
    // Retried jobs whose backoff is over take their place among the others. At most a few
    // thousand due are looked at a round (soonest due first), those that could go now kept: under
    // a flood of retries, the rest wait a round.
    List<JobRecord> due = new ArrayList<>();
    int looked = 0;
    for (JobRecord r : backingOff) {
      if (r.retryAtMillis() > nowMillis || looked++ == BACKOFF_DUE_SCAN) {
        break;
      }
      Scheduling s = r.spec().schedulingOrDefault();
      if (room.getOrDefault(s.queueOrDefault(), limit) > 0
          && (s.constraintsOrNone().isEmpty() || placeable.applyAsInt(s.constraintsOrNone()) > 0)) {
        due.add(r);
      }
    }
    if (!due.isEmpty()) {
      due.sort(QUEUE_ORDER);
      Iterator<JobRecord> it = due.iterator();
      heads.add(new Head(it.next(), it, true, new int[] {Integer.MAX_VALUE}));
    }
    while (out.size() < limit && !heads.isEmpty()) {
      Head h = heads.poll();
      String q = h.first().spec().schedulingOrDefault().queueOrDefault();
      if (taken.getOrDefault(q, 0) < room.getOrDefault(q, Integer.MAX_VALUE)) {
        out.add(h.first());
        taken.merge(q, 1, Integer::sum);
        h.left()[0]--;
      }
      // A lane whose queue has no room left, or that gave its cap, is not walked further.
      if (h.rest().hasNext()
          && h.left()[0] > 0
          && (h.mixed() || taken.getOrDefault(q, 0) < room.getOrDefault(q, Integer.MAX_VALUE))) {
        heads.add(new Head(h.rest().next(), h.rest(), h.mixed(), h.left()));
      }
    }
    return out;
  }

  /** Arrays whose tasks may be dispatched (their own record QUEUED), oldest first. */
  List<JobRecord> queuedArrays() {
    return new ArrayList<>(queuedArrays);
  }

  /** Dispatched or running jobs. */
  List<JobRecord> active() {
    return new ArrayList<>(active.values());
  }

  /** How many jobs each worker process (by member id) holds. */
  Map<String, Integer> activeByWorker() {
    return new HashMap<>(activeByWorker);
  }

  /** Unfinished jobs by state, and the queue, as they are now. */
  JobCounts counts(int queuedTasks) {
    int queued = backingOff.size();
    for (TreeSet<JobRecord> q : queues.values()) {
      queued += q.size();
    }
    return new JobCounts(byState, queued, queuedTasks);
  }

  JobRecord get(JobId id) {
    return unfinished.get(id);
  }

  Collection<JobRecord> unfinished() {
    return unfinished.values();
  }

  /**
   * Forgets ended jobs seen before the given time, oldest first (a wall clock stepping back only
   * makes some stay longer).
   */
  void pruneEnded(long olderThanMillis) {
    for (Iterator<long[]> it = ended.values().iterator(); it.hasNext(); ) {
      if (it.next()[1] >= olderThanMillis) {
        return;
      }
      it.remove();
    }
  }
}
