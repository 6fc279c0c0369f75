package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.scheduler.PrimaryPlan.Action;
import dev.grid.scheduler.PrimaryPlan.TakeBack;
import dev.grid.scheduler.PrimaryPlan.TakeBackTasks;
import dev.grid.scheduler.PrimaryPlan.Timers;
import dev.grid.scheduler.PrimaryPlanner.Node;
import dev.grid.scheduler.PrimaryPlanner.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link PrimaryPlanner.Step#TAKE_BACK} step: which jobs and tasks to take back from their
 * workers, and when. Pure, like the planner.
 *
 * <ul>
 *   <li>A worker that holds work and is not among the live members is timed from when this session
 *       first saw it gone; once gone for the whole reclaim grace, everything it holds is taken back
 *       (queued again with a retry, or LOST: {@link JobUpdate}, {@link BlockUpdate}). A worker that
 *       comes back within the grace loses its timer and keeps its work.
 *   <li>A job or task a live worker holds DISPATCHED (not started) for longer than the dispatch
 *       timeout, counted from when this session first saw it so, is taken back only if still
 *       unstarted when the write applies: a start that races the timeout wins.
 * </ul>
 */
final class TakeBacks {
  private TakeBacks() {}

  /** Adds the take-backs to {@code out}; returns the timers as they stand after them. */
  static Timers plan(Snapshot s, List<Action> out) {
    Set<String> live = new HashSet<>();
    for (Node m : s.members()) {
      live.add(m.id());
    }
    Map<String, Long> goneSince = new HashMap<>();
    Map<JobId, Long> dispatchSeen = new HashMap<>(s.timers().dispatchSeen());
    for (JobRecord r : s.jobs().active()) {
      String reason = null;
      boolean workerGone = !live.contains(r.workerId());
      if (workerGone) {
        if (!goneLongEnough(s, r.workerId(), goneSince)) {
          continue; // it may still be stopping its jobs itself (frozen or cut off)
        }
        reason = "worker " + r.node() + " left the grid";
      } else if (r.state() == JobState.DISPATCHED) {
        long seen = dispatchSeen.computeIfAbsent(r.id(), id -> s.nowMillis());
        if (s.nowMillis() - seen > s.settings().dispatchTimeout().toMillis()) {
          reason = notStarted(r.node(), s);
        }
      }
      if (reason != null) {
        out.add(
            new TakeBack(
                r.id(),
                new JobCommand.Reclaim(
                    s.epoch(), r.attempt(), !workerGone, reason, s.nowMillis())));
      }
    }
    Map<String, Long> slotsSeen = new HashMap<>();
    for (TaskBlock b : s.blocks().all()) {
      planBlock(s, b, live, goneSince, slotsSeen, out);
    }
    dispatchSeen
        .keySet()
        .removeIf(
            id -> {
              JobRecord r = s.jobs().get(id);
              return r == null || r.state() != JobState.DISPATCHED;
            });
    return new Timers(goneSince, dispatchSeen, slotsSeen);
  }

  /**
   * The same for an array's tasks in one block, a worker at a time: every task of a worker gone
   * past the grace in one {@link BlockCommand.Reclaim}, and the slots a live worker left unstarted
   * past the dispatch timeout in another.
   */
  private static void planBlock(
      Snapshot s,
      TaskBlock b,
      Set<String> live,
      Map<String, Long> goneSince,
      Map<String, Long> slotsSeen,
      List<Action> out) {
    JobRecord array = s.jobs().get(b.arrayId());
    int maxRetries = array == null ? 0 : array.spec().maxRetries();
    Set<String> gone = new LinkedHashSet<>();
    Map<String, List<Integer>> unstarted = new LinkedHashMap<>();
    for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
      if (!b.has(slot) || !b.state(slot).isActive()) {
        continue;
      }
      String worker = b.workerId(slot);
      if (!live.contains(worker)) {
        if (goneLongEnough(s, worker, goneSince)) {
          gone.add(worker);
        }
      } else if (b.state(slot) == JobState.DISPATCHED) {
        String key = b.key() + ":" + slot + ":" + b.attempts()[slot];
        long seen = s.timers().slotsSeen().getOrDefault(key, s.nowMillis());
        slotsSeen.put(key, seen);
        if (s.nowMillis() - seen > s.settings().dispatchTimeout().toMillis()) {
          unstarted.computeIfAbsent(worker, w -> new ArrayList<>()).add(slot);
        }
      }
    }
    for (String worker : gone) {
      String reason = "worker " + nodeOf(b, worker) + " left the grid";
      out.add(
          new TakeBackTasks(
              b.key(),
              b.arrayId(),
              new BlockCommand.Reclaim(
                  s.epoch(), worker, null, null, false, maxRetries, reason, s.nowMillis())));
    }
    unstarted.forEach(
        (worker, list) -> {
          int[] slots = PrimaryPlanner.toArray(list);
          int[] attempts = new int[slots.length];
          for (int i = 0; i < slots.length; i++) {
            attempts[i] = b.attempts()[slots[i]];
          }
          out.add(
              new TakeBackTasks(
                  b.key(),
                  b.arrayId(),
                  new BlockCommand.Reclaim(
                      s.epoch(),
                      worker,
                      slots,
                      attempts,
                      true,
                      maxRetries,
                      notStarted(nodeOf(b, worker), s),
                      s.nowMillis())));
        });
  }

  /**
   * Whether the worker has been gone for the reclaim grace, counted from when this session first
   * saw it gone, on the monotonic clock. Records it in {@code goneSince}: a worker gone now keeps
   * its first sighting, one seen back (not recorded in this pass) loses it.
   */
  private static boolean goneLongEnough(Snapshot s, String worker, Map<String, Long> goneSince) {
    long since =
        goneSince.computeIfAbsent(
            worker, w -> s.timers().goneSince().getOrDefault(w, s.nowNanos()));
    return s.nowNanos() - since >= s.settings().reclaimGrace().toNanos();
  }

  private static String notStarted(String node, Snapshot s) {
    return "worker "
        + node
        + " did not start it within "
        + s.settings().dispatchTimeout().toSeconds()
        + "s";
  }

  private static String nodeOf(TaskBlock b, String workerId) {
    int i = b.workerIds().indexOf(workerId);
    return i < 0 ? workerId : b.nodes().get(i);
  }
}
