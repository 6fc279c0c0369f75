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
 */
public record JavaRequest(
    JobId id, int attempt, JavaTask task, Duration timeout, long outputCapBytes) {

  /** Validates eagerly; a bad value is named in the message. */
  public JavaRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(task, "task");
    if (outputCapBytes < 0 || outputCapBytes > RunRequest.MAX_OUTPUT_CAP) {
      throw new IllegalArgumentException(
          "outputCapBytes " + outputCapBytes + " is out of range: give 0 to "
              + RunRequest.MAX_OUTPUT_CAP);
    }
  }
}
