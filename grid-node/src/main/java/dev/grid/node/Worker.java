package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.node.exec.JavaJobRunner;
import dev.grid.node.exec.JavaRequest;
import dev.grid.node.exec.Outcome;
import dev.grid.node.exec.ProcessRunner;
import dev.grid.node.exec.RunRequest;
import dev.grid.node.exec.RunResult;
import dev.grid.node.exec.RunningJob;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskBlock;
import dev.grid.scheduler.TaskSlice;
import dev.grid.scheduler.UpdateResult;
import dev.grid.scheduler.WorkerEndpoint;
import dev.grid.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs the primary hands to this node: records the start (which fails if the attempt is
 * stale, and then nothing runs), runs the process (or, for a Java job, its class on a thread of
 * this JVM), stores its output (and a Java job's result), records the end.
 *
 * <p>An array's tasks come in slices ({@link TaskSlice}): the worker queues them, runs them on its
 * {@code slots} slice threads (at most that many at once), starts them a batch at a time just
 * before they run (one write per batch: as many as its threads begin within {@link
 * #START_AHEAD_MILLIS}), and writes their ends a batch at a time ({@link #FLUSH_MILLIS}), one write
 * per block.
 *
 * <p>Fencing: a dispatch from a primary whose epoch is lower than the highest this worker has seen
 * is refused. Together with the attempt check in {@code JobCommand.Start}, a job never starts twice
 * for one attempt, and a stale primary cannot make a worker run anything.
 */
final class Worker implements WorkerEndpoint, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

  /** How long a task's end waits to be written with others of its block, at most. */
  static final long FLUSH_MILLIS = 20;

  /** How far ahead of their run a slice's tasks are started (marked RUNNING), at most. */
  static final double START_AHEAD_MILLIS = 50;

  /** The most tasks started at once per slice thread. */
  static final int MAX_START_PER_THREAD = 8;

  private final String node;
  private final JobTable table;
  private final BlobStore blobs;
  private final ProcessRunner runner;
  private final JavaJobRunner javaRunner;
  private final OrphanGuard orphans;
  private final Path scratchRoot;
  private final long outputCap;
  private final Clock clock;
  private final ExecutorService starter;
  private final ExecutorService finisher;
  private final AtomicLong highestEpoch = new AtomicLong();
  private final Map<JobId, Running> running = new ConcurrentHashMap<>();

  /** Cancels that overtook their start, with when they came (forgotten after a minute). */
  private final Map<String, Long> pendingCancels = new ConcurrentHashMap<>();

  /** Attempts this worker process has taken, so a second hand-over of one is ignored. */
  private final Set<String> startedHere = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;
  private volatile boolean crashed;

  /** Attempts stopped because the node was fenced: their end is a hand-back. */
  private final Set<String> fencedAttempts = ConcurrentHashMap.newKeySet();

  /** Hand-backs that could not be written yet, retried while the node is in the grid. */
  private final Map<JobId, HandBack> pendingHandBacks = new ConcurrentHashMap<>();

  private volatile Fence fence = Fence.NONE;

  /** Tasks of slices dispatched here, not started yet, in the order they came. */
  private final BlockingQueue<SliceTask> dispatchedTasks = new LinkedBlockingQueue<>();

  /** Tasks of slices started (RUNNING in their block), waiting for a slice thread. */
  private final java.util.Queue<SliceTask> startedTasks =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Held while a slice thread takes a batch of dispatched tasks to start. */
  private final Object startLock = new Object();

  private final int sliceThreadCount;

  /** The mean run time of this worker's slice tasks, in ms; NaN until one ran. */
  private volatile double meanTaskMillis = Double.NaN;

  /** The run time of the last slice task that ended here, in ms; NaN until one ran. */
  private volatile double lastTaskMillis = Double.NaN;

  /** Ended tasks of slices waiting to be written, a batch per block. */
  private final BlockingQueue<TaskEnd> taskEnds = new LinkedBlockingQueue<>();

  private final ExecutorService sliceThreads;
  private final Thread endWriter;

  /** Set when the node stops: the end writer writes what is left and ends. */
  private volatile boolean endsStopping;

  /** A task of a slice: the slice, and which of its tasks. */
  private record SliceTask(TaskSlice slice, int i) {
    JobRecord job(long nowMillis) {
      return slice.task(i, nowMillis);
    }

    int slot() {
      return slice.slots()[i];
    }

    int attempt() {
      return slice.attempts()[i];
    }
  }

  /** A task's end, to be written to its block. */
  private record TaskEnd(String blockKey, JobId id, BlockCommand.Ended ended) {}

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

  private record Running(int attempt, RunningJob job) {}

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
      ExecutorService finisher) {
    this.javaRunner = javaRunner;
    this.orphans = orphans;
    this.node = node;
    this.table = table;
    this.blobs = blobs;
    this.runner = runner;
    this.scratchRoot = scratchRoot;
    this.outputCap = outputCap;
    this.clock = clock;
    this.starter = starter;
    this.finisher = finisher;
    int threads = Math.max(1, slots);
    this.sliceThreadCount = threads;
    this.sliceThreads =
        java.util.concurrent.Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "grid-slice-" + node);
              t.setDaemon(true);
              return t;
            });
    for (int i = 0; i < threads; i++) {
      sliceThreads.execute(this::runSliceTasks);
    }
    this.endWriter = new Thread(this::writeTaskEnds, "grid-task-ends-" + node);
    endWriter.setDaemon(true);
    endWriter.start();
  }

  /** Where this worker learns whether its node is fenced. */
  void fencedBy(Fence fence) {
    this.fence = fence;
  }

  /**
   * The node may have been written off by the grid: stops every job it runs. Their ends are
   * hand-backs (see {@link #finish}), so the primary runs them again without using a retry.
   */
  void fenced(String why) {
    running.forEach(
        (id, r) -> {
          if (fencedAttempts.add(id.value() + ":" + r.attempt())) {
            LOG.warn("stopping job {} attempt {}: {}", id, r.attempt(), why);
            r.job().cancel();
          }
        });
    // Not on the caller's thread (the fence's): the writes may wait while the node is cut off.
    try {
      starter.execute(
          () -> handBackQueued("node " + node + " was frozen or cut off from the grid"));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("not handing tasks back: the node is stopping", e);
    }
  }

  /** The node is in the grid: writes the hand-backs that failed before. */
  void inGrid() {
    pendingHandBacks.forEach(
        (id, handBack) -> {
          try {
            String refusal = writeHandBack(handBack);
            pendingHandBacks.remove(id, handBack);
            LOG.info("job {} handed back{}", id, refusal == null ? "" : ": " + refusal);
          } catch (RuntimeException e) {
            LOG.debug("handing job {} back failed again", id, e);
          }
        });
  }

  /** Jobs running here now. */
  int runningCount() {
    return running.size();
  }

  /** The highest primary epoch this worker has taken a dispatch from. */
  long highestEpoch() {
    return highestEpoch.get();
  }

  @Override
  public void run(JobRecord dispatched, long epoch) {
    long highest = highestEpoch.accumulateAndGet(epoch, Math::max);
    if (epoch < highest) {
      LOG.warn(
          "refused job {} from a stale primary: epoch {} < {}", dispatched.id(), epoch, highest);
      return;
    }
    if (closed) {
      return;
    }
    String away = fence.outOfGrid();
    if (away != null) {
      // Left DISPATCHED: the primary hands it out again after its dispatch timeout.
      LOG.warn("not starting job {} attempt {}: {}", dispatched.id(), dispatched.attempt(), away);
      return;
    }
    // The same attempt can be handed over twice (a new primary resends unstarted dispatches).
    if (!startedHere.add(dispatched.id().value() + ":" + dispatched.attempt())) {
      return;
    }
    starter.execute(() -> start(dispatched));
  }

  /** What the grid adds to a job's environment; a task of an array also sees its index. */
  private Map<String, String> gridEnv(JobRecord job) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("GRID_JOB_ID", job.id().value());
    env.put("GRID_ATTEMPT", Integer.toString(job.attempt()));
    env.put("GRID_NODE", node);
    if (job.arrayIndex() != null) {
      env.put("GRID_ARRAY_INDEX", Integer.toString(job.arrayIndex()));
      env.put("GRID_ARRAY_JOB_ID", job.arrayId().value());
    }
    return env;
  }

  private void start(JobRecord dispatched) {
    JobId id = dispatched.id();
    int attempt = dispatched.attempt();
    UpdateResult started = recordStart(dispatched);
    if (!started.applied() && !startedByThisCall(started.record(), dispatched)) {
      LOG.debug("job {} attempt {} not started: {}", id, attempt, started.refusal());
      startedHere.remove(id.value() + ":" + attempt);
      return;
    }
    String away = fence.outOfGrid();
    if (away != null) { // went out of the grid while the start was being recorded
      handBack(dispatched, away);
      startedHere.remove(id.value() + ":" + attempt);
      return;
    }
    Path scratch = scratchRoot.resolve(id.value() + "-" + attempt);
    long startedAt = System.nanoTime();
    RunningJob job;
    try {
      job = launch(dispatched, scratch);
    } catch (RuntimeException e) {
      // A job that cannot even be handed to the runner ends FAILED with the cause; it must not
      // stay RUNNING, and it must not hurt the node.
      finish(dispatched, null, e, startedAt);
      startedHere.remove(id.value() + ":" + attempt);
      return;
    }
    Running entry = new Running(attempt, job);
    running.put(id, entry);
    long session = job.pid();
    orphans.track(session);
    if (pendingCancels.remove(id.value() + ":" + attempt) != null) {
      job.cancel();
    }
    job.result()
        .whenCompleteAsync(
            (result, error) -> {
              // The process is gone: its session id must leave the watcher's list before it can be
              // reused by another process.
              orphans.untrack(session);
              try {
                finish(dispatched, result, error, startedAt);
              } finally {
                running.remove(id, entry);
                startedHere.remove(id.value() + ":" + attempt);
                deleteScratch(dispatched, scratch);
              }
            },
            finisher);
  }

  /** Hands the job to the process runner, or to the Java runner; throws if it cannot. */
  private RunningJob launch(JobRecord dispatched, Path scratch) {
    JobSpec spec = dispatched.spec();
    if (spec.java() == null) {
      return runner.start(new RunRequest(spec, gridEnv(dispatched), scratch, outputCap));
    }
    JavaRequest request =
        new JavaRequest(
            dispatched.id(),
            dispatched.attempt(),
            spec.java(),
            spec.timeout(),
            outputCap,
            dispatched.arrayIndex(),
            StoredParents.of(table, blobs, dispatched));
    return spec.java().isolated()
        ? javaRunner.startIsolated(request, runner, scratch, gridEnv(dispatched))
        : javaRunner.start(request);
  }

  /**
   * Records the start, trying again if the grid is briefly unavailable; after a failed call the
   * record tells whether it applied.
   */
  private UpdateResult recordStart(JobRecord dispatched) {
    JobId id = dispatched.id();
    RuntimeException last = null;
    for (int tries = 1; tries <= 3; tries++) {
      try {
        return table.update(id, new JobCommand.Start(node, dispatched.attempt(), clock.millis()));
      } catch (RuntimeException e) {
        last = e;
        LOG.warn("recording the start of job {} failed (try {} of 3)", id, tries, e);
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L * tries);
        try {
          JobRecord now = table.get(id).orElse(null);
          if (now == null || now.state() != JobState.DISPATCHED) {
            return UpdateResult.refusedAs(now, "start failed: " + e);
          }
        } catch (RuntimeException readFailed) {
          last = readFailed;
        }
      }
    }
    return UpdateResult.refusedAs(null, "start failed: " + last);
  }

  /**
   * A refused start whose record shows this very attempt running here, for this worker process: the
   * write was applied but its answer was lost (Hazelcast retried it, or the call failed after
   * applying). Only this worker starts its attempts, once each ({@code startedHere}), so it is ours
   * to run.
   */
  private static boolean startedByThisCall(JobRecord now, JobRecord dispatched) {
    return now != null
        && now.state() == JobState.RUNNING
        && now.attempt() == dispatched.attempt()
        && java.util.Objects.equals(now.workerId(), dispatched.workerId());
  }

  private void finish(JobRecord job, RunResult result, Throwable error, long startedAt) {
    if (crashed) {
      return; // a simulated crash writes nothing, as a killed process would not
    }
    boolean killedByStop = result == null || result.outcome() == Outcome.CANCELLED;
    if (closed && killedByStop && !cancelRequested(job)) {
      // The node is stopping and killed its processes: the job did not fail, its node was taken
      // down. Hand it back to be dispatched again without using a retry.
      handBack(job, "node " + node + " stopped");
      return;
    }
    boolean stoppedByFence = fencedAttempts.remove(job.id().value() + ":" + job.attempt());
    if (!succeeded(result) && (stoppedByFence || fence.fencedSince(startedAt))) {
      // Stopped because the node was frozen or cut off (or it ended then, unseen): not the
      // job's failure. A cancel the user asked for still wins (Release ends it CANCELLED).
      handBack(job, "node " + node + " was frozen or cut off from the grid");
      return;
    }
    try {
      JobCommand.Finish end = error != null ? failure(job, error) : storeAndDescribe(job, result);
      writeFinish(job, end);
    } catch (RuntimeException e) {
      LOG.error(
          "job {} attempt {} ended but its end could not be recorded", job.id(), job.attempt(), e);
    }
  }

  /** Queues the job again without using a retry; kept and retried if the grid is away. */
  private void handBack(JobRecord job, String why) {
    HandBack h = new HandBack(job, why, clock.millis());
    try {
      writeHandBack(h);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not hand job {} back yet; trying again while this node is in the grid"
              + " (or the primary reclaims it if this node leaves)",
          job.id(),
          e);
      pendingHandBacks.put(job.id(), h);
    }
  }

  /** A hand-back to write: the job (or task) and attempt, why, and when it was decided. */
  private record HandBack(JobRecord job, String why, long atMillis) {}

  /** Writes a hand-back; returns why it did not apply, or null if it did. */
  private String writeHandBack(HandBack h) {
    JobRecord job = h.job();
    if (job.arrayIndex() == null) {
      UpdateResult u =
          table.update(
              job.id(), new JobCommand.Release(node, job.attempt(), h.why(), h.atMillis()));
      return u.applied() ? null : u.refusal();
    }
    BlockUpdate.Result r =
        table.updateBlock(
            TaskBlock.key(job.arrayId(), TaskBlock.blockOf(job.arrayIndex())),
            new BlockCommand.Release(
                node,
                new int[] {TaskBlock.slotOf(job.arrayIndex())},
                new int[] {job.attempt()},
                h.why(),
                h.atMillis()));
    return r.applied() ? null : "it had moved on";
  }

  private static boolean succeeded(RunResult result) {
    return result != null
        && (result.outcome() == Outcome.RETURNED
            || (result.outcome() == Outcome.EXITED
                && result.exitCode() != null
                && result.exitCode() == 0));
  }

  private boolean cancelRequested(JobRecord job) {
    return table.get(job.id()).map(JobRecord::cancelRequested).orElse(false);
  }

  private JobCommand.Finish failure(JobRecord job, Throwable error) {
    LOG.error("job {} attempt {} failed in the worker", job.id(), job.attempt(), error);
    return new JobCommand.Finish(
        node,
        job.attempt(),
        JobState.FAILED,
        null,
        "the worker failed to run it: " + error,
        0,
        0,
        false,
        clock.millis());
  }

  /**
   * Stores the output (before the end is recorded, so an ended job's output is readable). Only what
   * there is: an empty stdout or stderr, or a null result, writes no blob (a read of a missing
   * output gives empty output). The end itself (state, exit code, message) is in the job's record,
   * which is durable; no blob repeats it.
   */
  private JobCommand.Finish storeAndDescribe(JobRecord job, RunResult result) {
    JobState state =
        switch (result.outcome()) {
          case EXITED ->
              result.exitCode() != null && result.exitCode() == 0
                  ? JobState.SUCCEEDED
                  : JobState.FAILED;
          case TIMED_OUT -> JobState.TIMED_OUT;
          case CANCELLED -> JobState.CANCELLED;
          case START_FAILED, THREW -> JobState.FAILED;
          case RETURNED -> JobState.SUCCEEDED;
        };
    String message = result.message();
    if (message == null && state == JobState.FAILED) {
      message = "exit code " + result.exitCode();
    }
    String prefix = OutputKeys.prefix(job.id(), job.attempt());
    try {
      if (result.stdout().length > 0) {
        blobs.put(prefix + OutputKeys.STDOUT, result.stdout());
      }
      if (result.stderr().length > 0) {
        blobs.put(prefix + OutputKeys.STDERR, result.stderr());
      }
      if (result.value() != null) {
        blobs.put(prefix + OutputKeys.RESULT, result.value().bytes());
        blobs.put(
            prefix + OutputKeys.RESULT_TEXT,
            result.value().text().getBytes(StandardCharsets.UTF_8));
      }
    } catch (RuntimeException e) {
      LOG.error("storing the output of job {} failed", job.id(), e);
      message = (message == null ? "" : message + "; ") + "its output could not be stored: " + e;
    }
    return new JobCommand.Finish(
        node,
        job.attempt(),
        state,
        result.exitCode(),
        message,
        result.stdout().length,
        result.stderr().length,
        result.truncated(),
        clock.millis());
  }

  /** Records the end, a few times if the grid is briefly unavailable (a migration). */
  private void writeFinish(JobRecord job, JobCommand.Finish end) {
    for (int attempt = 1; ; attempt++) {
      try {
        UpdateResult u = table.update(job.id(), end);
        if (!u.applied()) {
          LOG.warn(
              "job {} attempt {} ended {} but the grid had moved on: {}",
              job.id(),
              job.attempt(),
              end.outcome(),
              u.refusal());
        }
        return;
      } catch (RuntimeException e) {
        if (attempt == 3) {
          throw e;
        }
        LOG.warn("recording the end of job {} failed, trying again", job.id(), e);
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L * attempt);
      }
    }
  }

  /**
   * Removes the job's scratch directory. Most jobs leave it empty, and one rmdir removes it; only a
   * job that left files behind costs a walk of the tree.
   */
  private static void deleteScratch(JobRecord job, Path scratch) {
    JobSpec spec = job.spec();
    if (spec.workDir() != null || (spec.java() != null && !spec.java().isolated())) {
      return; // a Java job in this JVM has no scratch directory
    }
    try {
      Files.deleteIfExists(scratch);
      return;
    } catch (DirectoryNotEmptyException e) {
      // the job left files: walk the tree below
    } catch (IOException e) {
      LOG.debug("could not delete scratch dir {}", scratch, e);
      return;
    }
    try (Stream<Path> files = Files.walk(scratch)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete scratch dir {}", scratch, e);
    }
  }

  @Override
  public void cancel(JobId id, int attempt) {
    Running r = running.get(id);
    if (r != null && r.attempt() == attempt) {
      r.job().cancel();
    } else {
      // The cancel can overtake the start; the start looks here.
      long now = clock.millis();
      pendingCancels.values().removeIf(at -> at < now - 60_000);
      pendingCancels.put(id.value() + ":" + attempt, now);
    }
  }

  @Override
  public void close() {
    closed = true;
    handBackQueued("node " + node + " stopped");
    sliceThreads.shutdown();
  }

  /**
   * After the runners have stopped the jobs: waits (bounded) for the slice threads to write what
   * their stopped tasks came to, and writes the ends still waiting.
   */
  void drain(java.time.Duration timeout) {
    try {
      if (!sliceThreads.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("tasks of slices still running {} after the node began to stop", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!crashed) {
      handBackQueued("node " + node + " stopped"); // came after close() had handed back
    }
    endsStopping = true;
    try {
      endWriter.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void runSlice(TaskSlice slice) {
    long highest = highestEpoch.accumulateAndGet(slice.epoch(), Math::max);
    if (slice.epoch() < highest) {
      LOG.warn(
          "refused {} tasks of array {} from a stale primary: epoch {} < {}",
          slice.size(),
          slice.arrayId(),
          slice.epoch(),
          highest);
      return;
    }
    if (closed) {
      return;
    }
    String away = fence.outOfGrid();
    if (away != null) {
      LOG.warn("not starting {} tasks of array {}: {}", slice.size(), slice.arrayId(), away);
      return; // left DISPATCHED: the primary hands them out again after its dispatch timeout
    }
    for (int i = 0; i < slice.size(); i++) {
      if (startedHere.add(
          JobTable.taskId(slice.arrayId(), slice.index(i)).value() + ":" + slice.attempts()[i])) {
        dispatchedTasks.add(new SliceTask(slice, i));
      }
    }
  }

  /**
   * A slice thread: runs a started task if one waits, else starts the next dispatched ones (see
   * {@link #startNext}) and runs the first of them, until the worker stops.
   */
  private void runSliceTasks() {
    while (!closed) {
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
      if (crashed) {
        return;
      }
      if (closed) {
        handBackAll(List.of(t), "node " + node + " stopped");
        return;
      }
      // Started long ago, maybe: out of the grid, its primary may have run it elsewhere since.
      String away = fence.outOfGrid();
      if (away != null) {
        handBackAll(List.of(t), away);
        continue;
      }
      runSliceTask(t);
      handBackExcess();
    }
  }

  /**
   * When an array's tasks turn slow, the tasks started on the old, short run time would wait long,
   * RUNNING in their block (and count as interrupted if this worker died): hands back those beyond
   * what the slice threads begin within four times {@value #START_AHEAD_MILLIS} ms by the run time
   * now seen, for the primary to dispatch again.
   */
  private void handBackExcess() {
    double mean = expectedTaskMillis();
    int waiting = startedTasks.size();
    if (Double.isNaN(mean) || waiting <= sliceThreadCount) {
      return;
    }
    int keep =
        (int)
            Math.max(
                sliceThreadCount, sliceThreadCount * 4 * START_AHEAD_MILLIS / Math.max(mean, 0.01));
    List<SliceTask> extra = new ArrayList<>();
    for (int i = keep; i < waiting; i++) {
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
          (long) (4 * START_AHEAD_MILLIS),
          Math.round(mean));
      handBackAll(extra, "node " + node + " had started more than it could run soon");
    }
  }

  /**
   * Takes the next dispatched tasks of one block, as many as this worker's slice threads are
   * expected to begin within {@value #START_AHEAD_MILLIS} ms (one while their run time is unknown
   * or long), records their start in one write, and returns the first started one; the others wait
   * for a slice thread among the started tasks. Null if none came or started.
   *
   * <p>A task is marked RUNNING only this little ahead of its code: if this worker dies, the tasks
   * it marked count as interrupted runs (a retry each), so they must be about to run.
   */
  private SliceTask startNext() throws InterruptedException {
    List<SliceTask> batch = new ArrayList<>();
    synchronized (startLock) {
      SliceTask first = dispatchedTasks.poll(200, TimeUnit.MILLISECONDS);
      if (first == null) {
        return null;
      }
      batch.add(first);
      int want = startBatch();
      while (batch.size() < want) {
        SliceTask next = dispatchedTasks.peek();
        if (next == null || !next.slice().blockKey().equals(first.slice().blockKey())) {
          break;
        }
        batch.add(dispatchedTasks.poll());
      }
    }
    List<SliceTask> started = recordStart(batch);
    String away = fence.outOfGrid();
    if (away != null || closed) { // went out of the grid (or began to stop) meanwhile
      handBackAll(started, away != null ? away : "node " + node + " stopped");
      return null;
    }
    if (started.isEmpty()) {
      return null;
    }
    startedTasks.addAll(started.subList(1, started.size()));
    return started.get(0);
  }

  /** How many tasks to start at once: {@link #startNext}. */
  private int startBatch() {
    double mean = expectedTaskMillis();
    if (Double.isNaN(mean) || mean >= START_AHEAD_MILLIS) {
      return 1;
    }
    // At most 8 per thread, however short the tasks: when an array's tasks turn slow at once,
    // the batch started on the old figure is what a death of this worker would count as
    // interrupted (before the first slow task ends and the rest is handed back).
    return (int)
        Math.max(
            1,
            Math.min(
                sliceThreadCount * MAX_START_PER_THREAD,
                sliceThreadCount * START_AHEAD_MILLIS / Math.max(mean, 0.01)));
  }

  /** Folds a task's run time into this worker's mean (an exponential average). */
  private void learn(long runNanos) {
    double ms = runNanos / 1e6;
    double mean = meanTaskMillis;
    meanTaskMillis = Double.isNaN(mean) ? ms : mean * 0.9 + ms * 0.1;
    lastTaskMillis = ms;
  }

  /**
   * How long a task is expected to run, in ms (NaN while unknown): the mean, or the last one's time
   * if longer, so that tasks turning slow are seen at the first slow one.
   */
  private double expectedTaskMillis() {
    return Math.max(meanTaskMillis, lastTaskMillis);
  }

  /**
   * Writes the start of tasks of one block, a few times if the grid is briefly unavailable; returns
   * the tasks this worker process started: those the write moved, and those it finds running their
   * attempt here (a write that applied but whose answer was lost; only this process starts its
   * attempts). The others are forgotten: the grid moved on from them.
   */
  private List<SliceTask> recordStart(List<SliceTask> batch) {
    String key = batch.get(0).slice().blockKey();
    int[] slots = batch.stream().mapToInt(SliceTask::slot).toArray();
    int[] attempts = batch.stream().mapToInt(SliceTask::attempt).toArray();
    TaskBlock b = null;
    BlockUpdate.Result r = null;
    for (int tries = 1; tries <= 3 && b == null; tries++) {
      try {
        r = table.updateBlock(key, new BlockCommand.Start(node, slots, attempts, clock.millis()));
        b = r.block();
      } catch (RuntimeException e) {
        LOG.warn(
            "recording the start of {} tasks of block {} failed (try {} of 3)",
            batch.size(),
            key,
            tries,
            e);
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L * tries);
      }
    }
    if (b == null) {
      // Unknown whether it applied: hand the tasks back, so that none stays RUNNING here unrun.
      handBackAll(batch, "node " + node + " could not record their start");
      return List.of();
    }
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
        forget(t.slice(), t.i());
      }
    }
    return started;
  }

  private void forget(TaskSlice s, int i) {
    startedHere.remove(JobTable.taskId(s.arrayId(), s.index(i)).value() + ":" + s.attempts()[i]);
  }

  /** Runs one task of a slice on this thread, and queues its end to be written. */
  private void runSliceTask(SliceTask t) {
    long now = clock.millis();
    JobRecord job = t.job(now);
    if (pendingCancels.remove(job.id().value() + ":" + job.attempt()) != null) {
      // Cancelled while it waited for this thread: it ends without running.
      taskEnds.add(
          new TaskEnd(
              t.slice().blockKey(),
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
      forget(t.slice(), t.i());
      return;
    }
    Path scratch = scratchRoot.resolve(job.id().value() + "-" + job.attempt());
    long startedAt = System.nanoTime();
    RunResult result = null;
    Throwable error = null;
    try {
      RunningJob running = launch(job, scratch);
      Running entry = new Running(job.attempt(), running);
      this.running.put(job.id(), entry);
      long session = running.pid();
      orphans.track(session);
      if (pendingCancels.remove(job.id().value() + ":" + job.attempt()) != null) {
        running.cancel();
      }
      try {
        result = running.result().join();
        learn(System.nanoTime() - startedAt);
      } catch (RuntimeException e) {
        error = e.getCause() != null ? e.getCause() : e;
      } finally {
        orphans.untrack(session);
        this.running.remove(job.id(), entry);
      }
    } catch (RuntimeException e) {
      error = e; // could not even be handed to the runner: ends FAILED with the cause
    }
    try {
      finishTask(t, job, result, error, startedAt, now);
    } finally {
      forget(t.slice(), t.i());
      deleteScratch(job, scratch);
    }
  }

  /** What a task's end comes to: as {@link #finish} decides for a job, queued for its block. */
  private void finishTask(
      SliceTask t,
      JobRecord job,
      RunResult result,
      Throwable error,
      long startedAt,
      long startedAtMillis) {
    if (crashed) {
      return;
    }
    boolean killedByStop = result == null || result.outcome() == Outcome.CANCELLED;
    if (error == null && closed && killedByStop && !cancelRequested(job)) {
      handBack(job, "node " + node + " stopped");
      return;
    }
    boolean stoppedByFence = fencedAttempts.remove(job.id().value() + ":" + job.attempt());
    if (error == null && !succeeded(result) && (stoppedByFence || fence.fencedSince(startedAt))) {
      handBack(job, "node " + node + " was frozen or cut off from the grid");
      return;
    }
    JobCommand.Finish f;
    try {
      f = error != null ? failure(job, error) : storeAndDescribe(job, result);
    } catch (RuntimeException e) {
      f = failure(job, e);
    }
    taskEnds.add(
        new TaskEnd(
            t.slice().blockKey(),
            job.id(),
            new BlockCommand.Ended(
                t.slice().slots()[t.i()],
                job.attempt(),
                f.outcome(),
                f.exitCode(),
                f.message(),
                startedAtMillis,
                f.atMillis(),
                f.stdoutBytes(),
                f.stderrBytes(),
                f.truncated())));
  }

  /**
   * The end writer: takes the ends of tasks as they come, waits up to {@value #FLUSH_MILLIS} ms for
   * more, and writes them, one write per block.
   */
  private void writeTaskEnds() {
    while (!crashed && !(endsStopping && taskEnds.isEmpty())) {
      try {
        TaskEnd first = taskEnds.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        List<TaskEnd> batch = new ArrayList<>();
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS);
        for (long left = FLUSH_MILLIS;
            left > 0 && !endsStopping;
            left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
          TaskEnd more = taskEnds.poll(left, TimeUnit.MILLISECONDS);
          if (more == null) {
            break;
          }
          batch.add(more);
        }
        taskEnds.drainTo(batch);
        if (!crashed) {
          writeEnds(batch);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("writing the ends of tasks failed", e);
      }
    }
  }

  /** Writes ends, one write per block, a few times if the grid is briefly unavailable. */
  private void writeEnds(List<TaskEnd> ends) {
    Map<String, List<TaskEnd>> byBlock = new HashMap<>();
    for (TaskEnd e : ends) {
      byBlock.computeIfAbsent(e.blockKey(), k -> new ArrayList<>()).add(e);
    }
    byBlock.forEach(
        (key, list) -> {
          List<BlockCommand.Ended> ended = list.stream().map(TaskEnd::ended).toList();
          for (int attempt = 1; ; attempt++) {
            try {
              BlockUpdate.Result r =
                  table.updateBlock(
                      key, new BlockCommand.Finish(node, new ArrayList<>(ended), clock.millis()));
              for (TaskEnd e : list) {
                if (!r.changed(e.ended().slot())) {
                  LOG.warn(
                      "task {} attempt {} ended {} but the grid had moved on",
                      e.id(),
                      e.ended().attempt(),
                      e.ended().outcome());
                }
              }
              return;
            } catch (RuntimeException e) {
              if (attempt == 3) {
                if (endsStopping || crashed) {
                  LOG.error(
                      "{} tasks of block {} ended but their ends could not be recorded",
                      list.size(),
                      key,
                      e);
                } else {
                  LOG.warn(
                      "{} tasks of block {} ended; recording their ends failed, trying again",
                      list.size(),
                      key,
                      e);
                  taskEnds.addAll(list);
                }
                return;
              }
              LOG.warn("recording the ends of tasks of block {} failed, trying again", key, e);
              java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L * attempt);
            }
          }
        });
  }

  /** Hands back the tasks of slices still waiting for a slice thread, a block at a time. */
  private void handBackQueued(String why) {
    List<SliceTask> queued = new ArrayList<>();
    for (SliceTask t = startedTasks.poll(); t != null; t = startedTasks.poll()) {
      queued.add(t);
    }
    dispatchedTasks.drainTo(queued);
    handBackAll(queued, why);
  }

  /** Hands back tasks of slices that never ran, one write per block. */
  private void handBackAll(List<SliceTask> tasks, String why) {
    if (tasks.isEmpty() || crashed) {
      return;
    }
    Map<String, List<SliceTask>> byBlock = new HashMap<>();
    for (SliceTask t : tasks) {
      byBlock.computeIfAbsent(t.slice().blockKey(), k -> new ArrayList<>()).add(t);
    }
    long now = clock.millis();
    byBlock.forEach(
        (key, list) -> {
          int[] slots = list.stream().mapToInt(t -> t.slice().slots()[t.i()]).toArray();
          int[] attempts = list.stream().mapToInt(t -> t.slice().attempts()[t.i()]).toArray();
          try {
            table.updateBlock(key, new BlockCommand.Release(node, slots, attempts, why, now));
          } catch (RuntimeException e) {
            LOG.warn(
                "could not hand {} tasks of block {} back yet; trying again while this node is"
                    + " in the grid",
                list.size(),
                key,
                e);
            list.forEach(
                t -> pendingHandBacks.put(t.job(now).id(), new HandBack(t.job(now), why, now)));
          }
          list.forEach(t -> forget(t.slice(), t.i()));
        });
  }

  /** For in-JVM crash tests: from now on nothing is written, as after a SIGKILL. */
  void crash() {
    crashed = true;
    closed = true;
  }
}
