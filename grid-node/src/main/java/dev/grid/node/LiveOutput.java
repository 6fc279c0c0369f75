package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.storage.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a running job's output readable before the job ends, on any node: every {@link #EVERY}, for
 * each job running here whose kept output grew, it writes all of it so far to the blob store beside
 * where the output goes at the end ({@code out/<job>/<attempt>/stdout.live}, and {@code
 * stderr.live}); the reads of a job not yet ended serve it ({@link NodeOperations#output}). Once
 * the job has ended, its output is stored as always and the live copies are deleted.
 *
 * <p>What it costs: nothing for a job that writes nothing; for one that writes, one replicated put
 * per stream per second at most, and less as the output grows (one per {@link #BYTES_PER_SECOND} of
 * it kept: a job at the 4 MiB cap is rewritten every 16 s), so the store carries at most about 256
 * KiB/s per chatty job. What was written before the node was lost stays readable: the live copy is
 * replicated like any blob. A Java job run in the node's JVM shows its output only at the end.
 * Writes happen on a thread of their own and never hold up a job or the worker; a failed write is
 * tried again at the next look.
 */
final class LiveOutput implements AutoCloseable {
  static final Duration EVERY = Duration.ofSeconds(1);

  /** A live copy of {@code n} bytes is rewritten at most every {@code n / this} seconds. */
  static final long BYTES_PER_SECOND = 256 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(LiveOutput.class);

  private record Written(JobId id, int attempt, long bytes, long atMillis) {}

  private final RunningJobs running;
  private final BlobStore blobs;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  /** The live copies written and not yet deleted, by blob key; only the timer's thread uses it. */
  private final Map<String, Written> written = new HashMap<>();

  LiveOutput(String node, RunningJobs running, BlobStore blobs, Clock clock) {
    this.running = running;
    this.blobs = blobs;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-live-output-" + node);
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    timer.scheduleWithFixedDelay(
        this::lookSafely, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void lookSafely() {
    try {
      look();
    } catch (RuntimeException e) {
      LOG.warn("could not write the output of running jobs; trying again in {}", EVERY, e);
    }
  }

  /** One look at the jobs running here; package-private for tests. */
  void look() {
    Map<JobId, RunningJobs.Entry> now = running.snapshot();
    long nowMillis = clock.millis();
    for (Map.Entry<JobId, RunningJobs.Entry> e : now.entrySet()) {
      for (boolean stderr : new boolean[] {false, true}) {
        write(e.getKey(), e.getValue(), stderr, nowMillis);
      }
    }
    // The jobs that ended (or moved on to another attempt): their output is stored where it always
    // is by now, since a run leaves the running jobs only after its end was written.
    for (Iterator<Map.Entry<String, Written>> it = written.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Written> w = it.next();
      RunningJobs.Entry still = now.get(w.getValue().id());
      if (still == null || still.attempt() != w.getValue().attempt()) {
        try {
          blobs.delete(w.getKey());
          it.remove();
        } catch (RuntimeException failed) {
          LOG.debug("could not delete {} yet; next look", w.getKey(), failed);
        }
      }
    }
  }

  private void write(JobId id, RunningJobs.Entry entry, boolean stderr, long nowMillis) {
    if (entry.job().result().isDone()) {
      return; // ended: its output is being stored as the end is written
    }
    long kept = entry.job().keptSoFar(stderr);
    if (kept == 0) {
      return;
    }
    String key =
        OutputKeys.prefix(id, entry.attempt())
            + (stderr ? OutputKeys.STDERR : OutputKeys.STDOUT)
            + OutputKeys.LIVE;
    Written before = written.get(key);
    if (before != null
        && (before.bytes() >= kept
            || nowMillis - before.atMillis() < 1000 * before.bytes() / BYTES_PER_SECOND)) {
      return;
    }
    byte[] bytes = entry.job().outputSoFar(stderr);
    try {
      blobs.put(key, bytes);
      written.put(key, new Written(id, entry.attempt(), bytes.length, nowMillis));
    } catch (RuntimeException e) {
      LOG.debug("could not write {} now; next look", key, e);
      // it may have been stored: remembered so that it is deleted after the job in any case
      written.putIfAbsent(key, new Written(id, entry.attempt(), 0, nowMillis));
    }
  }

  /** Stops looking; live copies left behind go with their job's output at retention. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
