package dev.grid.scheduler;

import dev.grid.api.JobId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link PrimaryPlanner} decided for one step of the primary's pass. The plan does nothing
 * itself; {@link PrimaryService} carries it out, in order, every write under the plan's epoch (the
 * commands carry it), and checks that it still holds the lease before each take-back, dependency
 * decision and dispatch batch.
 *
 * @param actions what to do, in order
 * @param timers the timers as they stand after this step (the same ones when it looked at none)
 * @param lastWorker the round-robin position once the dispatches are done
 */
record PrimaryPlan(List<Action> actions, Timers timers, String lastWorker) {
  PrimaryPlan {
    actions = List.copyOf(actions);
  }

  /** The actions of one kind, in order. */
  <A extends Action> List<A> actions(Class<A> kind) {
    return actions.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  /**
   * When this primary first saw things, so that waits are counted from then.
   *
   * @param goneSince per worker (member id) that holds work and is gone, when this session first
   *     saw it gone ({@link PrimaryPlanner.Snapshot#nowNanos}, monotonic: a wall-clock step must
   *     not cut the reclaim grace short)
   * @param dispatchSeen per dispatched job, when this session first saw it dispatched (ms)
   * @param slotsSeen per dispatched task ({@code block:slot:attempt}), when first seen unstarted
   *     (ms)
   */
  record Timers(
      Map<String, Long> goneSince, Map<JobId, Long> dispatchSeen, Map<String, Long> slotsSeen) {
    /** A new session's timers: nothing seen yet. */
    static Timers none() {
      return new Timers(new HashMap<>(), new HashMap<>(), new HashMap<>());
    }
  }

  /** One decision of a plan. */
  sealed interface Action
      permits Resend, ResendSlice, TakeBack, TakeBackTasks, Resolve, Dispatch, DispatchSlice {}

  /**
   * Send the run message again for jobs an earlier primary dispatched to this worker that have not
   * started (the message may have died with that primary). The worker ignores a job it already
   * runs.
   */
  record Resend(String workerId, List<JobRecord> jobs) implements Action {}

  /** Send an array's slice again, as {@link Resend} does for jobs. */
  record ResendSlice(TaskSlice slice) implements Action {}

  /** Take a job back from a worker that is gone or never started it; logged when applied. */
  record TakeBack(JobId job, JobCommand.Reclaim command) implements Action {}

  /** Take tasks of one block back, as {@link TakeBack} does for a job. */
  record TakeBackTasks(String blockKey, JobId arrayId, BlockCommand.Reclaim command)
      implements Action {}

  /**
   * Decide a waiting job's dependencies: queue or cancel it. For an array ({@code array}), every
   * block of it is decided first, and the array's own record only if all of them were written: a
   * primary that fails over between the two decides the array again, the same way.
   */
  record Resolve(JobId job, boolean array, JobCommand.Resolve command) implements Action {}

  /** Hand a queued job to a worker; its run message goes out once the write applied. */
  record Dispatch(JobId job, JobCommand.Dispatch command) implements Action {}

  /** Hand queued tasks of one block to a worker; the slice goes out once the write applied. */
  record DispatchSlice(String blockKey, JobId arrayId, BlockCommand.Dispatch command)
      implements Action {}
}
