package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.scheduler.RetentionPlanner.Plan;
import dev.grid.scheduler.RetentionPlanner.ScheduleView;
import dev.grid.scheduler.RetentionPlanner.Snapshot;
import dev.grid.storage.BlobStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention on the primary: every {@link RetentionPolicy#sweepEvery()}, deletes the ended jobs (an
 * array with all its tasks) and run records that {@link RetentionPlanner} says are no longer kept,
 * with the jobs' output.
 *
 * <p>Order. A job's output blobs go first, then its run record, then its record. The record is what
 * a sweep finds a job by: were it deleted first, a sweep cut short would leave output blobs no
 * sweep could find again. For the same reason an array's tasks go before the array's own record.
 * This way a sweep cut short (a crash, a lost lease) leaves a record whose output is partly gone,
 * for a job that was expiring anyway, and the next sweep, here or on the next primary, finishes it.
 * A reader of such a job sees empty output, as for a job that printed nothing.
 *
 * <p>Safety. Every step is idempotent (deleting what is gone is a no-op), and only what can never
 * change again is deleted: a job record only while it is ended (checked where it lives, see {@link
 * JobTable#forgetEnded}), an array's own record only once every task of it was seen ended (a task
 * never leaves an end, and an array gains no task after its submission), a cron job or run record
 * only once cron has handled later due times. So a sweep may run twice, or on two primaries at once
 * across a failover, and do no harm. The lease is checked between batches, so a node that lost it
 * stops soon.
 */
public final class RetentionService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionService.class);

  private final JobTable jobs;
  private final ScheduleTable schedules;
  private final BlobStore blobs;
  private final String outputRoot;
  private final RetentionPolicy policy;
  private final Clock clock;
  private final LongPredicate holdsLease;
  private final ScheduledExecutorService timer;
  private volatile Runnable afterEachSweep = () -> {};
  private ScheduledFuture<?> sweeps;
  private long epoch;
  private boolean closed;

  /**
   * @param outputRoot where job output lives in the blob store: the output of job {@code ID} is
   *     every blob under {@code outputRoot + ID + "/"}
   * @param holdsLease whether this node still holds the lease of an epoch
   */
  public RetentionService(
      JobTable jobs,
      ScheduleTable schedules,
      BlobStore blobs,
      String outputRoot,
      RetentionPolicy policy,
      Clock clock,
      LongPredicate holdsLease) {
    this.jobs = jobs;
    this.schedules = schedules;
    this.blobs = blobs;
    this.outputRoot = outputRoot;
    this.policy = policy;
    this.clock = clock;
    this.holdsLease = holdsLease;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-retention");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Also runs {@code work} after each sweep, while this node holds the lease (the node compacts the
   * stored records there: {@link DurableMaps#compact}).
   */
  public RetentionService afterEachSweep(Runnable work) {
    this.afterEachSweep = Objects.requireNonNull(work, "work");
    return this;
  }

  /** Starts sweeping under {@code epoch}, the first sweep one interval from now. */
  public synchronized void activate(long newEpoch) {
    if (closed || (sweeps != null && epoch == newEpoch)) {
      return;
    }
    deactivate();
    epoch = newEpoch;
    long every = policy.sweepEvery().toMillis();
    sweeps =
        timer.scheduleWithFixedDelay(
            () -> sweepQuietly(newEpoch), every, every, TimeUnit.MILLISECONDS);
    LOG.info(
        "retention running on this primary: jobs kept {}, runs kept per schedule {}," + " epoch {}",
        policy.expiresByAge() ? policy.maxAge() : "forever",
        policy.keepRuns() == 0 ? "all" : policy.keepRuns(),
        newEpoch);
  }

  /** Stops sweeping; a sweep under way stops at its next batch. Idempotent. */
  public synchronized void deactivate() {
    if (sweeps != null) {
      sweeps.cancel(false);
      sweeps = null;
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deactivate();
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void sweepQuietly(long sweepEpoch) {
    try {
      sweep(sweepEpoch);
    } catch (RuntimeException e) {
      // A failed sweep must not cancel the next ones.
      LOG.warn("retention sweep failed; the next one tries again", e);
    }
    if (live(sweepEpoch)) {
      try {
        afterEachSweep.run();
      } catch (RuntimeException e) {
        LOG.warn("the work after a retention sweep failed; it runs again after the next", e);
      }
    }
  }

  /** One sweep under {@code sweepEpoch}; returns how much it deleted. */
  Result sweep(long sweepEpoch) {
    if (!live(sweepEpoch)) {
      return Result.NOTHING;
    }
    Plan plan = RetentionPlanner.plan(snapshot(), policy, clock.millis());
    if (plan.isEmpty()) {
      return Result.NOTHING;
    }
    Map<JobId, List<String>> outputs = plan.jobs().isEmpty() ? Map.of() : outputsByJob();
    int jobsDeleted = 0;
    int blobsDeleted = 0;
    int runsDeleted = 0;
    for (List<JobId> batch : batches(plan.jobs())) {
      if (!live(sweepEpoch)) {
        return new Result(jobsDeleted, blobsDeleted, runsDeleted);
      }
      for (JobId id : batch) {
        try {
          for (String key : outputs.getOrDefault(id, List.of())) {
            blobs.delete(key);
            blobsDeleted++;
          }
          CronFire.of(id).ifPresent(f -> schedules.deleteRuns(List.of(f.runKey())));
          if (plan.arrays().contains(id) ? jobs.forgetArray(id) : jobs.forgetEnded(id)) {
            jobsDeleted++;
          }
        } catch (RuntimeException e) {
          LOG.warn("could not delete job {}; the next sweep tries again", id, e);
        }
      }
    }
    for (List<String> batch : batches(plan.runs())) {
      if (!live(sweepEpoch)) {
        break;
      }
      schedules.deleteRuns(batch);
      runsDeleted += batch.size();
    }
    Result result = new Result(jobsDeleted, blobsDeleted, runsDeleted);
    LOG.info(
        "retention deleted {} ended jobs with {} output blobs, and {} run records",
        jobsDeleted,
        blobsDeleted,
        runsDeleted);
    return result;
  }

  /** Runs first, then schedules, then jobs: the order {@link RetentionPlanner} relies on. */
  private Snapshot snapshot() {
    List<ScheduleRunRecord> runs = schedules.runRecords();
    List<ScheduleView> views = new ArrayList<>();
    for (ScheduleRecord r : schedules.records()) {
      Integer own = r.spec().keepRuns();
      views.add(
          new ScheduleView(
              r.name(),
              r.handledUntilMillis(),
              r.lastJobId(),
              own != null ? own : policy.keepRuns()));
    }
    return new Snapshot(jobs.summaries(), views, runs);
  }

  /** Every output blob, by job: one listing per sweep rather than one per job. */
  private Map<JobId, List<String>> outputsByJob() {
    Map<JobId, List<String>> out = new HashMap<>();
    for (String key : blobs.list(outputRoot)) {
      int slash = key.indexOf('/', outputRoot.length());
      if (slash > outputRoot.length()) {
        try {
          JobId id = JobId.of(key.substring(outputRoot.length(), slash));
          out.computeIfAbsent(id, k -> new ArrayList<>()).add(key);
        } catch (IllegalArgumentException e) {
          // not a job's output: not ours to delete
        }
      }
    }
    return out;
  }

  private <T> List<List<T>> batches(List<T> all) {
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i += policy.batchSize()) {
      out.add(all.subList(i, Math.min(all.size(), i + policy.batchSize())));
    }
    return out;
  }

  private boolean live(long sweepEpoch) {
    synchronized (this) {
      if (closed || sweeps == null || epoch != sweepEpoch) {
        return false;
      }
    }
    return holdsLease.test(sweepEpoch);
  }

  /** What a sweep deleted. */
  record Result(int jobs, int blobs, int runs) {
    static final Result NOTHING = new Result(0, 0, 0);
  }
}
