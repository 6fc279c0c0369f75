package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.DISPATCHED;
import static dev.grid.api.JobState.LOST;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.WAITING;

import com.hazelcast.map.EntryProcessor;
import dev.grid.api.JobState;
import dev.grid.api.RetryOn;
import dev.grid.api.Usage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one place a {@link TaskBlock} changes: a pure function from (block, command) to the new block
 * and the slots that moved. The rules are {@link JobUpdate}'s, slot by slot:
 *
 * <ul>
 *   <li>A block remembers the highest primary epoch that wrote it; a primary command ({@code
 *       Dispatch}, {@code Reclaim}, {@code Resolve}) with a lower epoch is refused whole.
 *   <li>Every dispatch of a slot raises its attempt. Worker commands ({@code Start}, {@code
 *       Finish}, {@code Release}) name the node and attempt per slot; a slot that has moved on is
 *       left as it is, the others of the batch still apply.
 *   <li>A worker runs a task only after its {@code Start} applied to that slot, so at most one
 *       process runs per attempt.
 * </ul>
 *
 * Slots a command does not apply to are skipped, not errors: a batch names what its writer
 * believed, and the block says what holds.
 */
public final class BlockUpdate {
  private static final JobState[] STATES = JobState.values();

  private BlockUpdate() {}

  /**
   * What a command did.
   *
   * @param block the block after it (as it stands if nothing changed; null if there is none)
   * @param changed the slots it moved, ascending
   * @param refusal why nothing was applied, or null
   */
  public record Result(TaskBlock block, int[] changed, String refusal) {
    /** Whether any slot changed. */
    public boolean applied() {
      return changed.length > 0;
    }

    /** Whether the slot is among those changed. */
    public boolean changed(int slot) {
      return Arrays.binarySearch(changed, slot) >= 0;
    }
  }

  /** Applies the command to the block ({@code null} if there is none). */
  public static Result apply(TaskBlock b, BlockCommand command) {
    if (b == null) {
      return new Result(null, new int[0], "no such task block");
    }
    Draft d = new Draft(b);
    String refusal;
    if (command instanceof BlockCommand.Dispatch c) {
      refusal = dispatch(d, c);
    } else if (command instanceof BlockCommand.Start c) {
      refusal = start(d, c);
    } else if (command instanceof BlockCommand.Finish c) {
      refusal = finish(d, c);
    } else if (command instanceof BlockCommand.Reclaim c) {
      refusal = reclaim(d, c);
    } else if (command instanceof BlockCommand.Release c) {
      refusal = release(d, c);
    } else if (command instanceof BlockCommand.Resolve c) {
      refusal = resolve(d, c);
    } else if (command instanceof BlockCommand.Cancel c) {
      refusal = cancel(d, c);
    } else {
      throw new IllegalArgumentException("unknown block command " + command);
    }
    if (refusal == null && d.changed.isEmpty()) {
      refusal = "no slot of the command could move";
    }
    return d.result(refusal);
  }

  private static String dispatch(Draft d, BlockCommand.Dispatch c) {
    if (c.epoch() < d.b.epoch()) {
      return "stale epoch " + c.epoch() + " < " + d.b.epoch();
    }
    d.epoch = c.epoch();
    short worker = d.worker(c.node(), c.workerId());
    for (int slot : c.slots()) {
      // A task backing off after a failed attempt is not dispatched before its time.
      if (d.has(slot) && d.state(slot) == QUEUED && d.retryAt(slot) <= c.atMillis()) {
        d.move(slot, DISPATCHED, null);
        d.attempts[slot]++;
        d.workers[slot] = worker;
        d.startedAt[slot] = 0;
      }
    }
    return null;
  }

  private static String start(Draft d, BlockCommand.Start c) {
    for (int i = 0; i < c.slots().length; i++) {
      int slot = c.slots()[i];
      if (d.sameAttempt(slot, c.node(), c.attempts()[i]) && d.state(slot) == DISPATCHED) {
        d.move(slot, RUNNING, null);
        d.startedAt[slot] = c.atMillis();
      }
    }
    return null;
  }

  private static String finish(Draft d, BlockCommand.Finish c) {
    for (BlockCommand.Ended e : c.ended()) {
      if (!e.outcome().isTerminal() || e.outcome() == LOST) {
        throw new IllegalArgumentException("a worker cannot end a task " + e.outcome());
      }
      int slot = e.slot();
      if (!d.sameAttempt(slot, c.node(), e.attempt())) {
        continue;
      }
      JobState now = d.state(slot);
      if (now != RUNNING && now != DISPATCHED) {
        continue;
      }
      d.addUsage(slot, e.usage());
      if (e.startedAtMillis() > 0) {
        d.startedAt[slot] = e.startedAtMillis();
      }
      d.stdout[slot] = e.stdoutBytes();
      d.stderr[slot] = e.stderrBytes();
      if (e.truncated()) {
        d.flags[slot] |= TaskBlock.TRUNCATED;
      }
      if (retries(d, slot, e, c.retry())) {
        retryLater(d, slot, e, c.retry());
        continue;
      }
      d.move(slot, e.outcome(), e.message());
      d.end(slot, e.endedAtMillis());
      d.exitCodes[slot] = e.exitCode() == null ? TaskBlock.NO_EXIT : e.exitCode();
    }
    return null;
  }

