package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobTable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the ends of tasks of slices a batch at a time, on a thread of its own: takes the ends as
 * they come, waits up to {@value #FLUSH_MILLIS} ms for more, and writes them, one write per block.
 *
 * <p>An end is never dropped while the node is up: a batch whose write fails {@value
 * RetryingWrite#TRIES} times is queued again. Only a stopping or crashed node gives it up (the
 * primary then reclaims the tasks as interrupted).
 */
final class BlockEndWriter {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  /** How long a task's end waits to be written with others of its block, at most. */
  static final long FLUSH_MILLIS = 20;

  /** A task's end, to be written to its block. */
  record TaskEnd(
      String blockKey, JobId id, BlockCommand.Ended ended, BlockCommand.RetryRule retry) {
    /** An end that is never retried (a task cancelled before it ran). */
    TaskEnd(String blockKey, JobId id, BlockCommand.Ended ended) {
      this(blockKey, id, ended, null);
    }
  }

  /** Ended tasks of slices waiting to be written, a batch per block. */
  private final BlockingQueue<TaskEnd> taskEnds = new LinkedBlockingQueue<>();

  private final String node;
  private final WorkerMetrics metrics;
  private final JobTable table;
  private final Clock clock;
  private final DispatchGate gate;
  private final RetryingWrite retrying;
  private final Thread thread;

  /** Set when the node stops: the writer writes what is left and ends. */
  private volatile boolean stopping;

  BlockEndWriter(
      String node,
      JobTable table,
      Clock clock,
      DispatchGate gate,
      RetryingWrite retrying,
      WorkerMetrics metrics) {
    this.metrics = metrics;
    this.node = node;
    this.table = table;
    this.clock = clock;
    this.gate = gate;
    this.retrying = retrying;
    this.thread = new Thread(this::writeTaskEnds, "grid-task-ends-" + node);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a task's end to be written with others of its block. */
  void add(TaskEnd end) {
    taskEnds.add(end);
  }

  /** Writes the ends still waiting, then ends; waits for that at most {@code timeout}. */
  void stop(Duration timeout) {
    stopping = true;
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeTaskEnds() {
    while (!gate.crashed() && !(stopping && taskEnds.isEmpty())) {
      try {
        TaskEnd first = taskEnds.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        List<TaskEnd> batch = new ArrayList<>();
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS);
        for (long left = FLUSH_MILLIS;
            left > 0 && !stopping;
            left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
          TaskEnd more = taskEnds.poll(left, TimeUnit.MILLISECONDS);
          if (more == null) {
            break;
          }
          batch.add(more);
        }
        taskEnds.drainTo(batch);
        if (!gate.crashed()) {
          writeEnds(batch);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("writing the ends of tasks failed", e);
      }
    }
  }

  /** The retry rule of a block's ends: all are tasks of one array, so any that has one. */
  private static BlockCommand.RetryRule retryOf(List<TaskEnd> ends) {
    return ends.stream().map(TaskEnd::retry).filter(r -> r != null).findFirst().orElse(null);
  }

  /** Writes ends, one write per block, a few times if the grid is briefly unavailable. */
  private void writeEnds(List<TaskEnd> ends) {
    Map<String, List<TaskEnd>> byBlock = new HashMap<>();
    for (TaskEnd e : ends) {
      byBlock.computeIfAbsent(e.blockKey(), k -> new ArrayList<>()).add(e);
    }
    byBlock.forEach(
        (key, list) -> {
          List<BlockCommand.Ended> ended = list.stream().map(TaskEnd::ended).toList();
          BlockUpdate.Result r =
              retrying.eagerly(
                  () ->
                      table.updateBlock(
                          key,
                          new BlockCommand.Finish(
                              node, new ArrayList<>(ended), clock.millis(), retryOf(list))),
                  (n, e) ->
                      LOG.warn(
                          "recording the ends of tasks of block {} failed, trying again", key, e),
                  last -> {
                    giveUp(key, list, last);
                    return null;
                  });
          if (r == null) {
            return;
          }
          for (TaskEnd e : list) {
            JobState now = r.block() == null ? null : r.block().state(e.ended().slot());
            if (r.changed(e.ended().slot()) && now != null && now.isTerminal()) {
              metrics.ended(now);
            }
            if (!r.changed(e.ended().slot())) {
              LOG.warn(
                  "task {} attempt {} ended {} but the grid had moved on",
                  e.id(),
                  e.ended().attempt(),
                  e.ended().outcome());
            }
          }
        });
  }

  /** Every try failed: queues the ends again, or, if the node is going, says they are lost. */
  private void giveUp(String key, List<TaskEnd> list, RuntimeException e) {
    if (stopping || gate.crashed()) {
      LOG.error(
          "{} tasks of block {} ended but their ends could not be recorded", list.size(), key, e);
    } else {
      LOG.warn(
          "{} tasks of block {} ended; recording their ends failed, trying again",
          list.size(),
          key,
          e);
      taskEnds.addAll(list);
    }
  }
}
