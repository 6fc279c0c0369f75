package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.node.exec.RunResult;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.storage.BlobStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores a run's output (and a Java job's result) and describes its end, before the end is written:
 * an ended job's output is readable.
 */
final class OutputWriter {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  private final String node;
  private final BlobStore blobs;
  private final Clock clock;

  OutputWriter(String node, BlobStore blobs, Clock clock) {
    this.node = node;
    this.blobs = blobs;
    this.clock = clock;
  }

  /**
   * Stores the output and returns the end to write. Only what there is: an empty stdout or stderr,
   * or a null result, writes no blob (a read of a missing output gives empty output). The end
   * itself (state, exit code, message) is in the job's record, which is durable; no blob repeats
   * it.
   */
  JobCommand.Finish store(JobRecord job, RunResult result) {
    JobState state = EndDecision.stateOf(result);
    String message = EndDecision.messageOf(result.message(), state, result.exitCode());
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

  /** The end of a run the worker failed to run (or to wait for): FAILED, with the cause. */
  JobCommand.Finish failure(JobRecord job, Throwable error) {
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

  /** The end to write: the worker's failure, or the run's, with its output stored. */
  JobCommand.Finish endOf(JobRecord job, RunResult result, Throwable error) {
    return error != null ? failure(job, error) : store(job, result);
  }
}