  /**
   * Whether a task's attempt that ended so runs again: it failed or timed out, its array retries on
   * that and has retries left for the task, and it was not cancelled. (Cron fires are never
   * arrays.)
   */
  private static boolean retries(
      Draft d, int slot, BlockCommand.Ended e, BlockCommand.RetryRule rule) {
    RetryOn cause =
        switch (e.outcome()) {
          case FAILED -> RetryOn.FAILED;
          case TIMED_OUT -> RetryOn.TIMEOUT;
          default -> null;
        };
    return cause != null
        && rule != null
        && rule.retries(cause, d.retriesUsed[slot])
        && !d.cancelRequested(slot);
  }

  /**
   * Queues the task again, to be dispatched once its backoff is over (as {@link JobUpdate} does for
   * a job); the attempt's output stays under its attempt number, its exit code in the message.
   */
  private static void retryLater(
      Draft d, int slot, BlockCommand.Ended e, BlockCommand.RetryRule rule) {
    int retry = ++d.retriesUsed[slot];
    String taskId = JobTable.taskId(d.b.arrayId(), d.b.indexOf(slot)).value();
    long delay = rule.backoff().delayMillis(retry, taskId);
    String ended =
        e.message() != null
            ? e.message()
            : e.outcome() == JobState.TIMED_OUT ? "timed out" : "exit code " + e.exitCode();
    d.move(
        slot,
        QUEUED,
        ended
            + "; retry "
            + retry
            + " of "
            + rule.maxRetries()
            + (delay == 0 ? " at once" : String.format(Locale.ROOT, " in %.1f s", delay / 1000.0)));
    if (delay > 0) {
      d.retryAt.put(slot, e.endedAtMillis() + delay);
    }
  }

  private static String reclaim(Draft d, BlockCommand.Reclaim c) {
    if (c.epoch() < d.b.epoch()) {
      return "stale epoch " + c.epoch() + " < " + d.b.epoch();
    }
    d.epoch = c.epoch();
    int[] slots = c.slots() != null ? c.slots() : allSlots();
    for (int i = 0; i < slots.length; i++) {
      int slot = slots[i];
      if (!d.has(slot)
          || !d.state(slot).isActive()
          || !Objects.equals(d.b.workerId(slot), c.workerId())
          || (c.attempts() != null && d.attempts[slot] != c.attempts()[i])) {
        continue;
      }
      boolean ran = d.state(slot) == RUNNING;
      if (c.onlyIfUnstarted() && ran) {
        continue;
      }
      if (d.cancelRequested(slot)) {
        d.move(slot, CANCELLED, "cancelled; " + c.reason());
        d.end(slot, c.atMillis());
      } else if (ran && d.retriesUsed[slot] >= c.maxRetries()) {
        d.move(slot, LOST, c.reason() + "; no retries left (maxRetries " + c.maxRetries() + ")");
        d.end(slot, c.atMillis());
      } else if (ran) {
        d.retriesUsed[slot]++;
        d.move(
            slot, QUEUED, c.reason() + "; retry " + d.retriesUsed[slot] + " of " + c.maxRetries());
      } else {
        d.move(slot, QUEUED, c.reason() + "; dispatching again");
      }
    }
    return null;
  }

  private static String release(Draft d, BlockCommand.Release c) {
    for (int i = 0; i < c.slots().length; i++) {
      int slot = c.slots()[i];
      if (!d.sameAttempt(slot, c.node(), c.attempts()[i]) || !d.state(slot).isActive()) {
        continue;
      }
      if (d.cancelRequested(slot)) {
        d.move(slot, CANCELLED, "cancelled; " + c.reason());
        d.end(slot, c.atMillis());
      } else {
        d.move(slot, QUEUED, c.reason() + "; dispatching again");
      }
    }
    return null;
  }

