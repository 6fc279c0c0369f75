package dev.grid.api;

import java.util.List;

/**
 * A job as clients see it: {@code bin/status --json} prints this, {@link GridClient#status}
 * returns it.
 *
 * @param id the job's id
 * @param state where it is now
 * @param node the worker it was last given to, or null if never dispatched
 * @param attempt the dispatch attempt, 0 before the first dispatch
 * @param exitCode the process's exit code once ended, else null
 * @param message why it ended as it did (failure cause, timeout, cancel, loss), or null
 * @param spec what it runs
 * @param submittedAtMillis when it was accepted
 * @param startedAtMillis when its latest attempt started running, or null
 * @param endedAtMillis when it ended, or null
 * @param stdoutBytes bytes of stdout kept (after the cap)
 * @param stderrBytes bytes of stderr kept (after the cap)
 * @param outputTruncated whether stdout or stderr passed the cap and was cut
 * @param history every state change, oldest first
 */
public record JobInfo(
    JobId id,
    JobState state,
    String node,
    int attempt,
    Integer exitCode,
    String message,
    JobSpec spec,
    long submittedAtMillis,
    Long startedAtMillis,
    Long endedAtMillis,
    long stdoutBytes,
    long stderrBytes,
    boolean outputTruncated,
    List<JobEvent> history) {

  /** Copies the history so the record stays immutable. */
  public JobInfo {
    history = history == null ? List.of() : List.copyOf(history);
  }
}
