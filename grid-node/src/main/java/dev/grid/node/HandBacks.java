package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskBlock;
import dev.grid.scheduler.UpdateResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives jobs and tasks back to the primary, to be dispatched again without using a retry: those a
 * stopping or fenced node stopped, and tasks started here that will not run here.
 *
 * <p>A hand-back is never lost: one that cannot be written (the node is cut off) is kept and
 * written again when the node is back in the grid ({@link #writePending}); if the node leaves for
 * good, the primary reclaims its jobs.
 */
final class HandBacks {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  /** A hand-back to write: the job (or task) and attempt, why, and when it was decided. */
  private record HandBack(JobRecord job, String why, long atMillis) {}

  /** Hand-backs that could not be written yet, retried while the node is in the grid. */
  private final Map<JobId, HandBack> pending = new ConcurrentHashMap<>();

  private final String node;
  private final JobTable table;
  private final Clock clock;
  private final DispatchGate gate;

  HandBacks(String node, JobTable table, Clock clock, DispatchGate gate) {
    this.node = node;
    this.table = table;
    this.clock = clock;
    this.gate = gate;
  }

  /** Queues the job again without using a retry; kept and retried if the grid is away. */
  void handBack(JobRecord job, String why) {
    HandBack h = new HandBack(job, why, clock.millis());
    try {
      write(h);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not hand job {} back yet; trying again while this node is in the grid"
              + " (or the primary reclaims it if this node leaves)",
          job.id(),
          e);
      pending.put(job.id(), h);
    }
  }

  /** Hands back tasks of slices that never ran, one write per block, and forgets them. */
  void handBackAll(List<SliceTask> tasks, String why) {
    if (tasks.isEmpty() || gate.crashed()) {
      return;
    }
    Map<String, List<SliceTask>> byBlock = new HashMap<>();
    for (SliceTask t : tasks) {
      byBlock.computeIfAbsent(t.blockKey(), k -> new ArrayList<>()).add(t);
    }
    long now = clock.millis();
    byBlock.forEach(
        (key, list) -> {
          int[] slots = list.stream().mapToInt(SliceTask::slot).toArray();
          int[] attempts = list.stream().mapToInt(SliceTask::attempt).toArray();
          try {
            table.updateBlock(key, new BlockCommand.Release(node, slots, attempts, why, now));
          } catch (RuntimeException e) {
            LOG.warn(
                "could not hand {} tasks of block {} back yet; trying again while this node is"
                    + " in the grid",
                list.size(),
                key,
                e);
            list.forEach(t -> pending.put(t.job(now).id(), new HandBack(t.job(now), why, now)));
          }
          list.forEach(t -> gate.forget(t.slice(), t.i()));
        });
  }

  /** The node is in the grid: writes the hand-backs that failed before. */
  void writePending() {
    pending.forEach(
        (id, handBack) -> {
          try {
            String refusal = write(handBack);
            pending.remove(id, handBack);
            LOG.info("job {} handed back{}", id, refusal == null ? "" : ": " + refusal);
          } catch (RuntimeException e) {
            LOG.debug("handing job {} back failed again", id, e);
          }
        });
  }

  /** Writes a hand-back; returns why it did not apply, or null if it did. */
  private String write(HandBack h) {
    JobRecord job = h.job();
    if (job.arrayIndex() == null) {
      UpdateResult u =
          table.update(
              job.id(), new JobCommand.Release(node, job.attempt(), h.why(), h.atMillis()));
      return u.applied() ? null : u.refusal();
    }
    BlockUpdate.Result r =
        table.updateBlock(
            TaskBlock.key(job.arrayId(), TaskBlock.blockOf(job.arrayIndex())),
            new BlockCommand.Release(
                node,
                new int[] {TaskBlock.slotOf(job.arrayIndex())},
                new int[] {job.attempt()},
                h.why(),
                h.atMillis()));
    return r.applied() ? null : "it had moved on";
  }
}
