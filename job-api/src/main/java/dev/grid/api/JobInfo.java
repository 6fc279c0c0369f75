package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A job as clients see it: {@code bin/status --json} prints this, {@link GridClient#status} returns
 * it.
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
 * @param arrayId for a task of an array, the array's id; else null
 * @param arrayIndex for a task of an array, its index; else null
 * @param tasks for an array, how many of its tasks are in each state (the array's {@code state}
 *     sums them up: see {@code bin/status}); else null
 * @param retryAtMillis for a job queued again after a failed or timed-out attempt, the earliest
 *     time its next attempt may start (its backoff); else null
 * @param retriesUsed how many of its retries it has used (a run lost with its node, failed or timed
 *     out, and run again)
 * @param usage what its runs cost: CPU time summed over its attempts, the highest peak memory; null
 *     where its nodes do not measure it (no cgroups) or before a run ended
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
    List<JobEvent> history,
    JobId arrayId,
    Integer arrayIndex,
    Map<JobState, Integer> tasks,
    @JsonInclude(JsonInclude.Include.NON_NULL) Long retryAtMillis,
    int retriesUsed,
    @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
  /**
   * Part of the {@link #message()} of a cron fire's job that ended LOST rather than run a second
   * time (its worker left while it ran): cron fires run at most once.
   */
  public static final String CRON_AT_MOST_ONCE = "a cron fire runs at most once";

  /** Copies the history and counts so the record stays immutable. */
  public JobInfo {
    history = history == null ? List.of() : List.copyOf(history);
    if (tasks != null) {
      EnumMap<JobState, Integer> inOrder = new EnumMap<>(JobState.class);
      inOrder.putAll(tasks);
      tasks = Collections.unmodifiableMap(inOrder);
    }
  }

  /** A view without a backoff under way. */
  public JobInfo(
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
      List<JobEvent> history,
      JobId arrayId,
      Integer arrayIndex,
      Map<JobState, Integer> tasks) {
    this(
        id,
        state,
        node,
        attempt,
        exitCode,
        message,
        spec,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        outputTruncated,
        history,
        arrayId,
        arrayIndex,
        tasks,
        null,
        0);
  }

  /** A single job's view (no array). */
  public JobInfo(
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
    this(
        id,
        state,
        node,
        attempt,
        exitCode,
        message,
        spec,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        outputTruncated,
        history,
        null,
        null,
        null);
  }

  /**
   * For an array, its tasks' counts as a person reads them: {@code 1000 tasks: 50 RUNNING, 950
   * SUCCEEDED}; else null.
   */
  public String taskSummary() {
    return tasks == null ? null : describeTasks(tasks);
  }

  /** Task counts as a person reads them, in the order of {@link JobState}. */
  public static String describeTasks(Map<JobState, Integer> counts) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    StringJoiner parts = new StringJoiner(", ", total + " tasks: ", "");
    parts.setEmptyValue(total + " tasks");
    for (JobState s : JobState.values()) {
      int n = counts.getOrDefault(s, 0);
      if (n > 0) {
        parts.add(n + " " + s);
      }
    }
    return parts.toString();
  }

  /** A view whose cost was not measured. */
  public JobInfo(
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
      List<JobEvent> history,
      JobId arrayId,
      Integer arrayIndex,
      Map<JobState, Integer> tasks,
      Long retryAtMillis,
      int retriesUsed) {
    this(
        id,
        state,
        node,
        attempt,
        exitCode,
        message,
        spec,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        outputTruncated,
        history,
        arrayId,
        arrayIndex,
        tasks,
        retryAtMillis,
        retriesUsed,
        null);
  }

  /** This view with another message (why it waits, say). */
  public JobInfo withMessage(String newMessage) {
    return new JobInfo(
        id,
        state,
        node,
        attempt,
        exitCode,
        newMessage,
        spec,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        outputTruncated,
        history,
        arrayId,
        arrayIndex,
        tasks,
        retryAtMillis,
        retriesUsed,
        usage);
  }

  /** This view with an array's state and task counts. */
  public JobInfo withTasks(JobState summary, Map<JobState, Integer> counts) {
    return new JobInfo(
        id,
        summary,
        node,
        attempt,
        exitCode,
        message,
        spec,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        outputTruncated,
        history,
        arrayId,
        arrayIndex,
        counts,
        retryAtMillis,
        retriesUsed,
        usage);
  }
}
