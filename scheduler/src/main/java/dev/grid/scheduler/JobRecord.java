package dev.grid.scheduler;

import dev.grid.api.Dependencies;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Scheduling;
import dev.grid.api.Usage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A job as the grid stores it in the replicated {@code jobs} map: the spec, where it is, and its
 * whole history. Immutable; every change goes through {@link JobUpdate}, which checks the
 * transition table and the fencing rules.
 *
 * @param id the job's id
 * @param spec what it runs
 * @param state where it is now
 * @param node the worker it was last dispatched to, or null
 * @param workerId the Hazelcast member id of that worker's process; a restarted node is a new
 *     worker, so jobs of its previous life are reclaimed
 * @param attempt the dispatch attempt: 0 while never dispatched, +1 on each dispatch
 * @param epoch the highest primary epoch that has written this record (the fence)
 * @param retriesUsed retries consumed after a worker died under the job
 * @param cancelRequested a user asked to cancel while it ran; the worker ends it CANCELLED
 * @param exitCode the exit code once ended, or null
 * @param message why it ended as it did, or null
 * @param submittedAtMillis when it was accepted
 * @param startedAtMillis when its latest attempt started running, or null
 * @param endedAtMillis when it ended, or null
 * @param stdoutBytes bytes of stdout kept
 * @param stderrBytes bytes of stderr kept
 * @param truncated whether output passed the cap
 * @param version +1 on every change; lets a reader keep the newest of two copies
 * @param history every state change, oldest first
 * @param arrayId for a task of an array, the array's id; else null
 * @param arrayIndex for a task of an array, its index ({@code GRID_ARRAY_INDEX}); else null
 * @param retryAtMillis for a job queued again after a failed or timed-out attempt, the earliest
 *     time it may be dispatched (its backoff); else null
 * @param usage what its runs cost so far (CPU time summed over attempts, the highest peak memory),
 *     where its nodes measure it (cgroups); else null
 */
