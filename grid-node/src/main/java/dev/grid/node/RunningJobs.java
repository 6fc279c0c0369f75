package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.node.exec.RunningJob;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs and tasks running on this worker, and the stops addressed to them: cancels (also those
 * that overtook their start) and the fence's stops, whose ends are hand-backs.
 */
final class RunningJobs {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  /** How long a cancel that overtook its start is kept for it. */
  private static final long PENDING_CANCEL_MILLIS = 60_000;

  /** A run, as registered: removed by this very entry, so a newer attempt's stays. */
  record Entry(int attempt, RunningJob job) {}

  private final Map<JobId, Entry> running = new ConcurrentHashMap<>();

  /** Cancels that overtook their start, with when they came (forgotten after a minute). */
  private final Map<String, Long> pendingCancels = new ConcurrentHashMap<>();

  /** Attempts stopped because the node was fenced: their end is a hand-back. */
  private final Set<String> fencedAttempts = ConcurrentHashMap.newKeySet();

  private final Clock clock;

  RunningJobs(Clock clock) {
    this.clock = clock;
  }

  /** Registers a run that began. */
  Entry add(JobId id, int attempt, RunningJob job) {
    Entry entry = new Entry(attempt, job);
    running.put(id, entry);
    return entry;
  }

  void remove(JobId id, Entry entry) {
    running.remove(id, entry);
  }

  /** Whether a cancel came for this attempt before it ran (and forgets it). */
  boolean takeCancel(JobId id, int attempt) {
    return pendingCancels.remove(id.value() + ":" + attempt) != null;
  }

  /** Cancels the attempt if it runs here; else keeps the cancel for its start, which can lag. */
  void cancel(JobId id, int attempt) {
    Entry r = running.get(id);
    if (r != null && r.attempt() == attempt) {
      r.job().cancel();
    } else {
      // The cancel can overtake the start; the start looks here.
      long now = clock.millis();
      pendingCancels.values().removeIf(at -> at < now - PENDING_CANCEL_MILLIS);
      pendingCancels.put(id.value() + ":" + attempt, now);
    }
  }

  /** The node may have been written off by the grid: stops every run, each once. */
  void stopAllFenced(String why) {
    running.forEach(
        (id, r) -> {
          if (fencedAttempts.add(id.value() + ":" + r.attempt())) {
            LOG.warn("stopping job {} attempt {}: {}", id, r.attempt(), why);
            r.job().cancel();
          }
        });
  }

  /** Whether the fence stopped this attempt (and forgets it). */
  boolean stoppedByFence(JobId id, int attempt) {
    return fencedAttempts.remove(id.value() + ":" + attempt);
  }

  int count() {
    return running.size();
  }

  /** The runs now, by job: a copy, for the live output's look at them. */
  Map<JobId, Entry> snapshot() {
    return Map.copyOf(running);
  }
}
