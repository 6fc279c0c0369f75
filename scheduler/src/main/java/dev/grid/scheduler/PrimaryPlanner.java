package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.Resources;
import dev.grid.scheduler.PrimaryPlan.Action;
import dev.grid.scheduler.PrimaryPlan.Dispatch;
import dev.grid.scheduler.PrimaryPlan.DispatchSlice;
import dev.grid.scheduler.PrimaryPlan.Resend;
import dev.grid.scheduler.PrimaryPlan.ResendSlice;
import dev.grid.scheduler.PrimaryPlan.Resolve;
import dev.grid.scheduler.PrimaryPlan.Timers;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The primary's decisions, apart from their effects: a {@link Snapshot} of what it knows in, a
 * {@link PrimaryPlan} out. Pure: no cluster, no clock (the snapshot holds {@code now}); the same
 * snapshot gives the same plan. {@link PrimaryService} builds the snapshot, carries the plan out
 * and records its timers.
 *
 * <p>A pass has up to four steps, in this order: {@link Step#RESEND} (a new session's first pass),
 * {@link Step#TAKE_BACK} (every {@code reconcileEvery}), {@link Step#RESOLVE} (when a job ended or
 * a waiting one came) and {@link Step#DISPATCH}. The service plans each from a fresh snapshot,
 * since each must see what the one before wrote: a job taken back or released is dispatched in the
 * same pass, on slots counted after the take-backs.
 *
 * <p>Never lost, never twice at once: a job is taken back from a worker that is gone only once this
 * session has seen that worker gone for the whole reclaim grace, which is longer than a frozen or
 * cut-off worker takes to stop the job itself (the node's fence); the grace counts on the monotonic
 * clock from when this session first saw the worker gone, so a worker that comes back in time keeps
 * its jobs and a new primary waits the whole grace again. A job (or task) a live worker has not
 * started within the dispatch timeout is taken back only if it is still unstarted when the write
 * applies ({@code onlyIfUnstarted}), so a start that races the timeout wins. Every command carries
 * the snapshot's epoch: a plan carried out by a primary that lost its lease is refused.
 */
final class PrimaryPlanner {
  /** The most queued jobs looked at in one dispatch step. */
  static final int BATCH = 512;

  /**
   * An array whose tasks run this long or longer (on average, once some have ended) is handed out
   * one task per free slot; shorter ones in deeper slices (see {@link Dispatcher}).
   */
  static final double FAST_TASK_MILLIS = 50;

  /** About how long a slice's tasks wait on their worker, started but not yet running. */
  static final double SLICE_WAIT_MILLIS = 100;

  /** The most tasks per slot a worker holds of a fast array. */
  static final int MAX_DEPTH = 64;

  private PrimaryPlanner() {}

  /** The steps of a pass, in the order they run. */
  enum Step {
    /** Send again what an earlier primary dispatched and that has not started. */
    RESEND,
    /** Take back jobs and tasks from workers gone past the grace, or that never started them. */
    TAKE_BACK,
    /** Decide waiting jobs whose dependencies are met or can no longer be. */
    RESOLVE,
    /** Hand queued work to workers with room. */
    DISPATCH
  }

  /**
   * A live member of the grid.
   *
   * @param id its Hazelcast member id (what records name as {@code workerId})
   * @param name its node name, or null if it takes no work (no name or slots attribute)
   * @param slots how many jobs it runs at once
   * @param labels what it declared it has ({@code --labels})
   * @param cpus the CPUs it offers to jobs that reserve some ({@code --cpus})
   * @param memoryBytes the memory it offers to jobs that reserve some ({@code --mem})
   */
  record Node(String id, String name, int slots, Set<String> labels, int cpus, long memoryBytes) {
    Node {
      labels = Set.copyOf(labels);
    }

    /** A node whose CPUs and memory are not counted. */
    Node(String id, String name, int slots, Set<String> labels) {
      this(id, name, slots, labels, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /** A node without labels. */
    Node(String id, String name, int slots) {
      this(id, name, slots, Set.of());
    }

    boolean takesWork() {
      return name != null;
    }
  }

  /**
   * What the primary knows when it decides. The indexes are the session's own, read here and never
   * changed (the planner runs on the dispatch thread that owns them).
   *
   * @param epoch the session's epoch, carried by every command
   * @param settings timeouts and grace
   * @param steps the steps to plan
   * @param jobs the unfinished jobs known here
   * @param blocks the task blocks with unfinished tasks known here
   * @param members the live members (the take-back and dispatch steps look at them)
   * @param timers when things were first seen, as recorded after the previous plan
   * @param lastWorker the worker that got the previous work, or null
   * @param lookedUp parents of waiting jobs read from the map: those that {@link #parentsToLookUp}
   *     names (a parent missing here has no record)
   * @param nowMillis the wall clock, for the dispatch timeout and the commands' times
   * @param nowNanos the monotonic clock, for the reclaim grace
   * @param queueLimits the most slots each limited queue's work may hold at once ({@code bin/queue
   *     set}); a queue not named has no limit
   */
  record Snapshot(
      long epoch,
      PrimaryService.Settings settings,
      Set<Step> steps,
      JobIndex jobs,
      BlockIndex blocks,
      List<Node> members,
      Timers timers,
      String lastWorker,
      Map<JobId, DependencyCheck.Parent> lookedUp,
      long nowMillis,
      long nowNanos,
      Map<String, Integer> queueLimits) {
    /** A snapshot without queue limits. */
    Snapshot(
        long epoch,
        PrimaryService.Settings settings,
        Set<Step> steps,
        JobIndex jobs,
        BlockIndex blocks,
        List<Node> members,
        Timers timers,
        String lastWorker,
        Map<JobId, DependencyCheck.Parent> lookedUp,
        long nowMillis,
        long nowNanos) {
      this(
          epoch,
          settings,
          steps,
          jobs,
          blocks,
          members,
          timers,
          lastWorker,
          lookedUp,
          nowMillis,
          nowNanos,
          Map.of());
    }
  }

  /** Plans the snapshot's steps, in order. */
  static PrimaryPlan plan(Snapshot s) {
    List<Action> actions = new ArrayList<>();
    Timers timers = s.timers();
    String lastWorker = s.lastWorker();
    if (s.steps().contains(Step.RESEND)) {
      resend(s, actions);
    }
    if (s.steps().contains(Step.TAKE_BACK)) {
      timers = TakeBacks.plan(s, actions);
    }
    if (s.steps().contains(Step.RESOLVE)) {
      resolve(s, actions);
    }
    if (s.steps().contains(Step.DISPATCH)) {
      lastWorker = dispatch(s, actions);
    }
    return new PrimaryPlan(actions, timers, lastWorker);
  }

  /** Work an earlier primary dispatched that has not started: hand it over again. */
  private static void resend(Snapshot s, List<Action> out) {
    Map<String, List<JobRecord>> toRun = new LinkedHashMap<>();
    for (JobRecord r : s.jobs().active()) {
      if (r.state() == JobState.DISPATCHED) {
        toRun.computeIfAbsent(r.workerId(), w -> new ArrayList<>()).add(r);
      }
    }
    toRun.forEach((worker, jobs) -> out.add(new Resend(worker, jobs)));
    for (TaskBlock b : s.blocks().all()) {
      JobRecord array = s.jobs().get(b.arrayId());
      if (array == null) {
        continue;
      }
      Map<String, List<Integer>> byWorker = new LinkedHashMap<>();
      for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
        if (b.has(slot) && b.state(slot) == JobState.DISPATCHED) {
          byWorker.computeIfAbsent(b.workerId(slot), w -> new ArrayList<>()).add(slot);
        }
      }
      byWorker
          .values()
          .forEach(slots -> out.add(new ResendSlice(slice(array, b, toArray(slots), s.epoch()))));
    }
  }

  /**
   * The parents of waiting jobs that the indexes cannot answer for, to be read from the map before
   * the {@link Step#RESOLVE} step: a parent still unfinished here is not looked up.
   */
  static Set<JobId> parentsToLookUp(JobIndex jobs, BlockIndex blocks) {
    Set<JobId> out = new HashSet<>();
    for (JobRecord r : jobs.waiting()) {
      for (JobId id : r.spec().after().all()) {
        if (knownParent(jobs, blocks, id) == null) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /** A parent as the indexes show it, or null if they cannot tell. */
  private static DependencyCheck.Parent knownParent(JobIndex jobs, BlockIndex blocks, JobId id) {
    JobRecord known = jobs.get(id);
    if (known == null) {
      return null;
    }
    if (!known.arrayParent()) {
      return new DependencyCheck.Parent(id, known.state(), null);
    }
    return blocks.unfinishedTasks(id) > 0
        ? new DependencyCheck.Parent(id, JobState.RUNNING, null)
        : null;
  }

  /**
   * Decides every waiting job and array from its parents' records ({@link DependencyCheck}):
   * queued, cancelled with the reason, or left waiting.
   */
  private static void resolve(Snapshot s, List<Action> out) {
    for (JobRecord r : s.jobs().waiting()) {
      DependencyCheck.Decision d =
          DependencyCheck.decide(
              r.spec().after(),
              id -> {
                DependencyCheck.Parent p = knownParent(s.jobs(), s.blocks(), id);
                return p != null ? p : s.lookedUp().get(id);
              });
      if (d.to() != null) {
        out.add(
            new Resolve(
                r.id(),
                r.arrayParent(),
                new JobCommand.Resolve(s.epoch(), d.to(), d.reason(), s.nowMillis())));
      }
    }
  }

  /**
   * Hands queued work to workers with room ({@link Dispatcher}): jobs one per free slot, arrays'
   * tasks in slices. Only as many queued jobs are taken from the index as there are free slots: the
   * loop runs after every batch of map events, mostly with every slot taken. Returns the
   * round-robin position after the plan.
   */
  private static String dispatch(Snapshot s, List<Action> out) {
    Map<String, String> idByName = new HashMap<>();
    List<Dispatcher.Worker> workers = new ArrayList<>();
    Map<String, Integer> singles = s.jobs().activeByWorker();
    Map<String, Integer> tasks = s.blocks().activeByWorker();
    Map<String, long[]> reserved = reservedByWorker(s.jobs(), s.blocks());
    int free = 0;
    for (Node m : s.members()) {
      if (!m.takesWork()) {
        continue;
      }
      idByName.put(m.name(), m.id());
      long[] r = reserved.getOrDefault(m.id(), new long[2]);
      Dispatcher.Worker w =
          new Dispatcher.Worker(
              m.name(),
              m.slots(),
              singles.getOrDefault(m.id(), 0) + tasks.getOrDefault(m.id(), 0),
              m.labels(),
              m.cpus(),
              m.memoryBytes(),
              (int) Math.min(Integer.MAX_VALUE, r[0]),
              r[1]);
      workers.add(w);
      free += w.free();
    }
    Map<String, Integer> room = queueRoom(s);
    // Of jobs that need labels, as many are looked at as the workers that have them have free
    // slots.
    ToIntFunction<List<String>> placeable =
        constraints ->
            workers.stream()
                .filter(w -> w.has(constraints))
                .mapToInt(Dispatcher.Worker::free)
                .sum();
    List<Dispatcher.Demand> queue = demands(s, free, room, placeable);
    if (queue.isEmpty() || workers.isEmpty()) {
      return s.lastWorker();
    }
    Dispatcher.Plan plan =
        Dispatcher.plan(new Dispatcher.Snapshot(queue, workers, s.lastWorker(), room));
    if (plan.assignments().isEmpty() && plan.slices().isEmpty()) {
      return s.lastWorker();
    }
    for (Dispatcher.Assignment a : plan.assignments()) {
      out.add(
          new Dispatch(
              a.job(),
              new JobCommand.Dispatch(
                  s.epoch(), a.worker(), idByName.get(a.worker()), s.nowMillis())));
    }
    slices(s, plan, idByName, out);
    return plan.lastWorker();
  }

  /**
   * The queue as the dispatcher sees it: up to {@code free} queued jobs and every array with queued
   * tasks known here, in the order they are served (priority, then oldest first).
   */
  private static List<Dispatcher.Demand> demands(
      Snapshot s, int free, Map<String, Integer> queueRoom, ToIntFunction<List<String>> placeable) {
    // At least the oldest job, even with no free slot: an array behind it must then wait.
    List<JobRecord> all =
        new ArrayList<>(
            s.jobs()
                .queued(Math.min(BATCH, Math.max(1, free)), s.nowMillis(), queueRoom, placeable));
    for (JobRecord a : s.jobs().queuedArrays()) {
      if (s.blocks().dueTasks(a.id(), s.nowMillis()) > 0) {
        all.add(a);
      }
    }
    all.sort(JobRecord.DISPATCH_ORDER);
    List<Dispatcher.Demand> out = new ArrayList<>(all.size());
    for (JobRecord r : all) {
      String q = r.spec().schedulingOrDefault().queueOrDefault();
      List<String> needs = r.spec().schedulingOrDefault().constraintsOrNone();
      Resources reserves = r.spec().resourcesOrNone();
      if (!r.arrayParent()) {
        out.add(new Dispatcher.Job(r.id(), q, needs, reserves));
        continue;
      }
      Integer limit = r.spec().array().limit();
      int room =
          limit == null ? Integer.MAX_VALUE : Math.max(0, limit - s.blocks().activeTasks(r.id()));
      out.add(
          new Dispatcher.Array(
              r.id(),
              s.blocks().dueTasks(r.id(), s.nowMillis()),
              room,
              // In a limited queue, a task per slot: the limit counts slots. Tasks that reserve
              // CPUs or memory hold them from dispatch on: one per slot too.
              queueRoom.containsKey(q) || !reserves.none()
                  ? 1
                  : depth(r, s.blocks().meanMillis(r.id())),
              q,
              needs,
              reserves));
    }
    return out;
  }

  /**
   * How many slots each queue's work holds now: its single jobs dispatched or running, and its
   * arrays' tasks dispatched or running.
   */
  static Map<String, Integer> queueHeld(JobIndex jobs, BlockIndex blocks) {
    Map<String, Integer> held = new HashMap<>();
    for (JobRecord r : jobs.active()) {
      held.merge(r.spec().schedulingOrDefault().queueOrDefault(), 1, Integer::sum);
    }
    // Every array with tasks out, whatever its own record's state (a held array's tasks run on).
    blocks
        .activeByArray()
        .forEach(
            (arrayId, active) -> {
              JobRecord a = jobs.get(arrayId);
              if (a != null) { // an array just ended (cancelled, say) has no queue to count in
                held.merge(a.spec().schedulingOrDefault().queueOrDefault(), active, Integer::sum);
              }
            });
    return held;
  }

  /**
   * The CPUs and memory each worker's work reserves now, by member id: its single jobs dispatched
   * or running, and the dispatched or running tasks of arrays that reserve some (counted per block
   * by the index, so a pass walks no task slots).
   */
  static Map<String, long[]> reservedByWorker(JobIndex jobs, BlockIndex blocks) {
    Map<String, long[]> out = new HashMap<>();
    for (JobRecord r : jobs.active()) {
      add(out, r.workerId(), r.spec().resourcesOrNone(), 1);
    }
    for (JobId arrayId : blocks.activeByArray().keySet()) {
      JobRecord a = jobs.get(arrayId);
      Resources need = a == null ? Resources.NONE : a.spec().resourcesOrNone();
      if (!need.none()) {
        blocks.activeByWorker(arrayId).forEach((worker, n) -> add(out, worker, need, n));
      }
    }
    return out;
  }

  private static void add(Map<String, long[]> sums, String workerId, Resources need, int count) {
    if (need.none() || workerId == null) {
      return;
    }
    long[] sum = sums.computeIfAbsent(workerId, w -> new long[2]);
    sum[0] += (long) need.cpus() * count;
    sum[1] += need.memoryBytes() * count;
  }

  /** The room left in each limited queue: its limit less what it holds, never negative. */
  private static Map<String, Integer> queueRoom(Snapshot s) {
    if (s.queueLimits().isEmpty()) {
      return Map.of();
    }
    Map<String, Integer> held = queueHeld(s.jobs(), s.blocks());
    Map<String, Integer> room = new HashMap<>();
    s.queueLimits().forEach((q, max) -> room.put(q, Math.max(0, max - held.getOrDefault(q, 0))));
    return room;
  }

  /**
   * Tasks per slot a worker may hold of this array: 1 for a capped array (its cap counts tasks
   * held, and a user capping at 50 expects 50 to run) and for tasks of unknown or long run time;
   * for short tasks, enough that a started task waits about {@value #SLICE_WAIT_MILLIS} ms for its
   * slot, at most {@value #MAX_DEPTH}.
   *
   * @param meanMillis the array's mean task run time so far, or null if none has ended
   */
  static int depth(JobRecord array, Double meanMillis) {
    if (array.spec().array().limit() != null
        || meanMillis == null
        || meanMillis >= FAST_TASK_MILLIS) {
      return 1;
    }
    return (int) Math.max(1, Math.min(MAX_DEPTH, SLICE_WAIT_MILLIS / Math.max(meanMillis, 0.1)));
  }

  /** The plan's slices as writes: the queued slots of each array, a block at a time. */
  private static void slices(
      Snapshot s, Dispatcher.Plan plan, Map<String, String> idByName, List<Action> out) {
    Map<String, BitSet> taken = new HashMap<>();
    for (Dispatcher.Slice slice : plan.slices()) {
      String workerId = idByName.get(slice.worker());
      int left = slice.count();
      for (TaskBlock b : s.blocks().blocksOf(slice.array())) {
        if (left == 0) {
          break;
        }
        BitSet used = taken.computeIfAbsent(b.key(), k -> new BitSet());
        List<Integer> slots = new ArrayList<>();
        for (int slot = 0; slot < TaskBlock.SIZE && left > 0; slot++) {
          if (b.has(slot)
              && b.state(slot) == JobState.QUEUED
              && b.retryAt(slot) <= s.nowMillis()
              && !used.get(slot)) {
            used.set(slot);
            slots.add(slot);
            left--;
          }
        }
        if (!slots.isEmpty()) {
          out.add(
              new DispatchSlice(
                  b.key(),
                  b.arrayId(),
                  new BlockCommand.Dispatch(
                      s.epoch(), slice.worker(), workerId, toArray(slots), s.nowMillis())));
        }
      }
    }
  }

  /** The slice of the given slots of a block, as dispatched (node, worker, attempts). */
  static TaskSlice slice(JobRecord array, TaskBlock b, int[] slots, long epoch) {
    int[] attempts = new int[slots.length];
    for (int i = 0; i < slots.length; i++) {
      attempts[i] = b.attempts()[slots[i]];
    }
    return new TaskSlice(
        b.arrayId(),
        array.spec(),
        b.block(),
        b.node(slots[0]),
        b.workerId(slots[0]),
        slots,
        attempts,
        epoch);
  }

  static int[] toArray(List<Integer> ints) {
    return ints.stream().mapToInt(Integer::intValue).toArray();
  }
}
