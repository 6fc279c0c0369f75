package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.PrimaryPlan.Dispatch;
import dev.grid.scheduler.PrimaryPlan.DispatchSlice;
import dev.grid.scheduler.PrimaryPlan.Resolve;
import dev.grid.scheduler.PrimaryPlan.TakeBack;
import dev.grid.scheduler.PrimaryPlan.TakeBackTasks;
import dev.grid.scheduler.PrimaryPlan.Timers;
import dev.grid.scheduler.PrimaryPlanner.Node;
import dev.grid.scheduler.PrimaryPlanner.Snapshot;
import dev.grid.scheduler.PrimaryPlanner.Step;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * The primary's passes without a cluster: the real {@link PrimaryPlanner} and indexes, fed and
 * written as {@link PrimarySession} feeds and writes them, but over records held in this JVM's
 * memory instead of the Hazelcast maps. It exists so that a benchmark ({@code bin/bench scale}) can
 * drive the primary's decisions at a size no test cluster reaches (a thousand workers, a million
 * queued jobs); a node never uses it.
 *
 * <p>What it keeps apart as a grid does: the records (the maps' stand-in, written by {@link
 * JobUpdate} and {@link BlockUpdate} as the entry processors write them), and the primary's
 * indexes, which learn of every write through an inbox of events drained at the start of each pass,
 * and of the primary's own writes at once. The caller plays the workers: it starts and finishes the
 * work a pass handed out ({@link #start}, {@link #finish}).
 *
 * <p>Confined to one thread, like the session it stands in for.
 */
public final class InMemoryPrimary {
  /** Work handed to a worker by a pass: one job, or a slice of an array's tasks. */
  public sealed interface Work {
    /** The worker's node name. */
    String node();

    /** The worker's member id. */
    String workerId();

    /** How many jobs or tasks it is. */
    int size();
  }

  /** One job to one worker, at this attempt. */
  public record JobWork(JobId job, String node, String workerId, int attempt) implements Work {
    @Override
    public int size() {
      return 1;
    }
  }

  /** Queued tasks of one block (these slots, at these attempts) to one worker. */
  public record TaskWork(
      String blockKey, JobId array, String node, String workerId, int[] slots, int[] attempts)
      implements Work {
    @Override
    public int size() {
      return slots.length;
    }
  }

  private final long epoch;
  private final PrimaryService.Settings settings;
  private final Map<JobId, JobRecord> records = new HashMap<>();
  private final Map<String, TaskBlock> blockRecords = new HashMap<>();
  private final Queue<Object> inbox = new ArrayDeque<>();
  private final JobIndex index = new JobIndex();
  private final BlockIndex blocks = new BlockIndex();
  private final List<Node> members = new ArrayList<>();
  private final Map<String, Integer> queueLimits = new HashMap<>();
  private Timers timers = Timers.none();
  private String lastWorker;
  private boolean dependenciesChanged = true;
  private long nextReconcile;

  /** A primary of this epoch, with these timings (the reconcile period, the dispatch timeout). */
  public InMemoryPrimary(long epoch, PrimaryService.Settings settings) {
    this.epoch = epoch;
    this.settings = settings;
  }

  /** A live worker, as its member attributes declare it ({@code --slots --labels --cpus --mem}). */
  public void addWorker(
      String workerId, String node, int slots, Set<String> labels, int cpus, long memoryBytes) {
    members.add(new Node(workerId, node, slots, labels, cpus, memoryBytes));
  }

  /** Caps the slots a queue's work may hold at once ({@code bin/queue set NAME --max-slots N}). */
  public void limitQueue(String queue, int maxSlots) {
    queueLimits.put(queue, maxSlots);
  }

  /**
   * Accepts a job or an array (its blocks created with it) submitted at {@code submittedAtMillis},
   * and lets the index know at once, as a primary that has read it: the queue is full before the
   * first pass.
   */
  public void submit(JobId id, JobSpec spec, long submittedAtMillis) {
    JobRecord r = JobRecord.queued(id, spec, submittedAtMillis);
    records.put(id, r);
    index.offer(r, submittedAtMillis);
    if (r.arrayParent()) {
      for (TaskBlock b : TaskBlock.created(id, spec, submittedAtMillis)) {
        blockRecords.put(b.key(), b);
        blocks.offer(b, submittedAtMillis);
      }
    }
  }

  /**
   * One pass of the primary's loop at these clocks, as {@link PrimarySession#pass} runs it: take in
   * the events, take back and prune every {@code reconcileEvery}, decide waiting jobs when
   * something ended, then dispatch. Returns the work handed out, which the caller's workers must
   * {@link #start}.
   */
  public List<Work> pass(long nowMillis, long nowNanos) {
    drain(nowMillis);
    if (nowMillis >= nextReconcile) {
      carryOut(Step.TAKE_BACK, nowMillis, nowNanos);
      index.pruneEnded(nowMillis - 60_000);
      blocks.pruneEnded(nowMillis - 60_000);
      dependenciesChanged = true;
      nextReconcile = nowMillis + settings.reconcileEvery().toMillis();
    }
    if (dependenciesChanged) {
      dependenciesChanged = false;
      carryOut(Step.RESOLVE, nowMillis, nowNanos);
    }
    List<Work> out = carryOut(Step.DISPATCH, nowMillis, nowNanos);
    index.counts(blocks.queuedTasks()); // published after every pass, as the session does
    return out;
  }

  /** A worker starts the work it was handed. */
  public void start(Work work, long atMillis) {
    if (work instanceof JobWork j) {
      write(j.job(), new JobCommand.Start(j.node(), j.attempt(), atMillis));
    } else if (work instanceof TaskWork t) {
      writeBlock(t.blockKey(), new BlockCommand.Start(t.node(), t.slots(), t.attempts(), atMillis));
    }
  }

  /** A worker reports that the work ended with exit code 0. */
  public void finish(Work work, long startedAtMillis, long endedAtMillis) {
    if (work instanceof JobWork j) {
      write(
          j.job(),
          new JobCommand.Finish(
              j.node(), j.attempt(), JobState.SUCCEEDED, 0, null, 0, 0, false, endedAtMillis));
    } else if (work instanceof TaskWork t) {
      List<BlockCommand.Ended> ended = new ArrayList<>(t.slots().length);
      for (int i = 0; i < t.slots().length; i++) {
        ended.add(
            new BlockCommand.Ended(
                t.slots()[i],
                t.attempts()[i],
                JobState.SUCCEEDED,
                0,
                null,
                startedAtMillis,
                endedAtMillis,
                0,
                0,
                false));
      }
      writeBlock(t.blockKey(), new BlockCommand.Finish(t.node(), ended, endedAtMillis));
    }
  }

  /** The job's record as written last, or null. */
  public JobRecord record(JobId id) {
    return records.get(id);
  }

  /** The block's record as written last, or null. */
  public TaskBlock block(String key) {
    return blockRecords.get(key);
  }

  private void drain(long nowMillis) {
    for (Object o = inbox.poll(); o != null; o = inbox.poll()) {
      if (o instanceof JobRecord r) {
        index.offer(r, nowMillis);
        dependenciesChanged |= r.state().isTerminal() || r.state() == JobState.WAITING;
      } else if (o instanceof TaskBlock b && blocks.offer(b, nowMillis)) {
        dependenciesChanged |= b.allEnded();
      }
    }
  }

  /** Plans one step from a fresh snapshot and writes its decisions; returns the work handed out. */
  private List<Work> carryOut(Step step, long nowMillis, long nowNanos) {
    Map<JobId, DependencyCheck.Parent> lookedUp = new HashMap<>();
    if (step == Step.RESOLVE) {
      for (JobId id : PrimaryPlanner.parentsToLookUp(index, blocks)) {
        JobRecord r = records.get(id);
        if (r != null && !r.arrayParent()) {
          lookedUp.put(id, new DependencyCheck.Parent(id, r.state(), null));
        }
      }
    }
    PrimaryPlan plan =
        PrimaryPlanner.plan(
            new Snapshot(
                epoch,
                settings,
                EnumSet.of(step),
                index,
                blocks,
                members,
                timers,
                lastWorker,
                lookedUp,
                nowMillis,
                nowNanos,
                queueLimits));
    timers = plan.timers();
    plan.actions(TakeBack.class).forEach(t -> seen(write(t.job(), t.command()), nowMillis));
    plan.actions(TakeBackTasks.class)
        .forEach(t -> seen(writeBlock(t.blockKey(), t.command()), nowMillis));
    for (Resolve r : plan.actions(Resolve.class)) {
      seen(write(r.job(), r.command()), nowMillis);
    }
    List<Work> out = new ArrayList<>();
    for (Dispatch d : plan.actions(Dispatch.class)) {
      UpdateResult u = write(d.job(), d.command());
      seen(u, nowMillis);
      if (u.applied()) {
        timers.dispatchSeen().put(d.job(), nowMillis);
        out.add(
            new JobWork(d.job(), d.command().node(), d.command().workerId(), u.record().attempt()));
      }
    }
    for (DispatchSlice d : plan.actions(DispatchSlice.class)) {
      BlockUpdate.Result u = writeBlock(d.blockKey(), d.command());
      seen(u, nowMillis);
      if (u.applied() && u.changed().length > 0) {
        int[] attempts = new int[u.changed().length];
        for (int i = 0; i < attempts.length; i++) {
          attempts[i] = u.block().attempts()[u.changed()[i]];
        }
        out.add(
            new TaskWork(
                d.blockKey(),
                d.arrayId(),
                d.command().node(),
                d.command().workerId(),
                u.changed(),
                attempts));
      }
    }
    if (step == Step.DISPATCH) {
      lastWorker = plan.lastWorker();
    }
    return out;
  }

  /** The primary's own write, seen at once (its event comes later too, and is dropped then). */
  private void seen(UpdateResult u, long nowMillis) {
    if (u.record() == null) {
      return;
    }
    if (u.applied()) {
      index.offer(u.record(), nowMillis);
    } else {
      index.correct(u.record(), nowMillis);
    }
  }

  private void seen(BlockUpdate.Result u, long nowMillis) {
    dependenciesChanged |= blocks.seen(u, nowMillis);
  }

  /** Applies a command where the record lives; an applied write's event goes to the inbox. */
  private UpdateResult write(JobId id, JobCommand command) {
    JobRecord r = records.get(id);
    if (r == null) {
      return UpdateResult.refusedAs(null, "no record of " + id);
    }
    UpdateResult u = JobUpdate.apply(r, command);
    if (u.applied()) {
      records.put(id, u.record());
      inbox.add(u.record());
    }
    return u;
  }

  private BlockUpdate.Result writeBlock(String key, BlockCommand command) {
    TaskBlock b = blockRecords.get(key);
    if (b == null) {
      return new BlockUpdate.Result(null, new int[0], "no block " + key);
    }
    BlockUpdate.Result u = BlockUpdate.apply(b, command);
    if (u.applied()) {
      blockRecords.put(key, u.block());
      inbox.add(u.block());
    }
    return u;
  }
}
