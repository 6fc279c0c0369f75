package dev.grid.scheduler;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.scheduler.PrimaryPlan.Dispatch;
import dev.grid.scheduler.PrimaryPlan.DispatchSlice;
import dev.grid.scheduler.PrimaryPlan.Resend;
import dev.grid.scheduler.PrimaryPlan.ResendSlice;
import dev.grid.scheduler.PrimaryPlan.Resolve;
import dev.grid.scheduler.PrimaryPlan.TakeBack;
import dev.grid.scheduler.PrimaryPlan.TakeBackTasks;
import dev.grid.scheduler.PrimaryPlan.Timers;
import dev.grid.scheduler.PrimaryPlanner.Node;
import dev.grid.scheduler.PrimaryPlanner.Snapshot;
import dev.grid.scheduler.PrimaryPlanner.Step;
import dev.grid.scheduler.lease.Ticker;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One epoch's dispatching for {@link PrimaryService}: the loop, the indexes it keeps from map
 * events and from its own writes, and the carrying out of {@link PrimaryPlanner}'s plans. Confined
 * to the dispatch thread, but for {@link #offer}, {@link #memberLeft} and {@link #stop}.
 *
 * <p>Fencing: every write carries this session's epoch (the plan's commands do), and the session
 * checks that it still holds the lease before each pass and again before each take-back, dependency
 * decision and dispatch batch, as it did before the planner was split out. A session that outlives
 * its lease all the same is refused by {@link JobUpdate} and by the workers.
 */
final class PrimarySession {
  private static final Logger LOG = LoggerFactory.getLogger(PrimaryService.class);

  /** Wakes the loop without news. */
  static final Object WAKE = new Object();

  /** What a session needs of its service. */
  record Wiring(
      HazelcastInstance hz,
      JobTable table,
      QueueTable queues,
      DrainTable drains,
      Clock clock,
      Ticker ticker,
      LongPredicate holdsLease,
      PrimaryService.Settings settings,
      StallWatch watch,
      AtomicLong dispatched,
      Consumer<JobCounts> counts,
      BooleanSupplier closed) {}

  final long epoch;
  private final Wiring w;
  private final JobTable table;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final JobIndex index = new JobIndex();

  /** The blocks of arrays' tasks that have not all ended. */
  private final BlockIndex blocks = new BlockIndex();

  private Timers timers = Timers.none();

  private volatile boolean stopped;

  /** Whether the first pass has read every unfinished job and block. */
  private boolean loaded;

  private String lastWorker;

  /** The queues' limits, read again at every reconcile (a change shows within half a second). */
  private Map<String, Integer> queueLimits = Map.of();

  /**
   * The slots each queue held at the last reconcile, as published for status and listings; null
   * before this session's first count.
   */
  private Map<String, Integer> queueHeld;

  /**
   * The drained nodes' marks, read again at every reconcile like the queues' limits: a drained node
   * gets no new work from the reconcile that read its mark on.
   */
  private Map<String, DrainRecord> drainMarks = Map.of();

  /**
   * What each drained node held at the last reconcile, as published for {@code bin/nodes}; null
   * before this session's first count.
   */
  private Map<String, DrainCount> drainCounts;

  /** Set when a job ended or a waiting one came: waiting jobs are decided again. */
  private boolean dependenciesChanged = true;

  /** Set to 0 by the membership listener to reconcile at once. */
  private volatile long nextReconcile;

  /**
   * Set when the blocks must be read again: when a member left (the map events of a write its owner
   * applied just before it died can be lost).
   */
  private volatile boolean rereadBlocks;

  PrimarySession(long epoch, Wiring wiring) {
    this.epoch = epoch;
    this.w = wiring;
    this.table = wiring.table();
  }

  /** Queues a map event (a record or a block) or a wake-up; any thread. */
  void offer(Object event) {
    inbox.offer(event);
  }

  /** A member left: take back and read the blocks again at once; any thread. */
  void memberLeft() {
    nextReconcile = 0;
    rereadBlocks = true;
    inbox.offer(WAKE);
  }

  /** Ends the loop; any thread. */
  void stop() {
    stopped = true;
    inbox.offer(WAKE);
  }

