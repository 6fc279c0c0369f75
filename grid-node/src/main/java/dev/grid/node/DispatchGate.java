package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskSlice;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this worker takes a dispatch, and the worker's life (up, closed, crashed).
 *
 * <p>Fencing, in this order: a dispatch from a primary whose epoch is lower than the highest this
 * worker has seen is refused (the epoch is remembered even when the worker then takes nothing); a
 * closed worker takes nothing; a node out of the grid (frozen, cut off) takes nothing, and the
 * dispatch stays DISPATCHED for the primary to hand out again; and an attempt is taken once per
 * worker process ({@code startedHere}), since a new primary resends unstarted dispatches. Together
 * with the attempt check of the start write, a job never starts twice for one attempt, and a stale
 * primary cannot make a worker run anything.
 */
final class DispatchGate {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  private final AtomicLong highestEpoch = new AtomicLong();

  /** Attempts this worker process has taken, so a second hand-over of one is ignored. */
  private final Set<String> startedHere = ConcurrentHashMap.newKeySet();

  private volatile Worker.Fence fence = Worker.Fence.NONE;
  private volatile boolean closed;
  private volatile boolean crashed;

  /** Whether a dispatched job may start here; if so, its attempt is taken. */
  boolean admits(JobRecord dispatched, long epoch) {
    long highest = highestEpoch.accumulateAndGet(epoch, Math::max);
    if (epoch < highest) {
      LOG.warn(
          "refused job {} from a stale primary: epoch {} < {}", dispatched.id(), epoch, highest);
      return false;
    }
    if (closed) {
      return false;
    }
    String away = fence.outOfGrid();
    if (away != null) {
      // Left DISPATCHED: the primary hands it out again after its dispatch timeout.
      LOG.warn("not starting job {} attempt {}: {}", dispatched.id(), dispatched.attempt(), away);
      return false;
    }
    return take(dispatched.id(), dispatched.attempt());
  }

  /** Whether a slice's tasks may start here; each task's attempt is then {@link #take}n apart. */
  boolean admits(TaskSlice slice) {
    long highest = highestEpoch.accumulateAndGet(slice.epoch(), Math::max);
    if (slice.epoch() < highest) {
      LOG.warn(
          "refused {} tasks of array {} from a stale primary: epoch {} < {}",
          slice.size(),
          slice.arrayId(),
          slice.epoch(),
          highest);
      return false;
    }
    if (closed) {
      return false;
    }
    String away = fence.outOfGrid();
    if (away != null) {
      LOG.warn("not starting {} tasks of array {}: {}", slice.size(), slice.arrayId(), away);
      return false; // left DISPATCHED: the primary hands them out again after its dispatch timeout
    }
    return true;
  }

  /** Takes an attempt; false if this worker process took it already. */
  boolean take(JobId id, int attempt) {
    return startedHere.add(id.value() + ":" + attempt);
  }

  /** Takes the attempt of a slice's task {@code i}; false if taken already. */
  boolean take(TaskSlice s, int i) {
    return take(JobTable.taskId(s.arrayId(), s.index(i)), s.attempts()[i]);
  }

  /** Forgets an attempt that ended here (or never started): a new hand-over of it is taken. */
  void forget(JobId id, int attempt) {
    startedHere.remove(id.value() + ":" + attempt);
  }

  /** Forgets the attempt of a slice's task {@code i}. */
  void forget(TaskSlice s, int i) {
    forget(JobTable.taskId(s.arrayId(), s.index(i)), s.attempts()[i]);
  }

  /** The highest primary epoch this worker has taken a dispatch from. */
  long highestEpoch() {
    return highestEpoch.get();
  }

  void fencedBy(Worker.Fence fence) {
    this.fence = fence;
  }

  Worker.Fence fence() {
    return fence;
  }

  /** Why the node is out of the grid now (it must start nothing), or null. */
  String outOfGrid() {
    return fence.outOfGrid();
  }

  /** From now on nothing is taken. */
  void close() {
    closed = true;
  }

  /** From now on nothing is taken or written, as after a SIGKILL (a test's simulated crash). */
  void crash() {
    crashed = true;
    closed = true;
  }

  boolean closed() {
    return closed;
  }

  boolean crashed() {
    return crashed;
  }

  /** The node's life, as an end's decision sees it. */
  EndDecision.Node node() {
    return crashed
        ? EndDecision.Node.CRASHED
        : closed ? EndDecision.Node.STOPPING : EndDecision.Node.UP;
  }
}
