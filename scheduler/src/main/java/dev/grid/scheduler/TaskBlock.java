package dev.grid.scheduler;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Usage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The record of up to {@value #SIZE} tasks of one array (indices {@code block * SIZE} to {@code
 * (block + 1) * SIZE - 1}), in the replicated and persisted {@code task-blocks} map: an array's
 * tasks have no record each, they are slots of their blocks. A block is written a slice at a time
 * (a dispatch of many slots to one worker, the start or end of many of them) by one entry
 * processor, where a record per task cost three writes, four events and a stored blob per task.
 *
 * <p>Every change goes through {@link BlockUpdate}, which applies a task's transitions and fences
 * as {@link JobUpdate} does for a job. The array's own record (in the {@code jobs} map) keeps the
 * spec once; {@link #task} builds a task's {@link JobRecord} from the block for readers.
 *
 * <p>Columns, one entry per slot (slot = index % {@value #SIZE}); a record, treated as immutable:
 * {@link BlockUpdate} copies the columns it changes.
 *
 * @param arrayId the array
 * @param block which block: the tasks' index divided by {@value #SIZE}
 * @param submittedAtMillis when the array was accepted
 * @param epoch the highest primary epoch that has written this block (the fence)
 * @param version +1 on every change; lets a reader keep the newest of two copies
 * @param states 0 where the array has no task at that index, else the task's state's ordinal + 1
 * @param attempts the dispatch attempt: 0 while never dispatched, +1 on each dispatch
 * @param retriesUsed retries consumed after a worker died under the task
 * @param workers the worker of the latest dispatch: an index into {@code nodes} and {@code
 *     workerIds}, or -1
 * @param nodes the names of the nodes this block's tasks were dispatched to
 * @param workerIds their Hazelcast member ids, in the same order
 * @param startedAtMillis when the latest attempt started running, or 0
 * @param endedAtMillis when the task ended, or 0
 * @param exitCodes the exit code once ended, or {@link #NO_EXIT}
 * @param stdoutBytes bytes of stdout kept
 * @param stderrBytes bytes of stderr kept
 * @param flags {@link #CANCEL_REQUESTED} and {@link #TRUNCATED}
 * @param messages why a task is where it is, by slot, where there is a reason
 * @param retryAt for a task queued again after a failed or timed-out attempt, by slot, the earliest
 *     time it may be dispatched (its backoff)
 * @param usage what each task's runs cost so far (CPU time summed over attempts, the highest peak),
 *     by slot, where its workers measure it
 */
public record TaskBlock(
    JobId arrayId,
    int block,
    long submittedAtMillis,
    long epoch,
    long version,
    byte[] states,
    int[] attempts,
    int[] retriesUsed,
    short[] workers,
    List<String> nodes,
    List<String> workerIds,
    long[] startedAtMillis,
    long[] endedAtMillis,
    int[] exitCodes,
    long[] stdoutBytes,
    long[] stderrBytes,
    byte[] flags,
    Map<Integer, String> messages,
    Map<Integer, Long> retryAt,
    Map<Integer, Usage> usage) {
  /** Tasks per block. */
  public static final int SIZE = 256;

  /** No exit code (yet). */
  public static final int NO_EXIT = Integer.MIN_VALUE;

  /** A user asked to cancel the task while it ran; its worker ends it CANCELLED. */
  static final byte CANCEL_REQUESTED = 1;

  /** Its output passed the cap. */
  static final byte TRUNCATED = 2;

  /** Plain lists and sorted maps: Kryo cannot read unmodifiable wrappers back. */
  public TaskBlock {
    nodes = new ArrayList<>(nodes);
    workerIds = new ArrayList<>(workerIds);
    messages = new TreeMap<>(messages);
    retryAt = retryAt == null ? new TreeMap<>() : new TreeMap<>(retryAt);
    usage = usage == null ? new TreeMap<>() : new TreeMap<>(usage);
  }

  /** A block of tasks none of which backs off or has a measured cost. */
  public TaskBlock(
      JobId arrayId,
      int block,
      long submittedAtMillis,
      long epoch,
      long version,
      byte[] states,
      int[] attempts,
      int[] retriesUsed,
      short[] workers,
      List<String> nodes,
      List<String> workerIds,
      long[] startedAtMillis,
      long[] endedAtMillis,
      int[] exitCodes,
      long[] stdoutBytes,
      long[] stderrBytes,
      byte[] flags,
      Map<Integer, String> messages) {
    this(
        arrayId,
        block,
        submittedAtMillis,
        epoch,
        version,
        states,
        attempts,
        retriesUsed,
        workers,
        nodes,
        workerIds,
        startedAtMillis,
        endedAtMillis,
        exitCodes,
        stdoutBytes,
        stderrBytes,
        flags,
        messages,
        null,
        null);
  }

  /** When the slot's task may be dispatched again after a failed attempt, or 0: at once. */
  public long retryAt(int slot) {
    Long at = retryAt.get(slot);
    return at == null ? 0 : at;
  }

  /** The block of a task index. */
  public static int blockOf(int index) {
    return index / SIZE;
  }

  /** The slot of a task index in its block. */
  public static int slotOf(int index) {
    return index % SIZE;
  }

  /** The key of an array's block in the {@code task-blocks} map. */
  public static String key(JobId arrayId, int block) {
    return arrayId.value() + ":" + block;
  }

  /** This block's key. */
  public String key() {
    return key(arrayId, block);
  }

  /**
   * The new blocks of an array: one per {@value #SIZE} indices that hold a task, every task {@code
   * WAITING} if the array has dependencies, else {@code QUEUED}.
   */
  public static List<TaskBlock> created(JobId arrayId, JobSpec spec, long nowMillis) {
    JobState first = spec.after() == null ? JobState.QUEUED : JobState.WAITING;
    List<TaskBlock> out = new ArrayList<>();
    byte[] states = null;
    int current = -1;
    for (int index : spec.array().indexList()) {
      int b = blockOf(index);
      if (b != current) {
        if (states != null) {
          out.add(empty(arrayId, current, nowMillis, states));
        }
        states = new byte[SIZE];
        current = b;
      }
      states[slotOf(index)] = code(first);
    }
    if (states != null) {
      out.add(empty(arrayId, current, nowMillis, states));
    }
    return out;
  }

  private static TaskBlock empty(JobId arrayId, int block, long now, byte[] states) {
    short[] workers = new short[SIZE];
    Arrays.fill(workers, (short) -1);
    int[] exits = new int[SIZE];
    Arrays.fill(exits, NO_EXIT);
    return new TaskBlock(
        arrayId,
        block,
        now,
        0,
        0,
        states,
        new int[SIZE],
        new int[SIZE],
        workers,
        List.of(),
        List.of(),
        new long[SIZE],
        new long[SIZE],
        exits,
        new long[SIZE],
        new long[SIZE],
        new byte[SIZE],
        Map.of());
  }

  /** The byte a state is kept as. */
  static byte code(JobState s) {
    return (byte) (s.ordinal() + 1);
  }

  private static final JobState[] STATES = JobState.values();

  /** Whether the array has a task at this slot. */
  public boolean has(int slot) {
    return states[slot] != 0;
  }

  /** The state of the task at this slot (which must hold one). */
  public JobState state(int slot) {
    return STATES[states[slot] - 1];
  }

  /** The task index of a slot. */
  public int indexOf(int slot) {
    return block * SIZE + slot;
  }

  /** The node of the slot's latest dispatch, or null. */
  public String node(int slot) {
    return workers[slot] < 0 ? null : nodes.get(workers[slot]);
  }

  /** The worker process (member id) of the slot's latest dispatch, or null. */
  public String workerId(int slot) {
    return workers[slot] < 0 ? null : workerIds.get(workers[slot]);
  }

  boolean cancelRequested(int slot) {
    return (flags[slot] & CANCEL_REQUESTED) != 0;
  }

  /** Counts per state of the tasks in this block. */
  public Map<JobState, Integer> counts() {
    Map<JobState, Integer> out = new EnumMap<>(JobState.class);
    addCounts(out);
    return out;
  }

  /** Adds this block's counts per state to {@code into}. */
  public void addCounts(Map<JobState, Integer> into) {
    int[] n = countArray();
    for (int s = 0; s < n.length; s++) {
      if (n[s] > 0) {
        into.merge(STATES[s], n[s], Integer::sum);
      }
    }
  }

  /** Counts per state, indexed by the state's ordinal. */
  int[] countArray() {
    int[] n = new int[STATES.length];
    for (byte b : states) {
      if (b != 0) {
        n[b - 1]++;
      }
    }
    return n;
  }

  /** Whether every task of this block has ended. */
  public boolean allEnded() {
    for (byte b : states) {
      if (b != 0 && !STATES[b - 1].isTerminal()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The task at this slot as a job record, for readers ({@code bin/status}, logs, results,
   * listings): the array's spec, the task's own columns. Its history is rebuilt from them: the
   * acceptance, the latest attempt's dispatch and start, and its end; earlier attempts are not
   * kept, their count is in the attempt and the last reason in the message.
   */
  public JobRecord task(JobSpec spec, int slot) {
    JobState state = state(slot);
    int attempt = attempts[slot];
    String node = node(slot);
    Long started = startedAtMillis[slot] == 0 ? null : startedAtMillis[slot];
    Long ended = endedAtMillis[slot] == 0 ? null : endedAtMillis[slot];
    String message = messages.get(slot);
    List<JobEvent> history = new ArrayList<>();
    history.add(
        new JobEvent(
            spec.after() == null ? JobState.QUEUED : JobState.WAITING,
            submittedAtMillis,
            null,
            0,
            0,
            null));
    if (attempt > 0 && state != JobState.QUEUED && state != JobState.WAITING) {
      long at = started != null ? started : ended != null ? ended : submittedAtMillis;
      history.add(new JobEvent(JobState.DISPATCHED, at, node, attempt, epoch, null));
      if (started != null) {
        history.add(new JobEvent(JobState.RUNNING, started, node, attempt, epoch, null));
      }
    }
    if (state != JobState.WAITING
        && state != JobState.DISPATCHED
        && state != JobState.RUNNING
        && history.get(history.size() - 1).state() != state) {
      long at = ended != null ? ended : submittedAtMillis;
      history.add(new JobEvent(state, at, node, attempt, epoch, message));
    }
    int index = indexOf(slot);
    Long backoff = state == JobState.QUEUED ? retryAt.get(slot) : null;
    return new JobRecord(
        JobTable.taskId(arrayId, index),
        spec,
        state,
        node,
        workerId(slot),
        attempt,
        epoch,
        retriesUsed[slot],
        cancelRequested(slot),
        exitCodes[slot] == NO_EXIT ? null : exitCodes[slot],
        message,
        submittedAtMillis,
        started,
        ended,
        stdoutBytes[slot],
        stderrBytes[slot],
        (flags[slot] & TRUNCATED) != 0,
        version,
        history,
        arrayId,
        index,
        backoff,
        usage.get(slot));
  }

  /** Every task of this block as a record (see {@link #task}), by index. */
  public List<JobRecord> tasks(JobSpec spec) {
    List<JobRecord> out = new ArrayList<>();
    for (int slot = 0; slot < SIZE; slot++) {
      if (has(slot)) {
        out.add(task(spec, slot));
      }
    }
    return out;
  }
}