  private static String resolve(Draft d, BlockCommand.Resolve c) {
    if (c.epoch() < d.b.epoch()) {
      return "stale epoch " + c.epoch() + " < " + d.b.epoch();
    }
    if (c.to() != QUEUED && c.to() != CANCELLED) {
      throw new IllegalArgumentException("dependencies cannot end a task " + c.to());
    }
    d.epoch = c.epoch();
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      if (d.has(slot) && d.state(slot) == WAITING) {
        d.move(slot, c.to(), c.reason());
        if (c.to() == CANCELLED) {
          d.end(slot, c.atMillis());
        }
      }
    }
    return null;
  }

  private static String cancel(Draft d, BlockCommand.Cancel c) {
    int[] slots = c.slots() != null ? c.slots() : allSlots();
    for (int slot : slots) {
      if (!d.has(slot) || d.state(slot).isTerminal()) {
        continue;
      }
      if (d.state(slot) == RUNNING) {
        if (!d.cancelRequested(slot)) {
          d.flags[slot] |= TaskBlock.CANCEL_REQUESTED;
          d.changed.add(slot);
        }
      } else {
        d.move(slot, CANCELLED, "cancelled by user");
        d.end(slot, c.atMillis());
      }
    }
    return null;
  }

  private static int[] allSlots() {
    int[] all = new int[TaskBlock.SIZE];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  /** A copy of a block's columns being changed; made into a new block with the version + 1. */
  private static final class Draft {
    final TaskBlock b;
    final byte[] states;
    final int[] attempts;
    final int[] retriesUsed;
    final short[] workers;
    final List<String> nodes;
    final List<String> workerIds;
    final long[] startedAt;
    final long[] endedAt;
    final int[] exitCodes;
    final long[] stdout;
    final long[] stderr;
    final byte[] flags;
    final Map<Integer, String> messages;
    final Map<Integer, Long> retryAt;
    final Map<Integer, Usage> usage;
    final TreeSet<Integer> changed = new TreeSet<>();
    long epoch;

    Draft(TaskBlock b) {
      this.b = b;
      states = b.states().clone();
      attempts = b.attempts().clone();
      retriesUsed = b.retriesUsed().clone();
      workers = b.workers().clone();
      nodes = new ArrayList<>(b.nodes());
      workerIds = new ArrayList<>(b.workerIds());
      startedAt = b.startedAtMillis().clone();
      endedAt = b.endedAtMillis().clone();
      exitCodes = b.exitCodes().clone();
      stdout = b.stdoutBytes().clone();
      stderr = b.stderrBytes().clone();
      flags = b.flags().clone();
      messages = new TreeMap<>(b.messages());
      retryAt = new TreeMap<>(b.retryAt());
      usage = new TreeMap<>(b.usage());
      epoch = b.epoch();
    }

    long retryAt(int slot) {
      Long at = retryAt.get(slot);
      return at == null ? 0 : at;
    }

    /** Adds one attempt's cost to what the task's earlier attempts cost (null: not measured). */
    void addUsage(int slot, Usage run) {
      if (run != null) {
        usage.put(slot, Usage.plus(usage.get(slot), run));
      }
    }

    boolean has(int slot) {
      return slot >= 0 && slot < TaskBlock.SIZE && states[slot] != 0;
    }

    JobState state(int slot) {
      return STATES[states[slot] - 1];
    }

    boolean cancelRequested(int slot) {
      return (flags[slot] & TaskBlock.CANCEL_REQUESTED) != 0;
    }

    boolean sameAttempt(int slot, String node, int attempt) {
      return has(slot)
          && attempts[slot] == attempt
          && workers[slot] >= 0
          && nodes.get(workers[slot]).equals(node);
    }

    /** The index of this worker in the block's table, added if new. */
    short worker(String node, String workerId) {
      for (int i = 0; i < nodes.size(); i++) {
        if (nodes.get(i).equals(node) && Objects.equals(workerIds.get(i), workerId)) {
          return (short) i;
        }
      }
      nodes.add(node);
      workerIds.add(workerId);
      return (short) (nodes.size() - 1);
    }

    /** Moves a slot, checked against the one transition table. */
    void move(int slot, JobState to, String why) {
      JobState from = state(slot);
      if (!from.canMoveTo(to)) {
        throw new IllegalStateException(
            "task "
                + b.indexOf(slot)
                + " of array "
                + b.arrayId()
                + " cannot move from "
                + from
                + " to "
                + to);
      }
      states[slot] = TaskBlock.code(to);
      retryAt.remove(slot); // a backoff ends with any move (a retry sets a new one after it)
      if (why == null) {
        messages.remove(slot);
      } else {
        messages.put(slot, why);
      }
      changed.add(slot);
    }

    void end(int slot, long atMillis) {
      endedAt[slot] = atMillis;
    }

    Result result(String refusal) {
      int[] moved = changed.stream().mapToInt(Integer::intValue).toArray();
      if (moved.length == 0) {
        return new Result(b, moved, refusal);
      }
      return new Result(
          new TaskBlock(
              b.arrayId(),
              b.block(),
              b.submittedAtMillis(),
              epoch,
              b.version() + 1,
              states,
              attempts,
              retriesUsed,
              workers,
              nodes,
              workerIds,
              startedAt,
              endedAt,
              exitCodes,
              stdout,
              stderr,
              flags,
              messages,
              retryAt,
              usage),
          moved,
          null);
    }
  }

  /**
   * Runs a {@link BlockCommand} on the member that owns the block, atomically with respect to other
   * commands on it, and on its backup with the same outcome.
   *
   * @param command the change to apply
   */
  public record Processor(BlockCommand command)
      implements EntryProcessor<String, TaskBlock, Result> {
    @Override
    public Result process(Map.Entry<String, TaskBlock> entry) {
      Result result = apply(entry.getValue(), command);
      if (result.applied()) {
        entry.setValue(result.block());
      }
      return result;
    }
  }
}
