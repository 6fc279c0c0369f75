package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.node.exec.JavaJobRunner;
import dev.grid.node.exec.ProcessRunner;
import dev.grid.scheduler.CronService;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskSlice;
import dev.grid.scheduler.WorkerEndpoint;
import dev.grid.storage.BlobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs the primary hands to this node: records the start (which fails if the attempt is
 * stale, and then nothing runs), runs the process (or, for a Java job, its class on a thread of
 * this JVM), stores its output (and a Java job's result), records the end.
 *
 * <p>A facade over parts with one job each:
 *
 * <ul>
 *   <li>{@link DispatchGate}: fencing of dispatches (epochs, the node's fence, one start per
 *       attempt) and the worker's life;
 *   <li>{@link SingleJobRunner}: the life of a single job;
 *   <li>{@link SliceRunner}: the tasks of arrays, which come in slices ({@link TaskSlice}), started
 *       a batch at a time just before they run ({@link SlicePacing});
 *   <li>{@link BlockEndWriter}: the ends of tasks, a batch at a time, one write per block;
 *   <li>{@link EndDecision}: what a run's end comes to, for both runners;
 *   <li>{@link OutputWriter}, {@link HandBacks}, {@link RunningJobs}, {@link JobLauncher} (with the
 *       scratch directories) and {@link RetryingWrite}, the one retry loop of grid writes.
 * </ul>
 *
 * <p>Fencing: a dispatch from a primary whose epoch is lower than the highest this worker has seen
 * is refused. Together with the attempt check in {@code JobCommand.Start}, a job never starts twice
 * for one attempt, and a stale primary cannot make a worker run anything.
 */
final class Worker implements WorkerEndpoint, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

  private final String node;
  private final JobTable table;
  private final ExecutorService starter;
  private final Clock clock;

  /** Holds jobs dispatched ahead of their not-before time until it comes. */
  private final ScheduledExecutorService holds;

  /** The jobs held now, by id and attempt: handed back at once if the node stops meanwhile. */
  private final Map<String, JobRecord> held = new ConcurrentHashMap<>();

  private final DispatchGate gate = new DispatchGate();
  private final RunningJobs running;
  private final HandBacks handBacks;
  private final BlockEndWriter ends;
  private final SingleJobRunner jobs;
  private final SliceRunner slices;
  private final LiveOutput live;

  /** What the worker asks its node's fence (see {@link NodeFence}). */
  interface Fence {
    Fence NONE =
        new Fence() {
          @Override
          public boolean fencedSince(long nanos) {
            return false;
          }

          @Override
          public String outOfGrid() {
            return null;
          }
        };

    /** Whether the node was fenced at some time since that {@link System#nanoTime()}. */
    boolean fencedSince(long nanos);

    /** Why the node is out of the grid now (it must start nothing), or null. */
    String outOfGrid();
  }

  Worker(
      String node,
      int slots,
      JobTable table,
      BlobStore blobs,
      ProcessRunner runner,
      JavaJobRunner javaRunner,
      OrphanGuard orphans,
      Path scratchRoot,
      long outputCap,
      Clock clock,
      ExecutorService starter,
      ExecutorService finisher,
      WorkerMetrics metrics) {
    this.node = node;
    this.table = table;
    this.starter = starter;
    this.clock = clock;
    this.holds =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-worker-hold-" + node);
              t.setDaemon(true);
              return t;
            });
    this.running = new RunningJobs(clock);
    this.handBacks = new HandBacks(node, table, clock, gate);
    this.ends = new BlockEndWriter(node, table, clock, gate, RetryingWrite.PARKING, metrics);
    WorkerParts parts =
        new WorkerParts(
            gate,
            running,
            new JobLauncher(node, table, blobs, runner, javaRunner, scratchRoot, outputCap),
            new OutputWriter(node, blobs, clock),
            handBacks,
            ends,
            orphans,
            RetryingWrite.PARKING,
            this::cancelRequested,
            metrics);
    this.jobs = new SingleJobRunner(node, table, clock, parts, finisher);
    this.slices = new SliceRunner(node, Math.max(1, slots), table, clock, parts);
    slices.start();
    ends.start();
    this.live = new LiveOutput(node, running, blobs, clock);
    live.start();
  }

  /** Where this worker learns whether its node is fenced. */
  void fencedBy(Fence fence) {
    gate.fencedBy(fence);
  }

  /**
   * The node may have been written off by the grid: stops every job it runs. Their ends are
   * hand-backs ({@link EndDecision}), so the primary runs them again without using a retry.
   */
  void fenced(String why) {
    running.stopAllFenced(why);
    // Not on the caller's thread (the fence's): the writes may wait while the node is cut off.
    try {
      starter.execute(
          () -> slices.handBackQueued("node " + node + " was frozen or cut off from the grid"));
    } catch (RejectedExecutionException e) {
      LOG.debug("not handing tasks back: the node is stopping", e);
    }
  }

  /** The node is in the grid: writes the hand-backs that failed before. */
  void inGrid() {
    handBacks.writePending();
  }

  /** Jobs running here now. */
  int runningCount() {
    return running.count();
  }

  /** The highest primary epoch this worker has taken a dispatch from. */
  long highestEpoch() {
    return gate.highestEpoch();
  }

  @Override
  public void run(JobRecord dispatched, long epoch) {
    if (gate.admits(dispatched, epoch)) {
      startAtItsTime(dispatched);
    }
  }

  /**
   * Starts the job now, or at its not-before time: a schedule's fire comes a little before its due
   * time and starts at it. Until then it holds its slot, DISPATCHED; a cancel meanwhile makes its
   * start refused, so it never runs. The hold lasts at most twice the lead the fire was made with
   * (on the monotonic clock): a worker whose wall clock is behind the primary's, or steps back,
   * does not hold it into the dispatch timeout.
   */
  private void startAtItsTime(JobRecord dispatched) {
    if (dispatched.notBeforeMillis() <= clock.millis()) {
      start(dispatched);
      return;
    }
    String key = dispatched.id().value() + ":" + dispatched.attempt();
    held.put(key, dispatched);
    long holdAtMost = TimeUnit.MILLISECONDS.toNanos(2 * CronService.EARLY.toMillis());
    hold(key, dispatched, System.nanoTime() + holdAtMost);
  }

  private void hold(String key, JobRecord dispatched, long deadlineNanos) {
    long wait =
        Math.min(
            dispatched.notBeforeMillis() - clock.millis(),
            TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    if (wait <= 0) {
      if (held.remove(key) != null) { // else close() has handed it back
        start(dispatched);
      }
      return;
    }
    try {
      holds.schedule(() -> hold(key, dispatched, deadlineNanos), wait, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("not holding job {}: the node is stopping", dispatched.id(), e);
    }
  }

  private void start(JobRecord dispatched) {
    try {
      starter.execute(() -> jobs.start(dispatched));
    } catch (RejectedExecutionException e) {
      LOG.debug("not starting job {}: the node is stopping", dispatched.id(), e);
    }
  }

  /**
   * The node begins to stop: the jobs held for their not-before time go back to the primary at
   * once, to run elsewhere, rather than start during the stop and be cut short there (a cron fire
   * cut short ends LOST). Called again by {@link #close} for any held since.
   */
  void stopping() {
    if (!gate.crashed()) {
      handBackHeld("node " + node + " stopped");
    }
  }

  private void handBackHeld(String why) {
    for (String key : List.copyOf(held.keySet())) {
      JobRecord job = held.remove(key);
      if (job != null) {
        handBacks.handBack(job, why);
        gate.forget(job.id(), job.attempt());
      }
    }
  }

  @Override
  public void runSlice(TaskSlice slice) {
    if (gate.admits(slice)) {
      slices.queue(slice);
    }
  }

  @Override
  public void cancel(JobId id, int attempt) {
    running.cancel(id, attempt);
  }

  private boolean cancelRequested(JobRecord job) {
    return table.get(job.id()).map(JobRecord::cancelRequested).orElse(false);
  }

  @Override
  public void close() {
    holds.shutdownNow();
    live.close();
    gate.close();
    stopping();
    slices.handBackQueued("node " + node + " stopped");
    slices.shutdown();
  }

  /**
   * After the runners have stopped the jobs: waits (bounded) for the slice threads to write what
   * their stopped tasks came to, and writes the ends still waiting.
   */
  void drain(Duration timeout) {
    slices.awaitThreads(timeout);
    if (!gate.crashed()) {
      slices.handBackQueued("node " + node + " stopped"); // came after close() had handed back
    }
    ends.stop(timeout);
  }

  /**
   * TEST HOOK, for in-JVM crash tests only ({@code GridNode.halt}): from now on nothing is written,
   * as after a SIGKILL. Process tests use a real SIGKILL instead.
   */
  void crash() {
    gate.crash();
  }
}