  /**
   * The loop lives as long as the session: a failed pass (a Hazelcast call that times out while
   * partitions migrate, say) is logged and retried, and a moment without the lease (a renewal late
   * after a pause) skips the work rather than ending the loop. Only {@link #stop} ends it.
   */
  void run() {
    while (!stopped && !w.closed().getAsBoolean()) {
      try {
        Object first = inbox.poll(w.settings().tick().toMillis(), TimeUnit.MILLISECONDS);
        try (StallWatch.Entry pass = w.watch().enter("a dispatch pass, epoch " + epoch)) {
          pass(first);
        }
        if (!stopped) {
          w.counts().accept(index.counts(blocks.queuedTasks()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (!stopped) {
          LOG.warn("dispatch pass failed, epoch {}; retrying", epoch, e);
          LockSupport.parkNanos(w.settings().tick().toNanos());
        }
      }
    }
  }

  /**
   * One pass, given the first event it woke for (or null): take in the events, then plan and carry
   * out each step due, each from a fresh snapshot so that it sees what the one before wrote.
   */
  void pass(Object first) {
    drain(first);
    if (!live()) {
      return;
    }
    if (!loaded || rereadBlocks) {
      load();
      if (!loaded) {
        carryOut(Step.RESEND);
      }
      loaded = true;
    }
    if (w.clock().millis() >= nextReconcile) {
      countQueues();
      countDrains();
      carryOut(Step.TAKE_BACK);
      dependenciesChanged = true;
      nextReconcile = w.clock().millis() + w.settings().reconcileEvery().toMillis();
    }
    if (dependenciesChanged) {
      dependenciesChanged = false;
      carryOut(Step.RESOLVE);
    }
    carryOut(Step.DISPATCH);
  }

  /** Reads the queues' limits and publishes what each queue holds, where that changed. */
  private void countQueues() {
    try {
      queueLimits = w.queues().limits();
      Map<String, Integer> held = PrimaryPlanner.queueHeld(index, blocks);
      if (queueHeld == null) {
        w.queues().clearHeld(); // an earlier primary's counts
        queueHeld = Map.of();
      }
      if (!held.equals(queueHeld)) {
        w.queues().publishHeld(held, queueHeld);
        queueHeld = held;
      }
    } catch (RuntimeException e) {
      LOG.debug("could not read or publish the queues now; next reconcile", e);
    }
  }

  /**
   * Reads the drain marks and publishes what each drained node holds, under the mark read, where
   * that changed. Once a count under a mark is published, this session gives that node nothing new:
   * the dispatch steps after it see the node as taking no work.
   */
  private void countDrains() {
    try {
      drainMarks = w.drains().marks();
      Map<String, DrainCount> now = DrainTable.count(liveMembers(), drainMarks, index, blocks);
      if (drainCounts == null) {
        w.drains().clearCounts(); // an earlier primary's counts
        drainCounts = Map.of();
      }
      if (!now.equals(drainCounts)) {
        w.drains().publishCounts(now, drainCounts);
        drainCounts = now;
      }
    } catch (RuntimeException e) {
      LOG.debug("could not read the drain marks or publish the counts now; next reconcile", e);
    }
  }

  boolean live() {
    return !stopped && !w.closed().getAsBoolean() && w.holdsLease().test(epoch);
  }

  /** Reads every unfinished job on the first pass, and the blocks then and after a member left. */
  private void load() {
    long now = w.clock().millis();
    if (!loaded) {
      for (JobRecord r : table.unfinished()) {
        index.offer(r, now);
      }
    }
    readBlocks(now);
    rereadBlocks = false;
  }

  /**
   * Reads the blocks with unfinished tasks, and the blocks known here that are not among them:
   * those ended (or were deleted) since, maybe by a write whose owner died before its event went
   * out, and a stale copy here would hold its worker's slots for ever.
   */
  private void readBlocks(long now) {
    Set<String> read = new HashSet<>();
    for (TaskBlock b : table.unfinishedBlocks()) {
      blocks.offer(b, now);
      read.add(b.key());
    }
    Set<String> others = new HashSet<>();
    for (TaskBlock b : blocks.all()) {
      if (!read.contains(b.key())) {
        others.add(b.key());
      }
    }
    if (others.isEmpty()) {
      return;
    }
    Map<String, TaskBlock> found = table.blocks(others);
    for (String key : others) {
      TaskBlock b = found.get(key);
      if (b == null) {
        blocks.drop(key);
      } else {
        blocks.correct(b, now);
      }
    }
    dependenciesChanged = true;
  }

  private void drain(Object first) {
    long now = w.clock().millis();
    for (Object o = first; o != null; o = inbox.poll()) {
      if (o instanceof JobRecord r) {
        index.offer(r, now);
        dependenciesChanged |= r.state().isTerminal() || r.state() == JobState.WAITING;
      } else if (o instanceof TaskBlock b && blocks.offer(b, now)) {
        dependenciesChanged |= b.allEnded();
      }
    }
  }

  /** What an update returned: applied, the new record; refused, the record as it stands. */
  private void seen(UpdateResult u, long now) {
    if (u.record() == null) {
      return;
    }
    if (u.applied()) {
      index.offer(u.record(), now);
      return;
    }
    JobRecord known = index.get(u.record().id());
    if (known != null && known.version() > u.record().version()) {
      LOG.info(
          "job {}: the copy known here (v{}, {}) is not the record (v{}, {}): {}",
          u.record().id(),
          known.version(),
          known.state(),
          u.record().version(),
          u.record().state(),
          u.refusal());
    }
    index.correct(u.record(), now);
  }

  /** What a block update returned: the block as it is now. */
  private void seen(BlockUpdate.Result u, long now) {
    dependenciesChanged |= blocks.seen(u, now);
  }

  /**
   * The state the planner decides from: the indexes, the live members (read only for the steps that
   * look at them: the resolve step runs after every job's end), the timers, the clocks.
   */
  private Snapshot snapshot(Set<Step> steps) {
    boolean needsMembers = steps.contains(Step.TAKE_BACK) || steps.contains(Step.DISPATCH);
    // Drained nodes stay live members, so that what they run is not taken back, but get no work.
    List<Node> members =
        needsMembers
            ? DrainTable.withoutNewWork(liveMembers(), drainMarks.keySet())
            : List.<Node>of();
    Map<JobId, DependencyCheck.Parent> lookedUp =
        steps.contains(Step.RESOLVE)
            ? lookUp(PrimaryPlanner.parentsToLookUp(index, blocks))
            : Map.of();
    return new Snapshot(
        epoch,
        w.settings(),
        steps,
        index,
        blocks,
        members,
        timers,
        lastWorker,
        lookedUp,
        w.clock().millis(),
        w.ticker().nanos(),
        queueLimits);
  }

  /** The live members, as the planner sees them: a member without a name or slots takes no work. */
  private List<Node> liveMembers() {
    List<Node> members = new ArrayList<>();
    for (Member m : w.hz().getCluster().getMembers()) {
      String name = m.getAttribute(ClusterSettings.NAME_ATTRIBUTE);
      String slots = m.getAttribute(ClusterSettings.SLOTS_ATTRIBUTE);
      String labels = m.getAttribute(ClusterSettings.LABELS_ATTRIBUTE);
      String cpus = m.getAttribute(ClusterSettings.CPUS_ATTRIBUTE);
      String memory = m.getAttribute(ClusterSettings.MEMORY_ATTRIBUTE);
      String id = m.getUuid().toString();
      members.add(
          name == null || slots == null
              ? new Node(id, null, 0)
              : new Node(
                  id,
                  name,
                  Integer.parseInt(slots),
                  labels == null ? Set.of() : Set.of(labels.split(",")),
                  cpus == null ? Integer.MAX_VALUE : Integer.parseInt(cpus),
                  memory == null ? Long.MAX_VALUE : Long.parseLong(memory)));
    }
    return members;
  }

  /**
   * Reads the parents the indexes cannot answer for from the map; an array's tasks are counted
   * where its blocks live. A parent with no record is left out.
   */
  private Map<JobId, DependencyCheck.Parent> lookUp(Set<JobId> ids) {
    Map<JobId, DependencyCheck.Parent> out = new HashMap<>();
    for (JobId id : ids) {
      JobRecord known = index.get(id);
      JobRecord r = known != null ? known : table.get(id).orElse(null);
      if (r == null) {
        continue;
      }
      if (!r.arrayParent()) {
        out.put(id, new DependencyCheck.Parent(id, r.state(), null));
        continue;
      }
      Map<JobState, Integer> counts = table.arrayCounts(id);
      out.put(
          id,
          new DependencyCheck.Parent(
              id, ArrayProgress.state(r.state(), counts), ArrayProgress.describe(counts)));
    }
    return out;
  }

  /**
   * Plans one step and carries the plan out. The timers are recorded before the writes: they say
   * when things were first seen, whatever the writes do.
   */
  private void carryOut(Step step) {
    Snapshot s = snapshot(EnumSet.of(step));
    PrimaryPlan plan = PrimaryPlanner.plan(s);
    timers = plan.timers();
    long now = s.nowMillis();
    plan.actions(Resend.class).forEach(r -> table.sendRunAll(r.jobs(), epoch));
    plan.actions(ResendSlice.class).forEach(r -> table.sendSlice(r.slice()));
    plan.actions(TakeBack.class).forEach(t -> takeBack(t, now));
    plan.actions(TakeBackTasks.class).forEach(t -> takeBack(t, now));
    if (step == Step.TAKE_BACK) {
      index.pruneEnded(now - 60_000);
      blocks.pruneEnded(now - 60_000);
    }
    resolve(plan.actions(Resolve.class), now);
    dispatch(plan.actions(Dispatch.class), plan.actions(DispatchSlice.class), plan, now);
  }

  private void takeBack(TakeBack t, long now) {
    if (!live()) {
      return;
    }
    UpdateResult u = table.update(t.job(), t.command());
    seen(u, now);
    if (u.record() != null && u.record().state() != JobState.DISPATCHED) {
      timers.dispatchSeen().remove(t.job()); // no longer waits to start
    }
    if (u.applied()) {
      LOG.info("job {} taken back: {} -> {}", t.job(), t.command().reason(), u.record().state());
    }
  }

  private void takeBack(TakeBackTasks t, long now) {
    if (!live()) {
      return;
    }
    BlockUpdate.Result u = table.updateBlock(t.blockKey(), t.command());
    seen(u, now);
    if (u.applied()) {
      LOG.info(
          "{} tasks of array {} taken back: {}",
          u.changed().length,
          t.arrayId(),
          t.command().reason());
    }
  }

  /**
   * Writes the dependency decisions: an array's blocks first (read from the map, every one), then
   * its own record, only if every block was written.
   */
  private void resolve(List<Resolve> decisions, long now) {
    List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
    for (Resolve r : decisions) {
      if (!live()) {
        continue;
      }
      if (r.array() && !resolveBlocks(r.job(), r.command(), now)) {
        continue;
      }
      results.add(table.updateAsync(r.job(), r.command()).toCompletableFuture());
    }
    for (CompletableFuture<UpdateResult> f : results) {
      try {
        UpdateResult u = f.join();
        seen(u, now);
      } catch (RuntimeException e) {
        LOG.warn("a dependency decision could not be written; deciding again later", e);
      }
    }
  }

  /** Applies a decision to every block of the array; false if one could not be written. */
  private boolean resolveBlocks(JobId arrayId, JobCommand.Resolve d, long now) {
    List<CompletableFuture<BlockUpdate.Result>> results = new ArrayList<>();
    for (TaskBlock b : table.blocksOf(arrayId)) {
      results.add(
          table
              .updateBlockAsync(
                  b.key(), new BlockCommand.Resolve(epoch, d.to(), d.reason(), d.atMillis()))
              .toCompletableFuture());
    }
    boolean all = true;
    for (CompletableFuture<BlockUpdate.Result> f : results) {
      try {
        seen(f.join(), now);
      } catch (RuntimeException e) {
        LOG.warn(
            "a dependency decision for array {} could not be written; deciding again later",
            arrayId,
            e);
        all = false;
      }
    }
    return all;
  }

  /**
   * Writes the dispatches, all at once, then sends each job's run message and each slice once its
   * write applied: a worker never gets work the map does not say it holds.
   */
  private void dispatch(
      List<Dispatch> jobs, List<DispatchSlice> slices, PrimaryPlan plan, long now) {
    if ((jobs.isEmpty() && slices.isEmpty()) || !live()) {
      return;
    }
    List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
    for (Dispatch d : jobs) {
      results.add(table.updateAsync(d.job(), d.command()).toCompletableFuture());
    }
    List<CompletableFuture<BlockUpdate.Result>> sliced = new ArrayList<>();
    for (DispatchSlice d : slices) {
      sliced.add(table.updateBlockAsync(d.blockKey(), d.command()).toCompletableFuture());
    }
    lastWorker = plan.lastWorker();
    Map<String, List<JobRecord>> toRun = new HashMap<>();
    for (CompletableFuture<UpdateResult> f : results) {
      UpdateResult r;
      try {
        r = f.join();
      } catch (RuntimeException e) {
        // Unknown whether it applied: if it did, the job is DISPATCHED with no message sent,
        // and the dispatch timeout hands it out again.
        LOG.warn("a dispatch write failed", e);
        continue;
      }
      seen(r, now);
      if (r.applied()) {
        w.dispatched().incrementAndGet();
        timers.dispatchSeen().put(r.record().id(), now);
        toRun.computeIfAbsent(r.record().workerId(), x -> new ArrayList<>()).add(r.record());
      }
    }
    toRun.values().forEach(batch -> table.sendRunAll(batch, epoch));
    for (CompletableFuture<BlockUpdate.Result> f : sliced) {
      BlockUpdate.Result r;
      try {
        r = f.join();
      } catch (RuntimeException e) {
        LOG.warn("a slice's dispatch write failed", e); // as above: the timeout takes it back
        continue;
      }
      seen(r, now);
      JobRecord array = index.get(r.block() == null ? null : r.block().arrayId());
      if (r.applied() && array != null) {
        w.dispatched().addAndGet(r.changed().length);
        table.sendSlice(PrimaryPlanner.slice(array, r.block(), r.changed(), epoch));
      }
    }
  }
}
