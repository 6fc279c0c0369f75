package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.node.exec.RunResult;
import dev.grid.node.exec.RunningJob;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskBlock;
import dev.grid.scheduler.TaskSlice;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks of the slices dispatched here on {@code threads} slice threads (at most that many
 * at once). A task is started (marked RUNNING in its block) only just before it runs, a batch of
 * one block at a time in one write, as many as the threads begin within {@value
 * SlicePacing#START_AHEAD_MILLIS} ms ({@link SlicePacing}): if this worker dies, the tasks it
 * marked count as interrupted runs (a retry each), so they must be about to run. Their ends go to
 * the {@link BlockEndWriter}.
 *
 * <p>A started task that waited for a thread checks the fence again before it runs: out of the
 * grid, its primary may have run it elsewhere meanwhile, so it is handed back instead.
 */
final class SliceRunner {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  private final String node;
  private final JobTable table;
  private final Clock clock;
  private final DispatchGate gate;
  private final RunningJobs running;
  private final WorkerMetrics metrics;
  private final JobLauncher launcher;
  private final OutputWriter outputs;
  private final HandBacks handBacks;
  private final BlockEndWriter ends;
  private final OrphanGuard orphans;
  private final RetryingWrite retrying;
  private final Predicate<JobRecord> cancelRequested;
  private final int threadCount;
  private final SlicePacing pacing;
  private final ExecutorService threads;

  /** Tasks of slices dispatched here, not started yet, in the order they came. */
  private final BlockingQueue<SliceTask> dispatchedTasks = new LinkedBlockingQueue<>();

  /** Tasks of slices started (RUNNING in their block), waiting for a slice thread. */
  private final Queue<SliceTask> startedTasks = new ConcurrentLinkedQueue<>();

  /** Held while a slice thread takes a batch of dispatched tasks to start. */
  private final Object startLock = new Object();

  SliceRunner(String node, int threadCount, JobTable table, Clock clock, WorkerParts parts) {
    this.node = node;
    this.table = table;
    this.clock = clock;
    this.gate = parts.gate();
    this.running = parts.running();
    this.launcher = parts.launcher();
    this.outputs = parts.outputs();
    this.handBacks = parts.handBacks();
    this.ends = parts.ends();
    this.orphans = parts.orphans();
    this.retrying = parts.retrying();
    this.cancelRequested = parts.cancelRequested();
    this.metrics = parts.metrics();
    this.threadCount = threadCount;
    this.pacing = new SlicePacing(threadCount);
    this.threads =
        Executors.newFixedThreadPool(
            threadCount,
            r -> {
              Thread t = new Thread(r, "grid-slice-" + node);
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the slice threads. */
  void start() {
    for (int i = 0; i < threadCount; i++) {
      threads.execute(this::runSliceTasks);
    }
  }

  /** Queues the tasks of an admitted slice whose attempts this worker had not taken yet. */
  void queue(TaskSlice slice) {
    for (int i = 0; i < slice.size(); i++) {
      if (gate.take(slice, i)) {
        dispatchedTasks.add(new SliceTask(slice, i));
      }
    }
  }

  /** The node stops: the threads end after their task. */
  void shutdown() {
    threads.shutdown();
  }

  /** Waits (bounded) for the slice threads to queue what their stopped tasks came to. */
  void awaitThreads(Duration timeout) {
    try {
      if (!threads.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("tasks of slices still running {} after the node began to stop", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Hands back the tasks of slices still waiting for a slice thread, a block at a time. */
  void handBackQueued(String why) {
    List<SliceTask> queued = new ArrayList<>();
    for (SliceTask t = startedTasks.poll(); t != null; t = startedTasks.poll()) {
      queued.add(t);
    }
    dispatchedTasks.drainTo(queued);
    handBacks.handBackAll(queued, why);
  }

  /**
   * A slice thread: runs a started task if one waits, else starts the next dispatched ones (see
   * {@link #startNext}) and runs the first of them, until the worker stops.
   */
  private void runSliceTasks() {
    while (!gate.closed()) {
      SliceTask t = startedTasks.poll();
      if (t == null) {
        try {
          t = startNext();
        } catch (InterruptedException e) {
          return;
        }
      }
      if (t == null) {
        continue;
      }
      if (gate.crashed()) {
        return;
      }
      if (gate.closed()) {
        handBacks.handBackAll(List.of(t), "node " + node + " stopped");
        return;
      }
      // Started long ago, maybe: out of the grid, its primary may have run it elsewhere since.
      String away = gate.outOfGrid();
      if (away != null) {
        handBacks.handBackAll(List.of(t), away);
        continue;
      }
      runSliceTask(t);
      handBackExcess();
    }
  }

  /**
   * When an array's tasks turn slow, the tasks started on the old, short run time would wait long,
   * RUNNING in their block (and count as interrupted if this worker died): hands back those beyond
   * what the slice threads begin within four times {@value SlicePacing#START_AHEAD_MILLIS} ms by
   * the run time now seen, for the primary to dispatch again.
   */
  private void handBackExcess() {
    double mean = pacing.expectedTaskMillis();
    int excess = SlicePacing.excess(mean, threadCount, startedTasks.size());
    if (excess == 0) {
      return;
    }
    List<SliceTask> extra = new ArrayList<>();
    for (int i = 0; i < excess; i++) {
      SliceTask t = startedTasks.poll();
      if (t == null) {
        break;
      }
      extra.add(t);
    }
    if (!extra.isEmpty()) {
      LOG.info(
          "handing back {} started tasks that would wait over {} ms here (tasks now take"
              + " {} ms)",
          extra.size(),
          (long) (4 * SlicePacing.START_AHEAD_MILLIS),
          Math.round(mean));
      handBacks.handBackAll(extra, "node " + node + " had started more than it could run soon");
    }
  }

  /**
   * Takes the next dispatched tasks of one block, as many as {@link SlicePacing#startBatch()} says,
   * records their start in one write, and returns the first started one; the others wait for a
   * slice thread among the started tasks. Null if none came or started.
   */
  private SliceTask startNext() throws InterruptedException {
    List<SliceTask> batch = new ArrayList<>();
    synchronized (startLock) {
      SliceTask first = dispatchedTasks.poll(200, TimeUnit.MILLISECONDS);
      if (first == null) {
        return null;
      }
      batch.add(first);
      int want = pacing.startBatch();
      while (batch.size() < want) {
        SliceTask next = dispatchedTasks.peek();
        if (next == null || !next.blockKey().equals(first.blockKey())) {
          break;
        }
        batch.add(dispatchedTasks.poll());
      }
    }
    List<SliceTask> started = recordStart(batch);
    String away = gate.outOfGrid();
    if (away != null || gate.closed()) { // went out of the grid (or began to stop) meanwhile
      handBacks.handBackAll(started, away != null ? away : "node " + node + " stopped");
      return null;
    }
    if (started.isEmpty()) {
      return null;
    }
    startedTasks.addAll(started.subList(1, started.size()));
    return started.get(0);
  }

  /**
   * Writes the start of tasks of one block, a few times if the grid is briefly unavailable; returns
   * the tasks this worker process started: those the write moved, and those it finds running their
   * attempt here (a write that applied but whose answer was lost; only this process starts its
   * attempts). The others are forgotten: the grid moved on from them.
   */
  private List<SliceTask> recordStart(List<SliceTask> batch) {
    String key = batch.get(0).blockKey();
    int[] slots = batch.stream().mapToInt(SliceTask::slot).toArray();
    int[] attempts = batch.stream().mapToInt(SliceTask::attempt).toArray();
    long[] at = new long[1];
    BlockUpdate.Result r =
        retrying.patiently(
            () -> {
              at[0] = clock.millis();
              BlockUpdate.Result u =
                  table.updateBlock(key, new BlockCommand.Start(node, slots, attempts, at[0]));
              return u.block() == null ? null : u;
            },
            (n, e) ->
                LOG.warn(
                    "recording the start of {} tasks of block {} failed (try {} of {})",
                    batch.size(),
                    key,
                    n,
                    RetryingWrite.TRIES,
                    e),
            e -> null,
            last -> null);
    if (r == null) {
      // Unknown whether it applied: hand the tasks back, so that none stays RUNNING here unrun.
      handBacks.handBackAll(batch, "node " + node + " could not record their start");
      return List.of();
    }
    TaskBlock b = r.block();
    List<SliceTask> started = new ArrayList<>();
    for (SliceTask t : batch) {
      int slot = t.slot();
      boolean ours =
          r.changed(slot)
              || (b.has(slot)
                  && b.state(slot) == JobState.RUNNING
                  && b.attempts()[slot] == t.attempt()
                  && t.slice().workerId().equals(b.workerId(slot)));
      if (ours) {
        started.add(t);
      } else {
        gate.forget(t.slice(), t.i());
      }
    }
    if (!started.isEmpty()) {
      metrics.tasksStarted(b.submittedAtMillis(), at[0], started.size());
    }
    return started;
  }

  /** Runs one task of a slice on this thread, and queues its end to be written. */
  private void runSliceTask(SliceTask t) {
    long now = clock.millis();
    JobRecord job = t.job(now);
    if (running.takeCancel(job.id(), job.attempt())) {
      // Cancelled while it waited for this thread: it ends without running.
      ends.add(
          new BlockEndWriter.TaskEnd(
              t.blockKey(),
              job.id(),
              new BlockCommand.Ended(
                  t.slot(),
                  job.attempt(),
                  JobState.CANCELLED,
                  null,
                  "cancelled by user before it ran",
                  now,
                  now,
                  0,
                  0,
                  false)));
      gate.forget(t.slice(), t.i());
      return;
    }
    Path scratch = launcher.scratchOf(job);
    long startedAt = System.nanoTime();
    RunResult result = null;
    Throwable error = null;
    try {
      RunningJob run = launcher.launch(job, scratch);
      RunningJobs.Entry entry = running.add(job.id(), job.attempt(), run);
      long session = run.pid(); // tracked by the runner as it started (see GridNode)
      if (running.takeCancel(job.id(), job.attempt())) {
        run.cancel();
      }
      try {
        result = run.result().join();
        pacing.learn(System.nanoTime() - startedAt);
      } catch (RuntimeException e) {
        error = e.getCause() != null ? e.getCause() : e;
      } finally {
        orphans.untrack(session);
        running.remove(job.id(), entry);
      }
    } catch (RuntimeException e) {
      error = e; // could not even be handed to the runner: ends FAILED with the cause
    }
    try {
      finishTask(t, job, result, error, startedAt, now);
    } finally {
      gate.forget(t.slice(), t.i());
      launcher.deleteScratch(job, scratch);
    }
  }

  /** What a task's end comes to ({@link EndDecision}), queued for its block. */
  private void finishTask(
      SliceTask t,
      JobRecord job,
      RunResult result,
      Throwable error,
      long startedAt,
      long startedAtMillis) {
    // The fence is asked only about a run that did not succeed: the only one it can change.
    boolean fenced =
        running.stoppedByFence(job.id(), job.attempt())
            || (!EndDecision.succeeded(result) && gate.fence().fencedSince(startedAt));
    switch (EndDecision.decide(
        EndDecision.Kind.TASK, gate.node(), result, error != null, fenced, job, cancelRequested)) {
      case WRITE_NOTHING -> {
        return;
      }
      case HAND_BACK_STOPPED -> {
        handBacks.handBack(job, "node " + node + " stopped");
        return;
      }
      case HAND_BACK_FENCED -> {
        handBacks.handBack(job, "node " + node + " was frozen or cut off from the grid");
        return;
      }
      case RECORD_END -> {}
    }
    JobCommand.Finish f;
    try {
      f = outputs.endOf(job, result, error);
    } catch (RuntimeException e) {
      f = outputs.failure(job, e);
    }
    ends.add(
        new BlockEndWriter.TaskEnd(
            t.blockKey(),
            job.id(),
            new BlockCommand.Ended(
                t.slot(),
                job.attempt(),
                f.outcome(),
                f.exitCode(),
                f.message(),
                startedAtMillis,
                f.atMillis(),
                f.stdoutBytes(),
                f.stderrBytes(),
                f.truncated(),
                f.usage()),
            BlockCommand.RetryRule.of(job.spec())));
  }
}
