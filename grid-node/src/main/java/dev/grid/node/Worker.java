package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
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
 * stale, and then nothing runs), runs the process, stores its output, records the end.
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
  private final Path scratchRoot;
  private final long outputCap;
  private final Clock clock;
  private final ExecutorService starter;
  private final ExecutorService finisher;
  private final AtomicLong highestEpoch = new AtomicLong();
  private final Map<JobId, Running> running = new ConcurrentHashMap<>();
  private final Set<String> pendingCancels = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private record Running(int attempt, RunningJob job) {}

  Worker(String node, JobTable table, BlobStore blobs, ProcessRunner runner, Path scratchRoot,
      long outputCap, Clock clock, ExecutorService starter, ExecutorService finisher) {
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
    starter.execute(() -> start(dispatched));
  }

  private void start(JobRecord dispatched) {
    JobId id = dispatched.id();
    int attempt = dispatched.attempt();
    UpdateResult started = table.update(id, new JobCommand.Start(node, attempt, clock.millis()));
    if (!started.applied()) {
      LOG.debug("job {} attempt {} not started: {}", id, attempt, started.refusal());
      return;
    }
    Path scratch = scratchRoot.resolve(id.value() + "-" + attempt);
    RunningJob job = runner.start(new RunRequest(dispatched.spec(),
        Map.of("GRID_JOB_ID", id.value(), "GRID_ATTEMPT", Integer.toString(attempt),
            "GRID_NODE", node),
        scratch, outputCap));
    running.put(id, new Running(attempt, job));
    if (pendingCancels.remove(id.value() + ":" + attempt)) {
      job.cancel();
    }
    job.result().whenCompleteAsync((result, error) -> {
      try {
        finish(dispatched, result, error);
      } finally {
        running.remove(id);
        deleteScratch(dispatched, scratch);
      }
    }, finisher);
  }

  private void finish(JobRecord job, RunResult result, Throwable error) {
    if (closed) {
      // The node is stopping and killed its processes: the job did not fail, its worker went
      // away. The primary reclaims it (retry or LOST) when this member leaves.
      return;
    }
    JobId id = job.id();
    int attempt = job.attempt();
    JobCommand.Finish end;
    if (error != null) {
      LOG.error("job {} attempt {} failed in the worker", id, attempt, error);
      end = new JobCommand.Finish(node, attempt, JobState.FAILED, null,
          "the worker failed to run it: " + error, 0, 0, false, clock.millis());
    } else {
      String prefix = OutputKeys.prefix(id, attempt);
      if (result.stdout().length > 0) {
        blobs.put(prefix + OutputKeys.STDOUT, result.stdout());
      }
      if (result.stderr().length > 0) {
        blobs.put(prefix + OutputKeys.STDERR, result.stderr());
      }
      JobState state = switch (result.outcome()) {
        case EXITED -> result.exitCode() != null && result.exitCode() == 0
            ? JobState.SUCCEEDED : JobState.FAILED;
        case TIMED_OUT -> JobState.TIMED_OUT;
        case CANCELLED -> JobState.CANCELLED;
        case START_FAILED -> JobState.FAILED;
      };
      String message = result.message();
      if (message == null && state == JobState.FAILED) {
        message = "exit code " + result.exitCode();
      }
      blobs.put(prefix + OutputKeys.EXIT, exitRecord(state, result.exitCode(), message));
      end = new JobCommand.Finish(node, attempt, state, result.exitCode(), message,
          result.stdout().length, result.stderr().length, result.truncated(), clock.millis());
    }
    UpdateResult u = table.update(id, end);
    if (!u.applied()) {
      LOG.warn("job {} attempt {} ended {} but the grid had moved on: {}", id, attempt,
          end.outcome(), u.refusal());
    }
  }

  private static byte[] exitRecord(JobState state, Integer exitCode, String message) {
    String text = "state=" + state + "\nexitCode=" + (exitCode == null ? "" : exitCode)
        + "\nmessage=" + (message == null ? "" : message.replace('\n', ' ')) + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
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
      pendingCancels.add(id.value() + ":" + attempt);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
