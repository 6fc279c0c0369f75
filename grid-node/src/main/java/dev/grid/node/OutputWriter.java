package dev.grid.node;

import dev.grid.api.JobState;
import dev.grid.node.exec.RunResult;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.storage.BlobStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
    List<String> failures = new ArrayList<>();
    long stdoutKept = keep(prefix + OutputKeys.STDOUT, result.stdout(), failures);
    long stderrKept = keep(prefix + OutputKeys.STDERR, result.stderr(), failures);
    try {
      if (result.value() != null) {
        blobs.put(prefix + OutputKeys.RESULT, result.value().bytes());
        blobs.put(
            prefix + OutputKeys.RESULT_TEXT,
            result.value().text().getBytes(StandardCharsets.UTF_8));
      }
    } catch (RuntimeException e) {
      failures.add(e.toString());
    }
    if (!failures.isEmpty()) {
      LOG.error("storing the output of job {} failed: {}", job.id(), failures);
      message =
          (message == null ? "" : message + "; ")
              + "its output could not be stored: "
              + failures.get(0);
    }
    return new JobCommand.Finish(
        node,
        job.attempt(),
        state,
        result.exitCode(),
        message,
        stdoutKept,
        stderrKept,
        result.truncated(),
        clock.millis(),
        result.usage());
  }

  /**
   * Stores one stream's bytes; returns how many the record may say were kept: all of them once
   * stored (a put short of copies stored it too, and repair adds the rest), none if it was not.
   */
  private long keep(String key, byte[] bytes, List<String> failures) {
    if (bytes.length == 0) {
      return 0;
    }
    try {
      blobs.put(key, bytes);
      return bytes.length;
    } catch (RuntimeException e) {
      failures.add(e.toString());
      return blobs.exists(key) ? bytes.length : 0;
    }
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
        clock.millis(),
        null);
  }

  /** The end to write: the worker's failure, or the run's, with its output stored. */
  JobCommand.Finish endOf(JobRecord job, RunResult result, Throwable error) {
    return error != null ? failure(job, error) : store(job, result);
  }
}
