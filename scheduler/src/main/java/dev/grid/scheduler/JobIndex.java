package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The primary's view of unfinished jobs, fed by the map's events and by its own updates, which
 * can arrive in either order: a record is kept only if it is newer (higher version) than what is
 * known. Confined to the dispatch thread.
 */
final class JobIndex {
  private static final Comparator<JobRecord> QUEUE_ORDER =
      Comparator.comparingLong(JobRecord::submittedAtMillis).thenComparing(JobRecord::id);

  private final Map<JobId, JobRecord> unfinished = new HashMap<>();
  private final TreeSet<JobRecord> queue = new TreeSet<>(QUEUE_ORDER);
  /** Ended jobs: version at the end and when it was seen, so late copies are not taken back. */
  private final Map<JobId, long[]> ended = new HashMap<>();

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
    if (prev != null && prev.state() == JobState.QUEUED) {
      queue.remove(prev);
    }
    if (r.state().isTerminal()) {
      unfinished.remove(r.id());
      ended.put(r.id(), new long[] {r.version(), nowMillis});
      return;
    }
    unfinished.put(r.id(), r);
    if (r.state() == JobState.QUEUED) {
      queue.add(r);
    }
  }

  /** Queued jobs, oldest first, at most {@code limit}. */
  List<JobId> queued(int limit) {
    List<JobId> out = new ArrayList<>(Math.min(limit, queue.size()));
    for (JobRecord r : queue) {
      if (out.size() == limit) {
        break;
      }
      out.add(r.id());
    }
    return out;
  }

  /** Dispatched or running jobs. */
  List<JobRecord> active() {
    List<JobRecord> out = new ArrayList<>();
    for (JobRecord r : unfinished.values()) {
      if (r.state().isActive()) {
        out.add(r);
      }
    }
    return out;
  }

  /** How many jobs each worker process (by member id) holds. */
  Map<String, Integer> activeByWorker() {
    Map<String, Integer> out = new HashMap<>();
    for (JobRecord r : unfinished.values()) {
      if (r.state().isActive()) {
        out.merge(r.workerId(), 1, Integer::sum);
      }
    }
    return out;
  }

  JobRecord get(JobId id) {
    return unfinished.get(id);
  }

  Collection<JobRecord> unfinished() {
    return unfinished.values();
  }

  /** Forgets ended jobs seen before the given time. */
  void pruneEnded(long olderThanMillis) {
    for (Iterator<long[]> it = ended.values().iterator(); it.hasNext(); ) {
      if (it.next()[1] < olderThanMillis) {
        it.remove();
      }
    }
  }
}