public record JobRecord(
    JobId id,
    JobSpec spec,
    JobState state,
    String node,
    String workerId,
    int attempt,
    long epoch,
    int retriesUsed,
    boolean cancelRequested,
    Integer exitCode,
    String message,
    long submittedAtMillis,
    Long startedAtMillis,
    Long endedAtMillis,
    long stdoutBytes,
    long stderrBytes,
    boolean truncated,
    long version,
    List<JobEvent> history,
    JobId arrayId,
    Integer arrayIndex,
    Long retryAtMillis,
    Usage usage) {

  /** Oldest first; the tasks of an array by index. */
  public static final Comparator<JobRecord> SUBMIT_ORDER =
      Comparator.comparingLong(JobRecord::submittedAtMillis)
          .thenComparingInt(r -> r.arrayIndex() == null ? -1 : r.arrayIndex())
          .thenComparing(JobRecord::id);

  /**
   * The order the queue is served in: higher priority first, aged by the wait ({@link
   * Scheduling#queueKey}), then oldest first; the tasks of an array by index.
   */
  public static final Comparator<JobRecord> DISPATCH_ORDER =
      Comparator.comparingLong(
              (JobRecord r) -> r.spec().schedulingOrDefault().queueKey(r.submittedAtMillis()))
          .thenComparing(SUBMIT_ORDER);

  /** Copies the history into a plain list (Kryo cannot read unmodifiable wrappers). */
  public JobRecord {
    history = new ArrayList<>(history);
  }

  /** A job's record without a backoff under way. */
  public JobRecord(
      JobId id,
      JobSpec spec,
      JobState state,
      String node,
      String workerId,
      int attempt,
      long epoch,
      int retriesUsed,
      boolean cancelRequested,
      Integer exitCode,
      String message,
      long submittedAtMillis,
      Long startedAtMillis,
      Long endedAtMillis,
      long stdoutBytes,
      long stderrBytes,
      boolean truncated,
      long version,
      List<JobEvent> history,
      JobId arrayId,
      Integer arrayIndex) {
    this(
        id,
        spec,
        state,
        node,
        workerId,
        attempt,
        epoch,
        retriesUsed,
        cancelRequested,
        exitCode,
        message,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        truncated,
        version,
        history,
        arrayId,
        arrayIndex,
        null,
        null);
  }

  /** A job's record as it was before arrays: no array, no index. */
  public JobRecord(
      JobId id,
      JobSpec spec,
      JobState state,
      String node,
      String workerId,
      int attempt,
      long epoch,
      int retriesUsed,
      boolean cancelRequested,
      Integer exitCode,
      String message,
      long submittedAtMillis,
      Long startedAtMillis,
      Long endedAtMillis,
      long stdoutBytes,
      long stderrBytes,
      boolean truncated,
      long version,
      List<JobEvent> history) {
    this(
        id,
        spec,
        state,
        node,
        workerId,
        attempt,
        epoch,
        retriesUsed,
        cancelRequested,
        exitCode,
        message,
        submittedAtMillis,
        startedAtMillis,
        endedAtMillis,
        stdoutBytes,
        stderrBytes,
        truncated,
        version,
        history,
        null,
        null);
  }

  /**
   * A newly accepted job: {@code HELD} if submitted so, else {@code WAITING} if it has
   * dependencies, else {@code QUEUED}.
   */
  public static JobRecord queued(JobId id, JobSpec spec, long nowMillis) {
    return accepted(id, spec, nowMillis, null, null);
  }

  /**
   * A newly accepted job, array or task of an array ({@code arrayId} and {@code index} set): {@code
   * WAITING} if its spec has dependencies, else {@code QUEUED}.
   */
  public static JobRecord accepted(
      JobId id, JobSpec spec, long nowMillis, JobId arrayId, Integer index) {
    JobState state = spec.after() == null ? JobState.QUEUED : JobState.WAITING;
    String why = spec.after() == null ? null : waitingFor(spec.after());
    if (spec.schedulingOrDefault().hold() && arrayId == null) {
      state = JobState.HELD;
      why = "submitted held (bin/release " + id + ")" + (why == null ? "" : "; then " + why);
    }
    if (arrayId == null && spec.array() != null) {
      why =
          "array of "
              + spec.array().indexList().size()
              + " tasks"
              + (why == null ? "" : "; its tasks are " + why);
    }
    return new JobRecord(
        id,
        spec,
        state,
        null,
        null,
        0,
        0,
        0,
        false,
        null,
        why,
        nowMillis,
        null,
        null,
        0,
        0,
        false,
        0,
        List.of(new JobEvent(state, nowMillis, null, 0, 0, why)),
        arrayId,
        index);
  }

  private static String waitingFor(Dependencies after) {
    return "waiting for "
        + (after.ok().isEmpty() ? "" : "afterok " + join(after.ok()))
        + (after.ok().isEmpty() || after.any().isEmpty() ? "" : " and ")
        + (after.any().isEmpty() ? "" : "afterany " + join(after.any()));
  }

  private static String join(List<JobId> ids) {
    return String.join(",", ids.stream().map(JobId::value).toList());
  }

  /**
   * The earliest time the job may start: a schedule's fire starts at its due time, never before,
   * although it is made and handed to a worker a little earlier ({@link CronService#EARLY}); a job
   * queued again after a failure, once its backoff is over; any other job at once (0).
   */
  public long notBeforeMillis() {
    long due = CronFire.of(id).map(CronFire::dueMillis).orElse(0L);
    return retryAtMillis == null ? due : Math.max(due, retryAtMillis);
  }

  /** Whether this is an array's own record, which stands for its tasks and never runs. */
  public boolean arrayParent() {
    return spec.array() != null && arrayIndex == null;
  }

  /** The job as clients see it. */
  public JobInfo toInfo() {
    return new JobInfo(
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
        truncated,
        history,
        arrayId,
        arrayIndex,
        null,
        state == JobState.QUEUED ? retryAtMillis : null,
        retriesUsed,
        usage);
  }

  /** A copy moved to {@code to}, with a history entry; callers have checked the change is legal. */
  JobRecord moveTo(
      JobState to, long atMillis, String atNode, int newAttempt, long newEpoch, String why) {
    return moveTo(to, atMillis, atNode, workerId, newAttempt, newEpoch, why);
  }

  JobRecord moveTo(
      JobState to,
      long atMillis,
      String atNode,
      String atWorker,
      int newAttempt,
      long newEpoch,
      String why) {
    return moveTo(to, atMillis, atNode, atWorker, newAttempt, newEpoch, why, null);
  }

  /** As the other, with the exit code of the attempt the change ends (in its history entry). */
  JobRecord moveTo(
      JobState to,
      long atMillis,
      String atNode,
      String atWorker,
      int newAttempt,
      long newEpoch,
      String why,
      Integer attemptExitCode) {
    List<JobEvent> h = new ArrayList<>(history);
    h.add(new JobEvent(to, atMillis, atNode, newAttempt, newEpoch, why, attemptExitCode));
    return toBuilder()
        .state(to)
        .node(atNode)
        .workerId(atWorker)
        .attempt(newAttempt)
        .epoch(newEpoch)
        .message(why)
        .version(version + 1)
        .history(h)
        // A backoff's end is kept while the retry it let through is dispatched and starts (the
        // dispatch latency is counted from it); any other change ends it.
        .retryAtMillis(to == JobState.DISPATCHED || to == JobState.RUNNING ? retryAtMillis : null)
        .build();
  }

  JobRecord withRetriesUsed(int n) {
    return toBuilder().retriesUsed(n).build();
  }

  /** A copy that waits until {@code atMillis} before its next dispatch (a retry's backoff). */
  JobRecord withRetryAt(Long atMillis) {
    return toBuilder().retryAtMillis(atMillis).build();
  }

  JobRecord withCancelRequested() {
    return toBuilder().cancelRequested(true).version(version + 1).build();
  }

  JobRecord withStart(long atMillis) {
    return toBuilder().startedAtMillis(atMillis).endedAtMillis(null).build();
  }

  JobRecord withEnd(Integer code, long atMillis, long out, long err, boolean cut) {
    return toBuilder()
        .exitCode(code)
        .endedAtMillis(atMillis)
        .stdoutBytes(out)
        .stderrBytes(err)
        .truncated(cut)
        .build();
  }

  /** A copy that adds one run's cost to what its earlier runs cost (null: not measured). */
  JobRecord withUsageOf(Usage run) {
    return run == null ? this : toBuilder().usage(Usage.plus(usage, run)).build();
  }

  private Builder toBuilder() {
    return new Builder(this);
  }

  /** The fields of a record, to change a few and build the copy. */
  private static final class Builder {
    private JobId id;
    private JobSpec spec;
    private JobState state;
    private String node;
    private String workerId;
    private int attempt;
    private long epoch;
    private int retriesUsed;
    private boolean cancelRequested;
    private Integer exitCode;
    private String message;
    private long submittedAtMillis;
    private Long startedAtMillis;
    private Long endedAtMillis;
    private long stdoutBytes;
    private long stderrBytes;
    private boolean truncated;
    private long version;
    private List<JobEvent> history;
    private JobId arrayId;
    private Integer arrayIndex;
    private Long retryAtMillis;
    private Usage usage;

    Builder(JobRecord r) {
      id = r.id;
      spec = r.spec;
      state = r.state;
      node = r.node;
      workerId = r.workerId;
      attempt = r.attempt;
      epoch = r.epoch;
      retriesUsed = r.retriesUsed;
      cancelRequested = r.cancelRequested;
      exitCode = r.exitCode;
      message = r.message;
      submittedAtMillis = r.submittedAtMillis;
      startedAtMillis = r.startedAtMillis;
      endedAtMillis = r.endedAtMillis;
      stdoutBytes = r.stdoutBytes;
      stderrBytes = r.stderrBytes;
      truncated = r.truncated;
      version = r.version;
      history = r.history;
      arrayId = r.arrayId;
      arrayIndex = r.arrayIndex;
      retryAtMillis = r.retryAtMillis;
      usage = r.usage;
    }

    Builder state(JobState value) {
      state = value;
      return this;
    }

    Builder node(String value) {
      node = value;
      return this;
    }

    Builder workerId(String value) {
      workerId = value;
      return this;
    }

    Builder attempt(int value) {
      attempt = value;
      return this;
    }

    Builder epoch(long value) {
      epoch = value;
      return this;
    }

    Builder retriesUsed(int value) {
      retriesUsed = value;
      return this;
    }

    Builder cancelRequested(boolean value) {
      cancelRequested = value;
      return this;
    }

    Builder exitCode(Integer value) {
      exitCode = value;
      return this;
    }

    Builder message(String value) {
      message = value;
      return this;
    }

    Builder startedAtMillis(Long value) {
      startedAtMillis = value;
      return this;
    }

    Builder endedAtMillis(Long value) {
      endedAtMillis = value;
      return this;
    }

    Builder stdoutBytes(long value) {
      stdoutBytes = value;
      return this;
    }

    Builder stderrBytes(long value) {
      stderrBytes = value;
      return this;
    }

    Builder truncated(boolean value) {
      truncated = value;
      return this;
    }

    Builder version(long value) {
      version = value;
      return this;
    }

    Builder history(List<JobEvent> value) {
      history = value;
      return this;
    }

    Builder retryAtMillis(Long value) {
      retryAtMillis = value;
      return this;
    }

    Builder usage(Usage value) {
      usage = value;
      return this;
    }

    JobRecord build() {
      return new JobRecord(
          id,
          spec,
          state,
          node,
          workerId,
          attempt,
          epoch,
          retriesUsed,
          cancelRequested,
          exitCode,
          message,
          submittedAtMillis,
          startedAtMillis,
          endedAtMillis,
          stdoutBytes,
          stderrBytes,
          truncated,
          version,
          history,
          arrayId,
          arrayIndex,
          retryAtMillis,
          usage);
    }
  }
}
