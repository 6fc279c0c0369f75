package dev.grid.node.exec;

import dev.grid.api.JavaTask;
import dev.grid.api.JobId;
import java.time.Duration;
import java.util.Objects;

/**
 * One run of a Java job on this worker.
 *
 * @param id the job
 * @param attempt the attempt being run
 * @param task the jar, class and arguments
 * @param timeout how long the job may run; null for no limit
 * @param outputCapBytes how many bytes of stdout, and separately of stderr, are kept
 * @param arrayIndex the task's index when the job is a task of an array; else null
 * @param parents the results of the jobs it ran after ({@link ParentResults#NONE} for none)
 */
public record JavaRequest(
    JobId id,
    int attempt,
    JavaTask task,
    Duration timeout,
    long outputCapBytes,
    Integer arrayIndex,
    ParentResults parents) {

  /** Validates eagerly; a bad value is named in the message. */
  public JavaRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(parents, "parents");
    if (outputCapBytes < 0 || outputCapBytes > RunRequest.MAX_OUTPUT_CAP) {
      throw new IllegalArgumentException(
          "outputCapBytes "
              + outputCapBytes
              + " is out of range: give 0 to "
              + RunRequest.MAX_OUTPUT_CAP);
    }
  }

  /** A job that is no array task and ran after nothing. */
  public JavaRequest(JobId id, int attempt, JavaTask task, Duration timeout, long outputCapBytes) {
    this(id, attempt, task, timeout, outputCapBytes, null, ParentResults.NONE);
  }
}
