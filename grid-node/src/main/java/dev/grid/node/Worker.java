package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.JobSpec;
import dev.grid.node.exec.JavaJobRunner;
import dev.grid.node.exec.JavaRequest;
import dev.grid.node.exec.Outcome;
import dev.grid.node.exec.ProcessRunner;
import dev.grid.node.exec.RunRequest;
import dev.grid.node.exec.RunResult;
import dev.grid.node.exec.RunningJob;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.UpdateResult;
import dev.grid.scheduler.WorkerEndpoint;
import dev.grid.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs the primary hands to this node: records the start (which fails if the attempt is
 * stale, and then nothing runs), runs the process (or, for a Java job, its class on a thread of
 * this JVM), stores its output (and a Java job's result), records the end.
 *
 * <p>Fencing: a dispatch from a primary whose epoch is lower than the highest this worker has
 * seen is refused. Together with the attempt check in {@code JobCommand.Start}, a job never
 * starts twice for one attempt, and a stale primary cannot make a worker run anything.
 */
final class Worker implements WorkerEndpoint, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

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
  private final Map<JobId, JobCommand.Release> pendingHandBacks = new ConcurrentHashMap<>();
  private volatile Fence fence = Fence.NONE;

  /** What the worker asks its node's fence (see {@link NodeFence}). */
  interface Fence {
    Fence NONE = new Fence() {
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

  Worker(String node, JobTable table, BlobStore blobs, ProcessRunner runner,
      JavaJobRunner javaRunner, OrphanGuard orphans, Path scratchRoot, long outputCap, Clock clock,
      ExecutorService starter, ExecutorService finisher) {
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
    running.forEach((id, r) -> {
      if (fencedAttempts.add(id.value() + ":" + r.attempt())) {
        LOG.warn("stopping job {} attempt {}: {}", id, r.attempt(), why);
        r.job().cancel();
      }
    });
  }

  /** The node is in the grid: writes the hand-backs that failed before. */
  void inGrid() {
    pendingHandBacks.forEach((id, release) -> {
      try {
        UpdateResult u = table.update(id, release);
        pendingHandBacks.remove(id, release);
        LOG.info("job {} handed back{}", id, u.applied() ? "" : ": " + u.refusal());
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
      LOG.warn("refused job {} from a stale primary: epoch {} < {}", dispatched.id(), epoch,
          highest);
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
      JobSpec spec = dispatched.spec();
      Map<String, String> gridEnv = gridEnv(dispatched);
      if (spec.java() == null) {
        job = runner.start(new RunRequest(spec, gridEnv, scratch, outputCap));
      } else {
        JavaRequest request = new JavaRequest(id, attempt, spec.java(), spec.timeout(),
            outputCap, dispatched.arrayIndex(), StoredParents.of(table, blobs, dispatched));
        job = spec.java().isolated()
            ? javaRunner.startIsolated(request, runner, scratch, gridEnv)
            : javaRunner.start(request);
      }
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
    job.result().whenCompleteAsync((result, error) -> {
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
    }, finisher);
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
        return table.update(id,
            new JobCommand.Start(node, dispatched.attempt(), clock.millis()));
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
   * A refused start whose record shows this very attempt running here, for this worker process:
   * the write was applied but its answer was lost (Hazelcast retried it, or the call failed
   * after applying). Only this worker starts its attempts, once each ({@code startedHere}), so
   * it is ours to run.
   */
  private static boolean startedByThisCall(JobRecord now, JobRecord dispatched) {
    return now != null && now.state() == JobState.RUNNING
        && now.attempt() == dispatched.attempt()
        && java.util.Objects.equals(now.workerId(), dispatched.workerId());
  }

  private void finish(JobRecord job, RunResult result, Throwable error, long startedAt) {
    if (crashed) {
      return; // a simulated crash writes nothing, as a killed process would not
    }
    boolean killedByStop =
        result == null || result.outcome() == Outcome.CANCELLED;
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
      LOG.error("job {} attempt {} ended but its end could not be recorded", job.id(),
          job.attempt(), e);
    }
  }

  /** Queues the job again without using a retry; kept and retried if the grid is away. */
  private void handBack(JobRecord job, String why) {
    JobCommand.Release release =
        new JobCommand.Release(node, job.attempt(), why, clock.millis());
    try {
      table.update(job.id(), release);
    } catch (RuntimeException e) {
      LOG.warn("could not hand job {} back yet; trying again while this node is in the grid"
          + " (or the primary reclaims it if this node leaves)", job.id(), e);
      pendingHandBacks.put(job.id(), release);
    }
  }

  private static boolean succeeded(RunResult result) {
    return result != null && (result.outcome() == Outcome.RETURNED
        || (result.outcome() == Outcome.EXITED
            && result.exitCode() != null && result.exitCode() == 0));
  }

  private boolean cancelRequested(JobRecord job) {
    return table.get(job.id()).map(JobRecord::cancelRequested).orElse(false);
  }

  private JobCommand.Finish failure(JobRecord job, Throwable error) {
    LOG.error("job {} attempt {} failed in the worker", job.id(), job.attempt(), error);
    return new JobCommand.Finish(node, job.attempt(), JobState.FAILED, null,
        "the worker failed to run it: " + error, 0, 0, false, clock.millis());
  }

  /**
   * Stores the output (before the end is recorded, so an ended job's output is readable). Only
   * what there is: an empty stdout or stderr, or a null result, writes no blob (a read of a
   * missing output gives empty output). The end itself (state, exit code, message) is in the
   * job's record, which is durable; no blob repeats it.
   */
  private JobCommand.Finish storeAndDescribe(JobRecord job, RunResult result) {
    JobState state = switch (result.outcome()) {
      case EXITED -> result.exitCode() != null && result.exitCode() == 0
          ? JobState.SUCCEEDED : JobState.FAILED;
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
        blobs.put(prefix + OutputKeys.RESULT_TEXT,
            result.value().text().getBytes(StandardCharsets.UTF_8));
      }
    } catch (RuntimeException e) {
      LOG.error("storing the output of job {} failed", job.id(), e);
      message = (message == null ? "" : message + "; ") + "its output could not be stored: " + e;
    }
    return new JobCommand.Finish(node, job.attempt(), state, result.exitCode(), message,
        result.stdout().length, result.stderr().length, result.truncated(), clock.millis());
  }

  /** Records the end, a few times if the grid is briefly unavailable (a migration). */
  private void writeFinish(JobRecord job, JobCommand.Finish end) {
    for (int attempt = 1; ; attempt++) {
      try {
        UpdateResult u = table.update(job.id(), end);
        if (!u.applied()) {
          LOG.warn("job {} attempt {} ended {} but the grid had moved on: {}", job.id(),
              job.attempt(), end.outcome(), u.refusal());
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
   * Removes the job's scratch directory. Most jobs leave it empty, and one rmdir removes it; only
   * a job that left files behind costs a walk of the tree.
   */
  private static void deleteScratch(JobRecord job, Path scratch) {
    if (job.spec().workDir() != null) {
      return;
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
  }

  /** For in-JVM crash tests: from now on nothing is written, as after a SIGKILL. */
  void crash() {
    crashed = true;
    closed = true;
  }
}
