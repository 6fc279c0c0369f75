package dev.grid.scheduler;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the primary does while it holds the lease: keep an index of unfinished jobs, hand queued
 * jobs to workers round-robin ({@link Dispatcher}), and take jobs back from workers that are gone
 * ({@link JobCommand.Reclaim}).
 *
 * <p>Concurrency: everything runs on one thread ({@code grid-dispatch}); map events and membership
 * changes are queued to it. A session lives for one epoch: {@link #activate} starts one, {@link
 * #deactivate} (or losing the lease, checked before every batch) ends it. Every write carries the
 * session's epoch, so a session that outlives its lease is fenced by {@link JobUpdate} and by the
 * workers.
 */
public final class PrimaryService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrimaryService.class);
  private static final Object WAKE = new Object();
  private static final int BATCH = 512;

  /**
   * An array whose tasks run this long or longer (on average, once some have ended) is handed out
   * one task per free slot; shorter ones in deeper slices (see {@link Dispatcher}).
   */
  static final double FAST_TASK_MILLIS = 50;

  /** About how long a slice's tasks wait on their worker, started but not yet running. */
  static final double SLICE_WAIT_MILLIS = 100;

  /** The most tasks per slot a worker holds of a fast array. */
  static final int MAX_DEPTH = 64;

  /**
   * Timings.
   *
   * @param tick the longest the loop waits when nothing happens
   * @param reconcileEvery how often to look for jobs of workers that are gone
   * @param dispatchTimeout how long a dispatched job may stay unstarted before it is reclaimed
   * @param reclaimGrace how long a worker must have been gone before its jobs are taken back:
   *     longer than a worker that is frozen or cut off takes to stop them itself (the node's
   *     fence), so a job never runs on it and elsewhere at the same time
   */
  public record Settings(
      Duration tick, Duration reconcileEvery, Duration dispatchTimeout, Duration reclaimGrace) {
    public static Settings defaults() {
      return new Settings(
          Duration.ofMillis(100),
          Duration.ofMillis(500),
          Duration.ofSeconds(5),
          Duration.ofSeconds(4));
    }

    /** These settings with another reclaim grace. */
    public Settings withReclaimGrace(Duration grace) {
      return new Settings(tick, reconcileEvery, dispatchTimeout, grace);
    }
  }

  private final HazelcastInstance hz;
  private final JobTable table;
  private final Clock clock;
  private final LongPredicate holdsLease;
  private final Settings settings;
  private final ExecutorService loop;
  private final AtomicLong dispatched = new AtomicLong();
  private final HazelcastListeners listeners;

  /** Logs where the loop waits when one pass takes over 10 s. */
  private final StallWatch watch =
      new StallWatch("dispatch", Duration.ofSeconds(10), System::nanoTime);

  private volatile Session session;
  private volatile boolean closed;

  /**
   * A service that dispatches nothing until {@link #activate}d. Its map and membership listeners
   * are registered here, once, when the node starts, and feed whichever session is active:
   * registering or removing a listener is a call to every member that Hazelcast retries, without a
   * bound, while a member is cut off (it held a node's role change for 80 s in a chaos run), so a
   * change of primary must not make one.
   */
  public PrimaryService(
      HazelcastInstance hz,
      JobTable table,
      Clock clock,
      LongPredicate holdsLease,
      Settings settings) {
    this.hz = hz;
    this.table = table;
    this.clock = clock;
    this.holdsLease = holdsLease;
    this.settings = settings;
    this.loop =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "grid-dispatch");
              t.setDaemon(true);
              return t;
            });
    this.listeners = new HazelcastListeners("dispatch");
    listeners.onEntries(table.map(), new Events<JobId, JobRecord>(this::offer));
    listeners.onEntries(table.blockMap(), new Events<String, TaskBlock>(this::offer));
    listeners.onMembers(
        hz,
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent e) {
            offer(WAKE);
          }

          @Override
          public void memberRemoved(MembershipEvent e) {
            Session s = session;
            if (s != null) {
              s.nextReconcile = 0;
              s.rereadBlocks = true;
              s.inbox.offer(WAKE);
            }
          }
        });
  }

  /** Hands an event to the active session; without one, it is dropped (a session reads all). */
  private void offer(Object event) {
    Session s = session;
    if (s != null) {
      s.inbox.offer(event);
    }
  }

  /**
   * Starts dispatching under {@code epoch}; ends any earlier session first. Returns at once: the
   * session's first pass reads every unfinished job, so it needs no events from before it.
   */
  public synchronized void activate(long epoch) {
    if (closed || (session != null && session.epoch == epoch)) {
      return;
    }
    deactivate();
    Session s = new Session(epoch);
    session = s;
    loop.execute(() -> s.run());
    LOG.info("dispatching as primary, epoch {}", epoch);
  }

  /** Stops dispatching; idempotent. */
  public synchronized void deactivate() {
    Session s = session;
    session = null;
    if (s != null) {
      s.stop();
      LOG.info("stopped dispatching, epoch {}", s.epoch);
    }
  }

  /** Whether a session is dispatching. */
  public boolean isActive() {
    return session != null;
  }

  /** Jobs handed to workers by this node since it started. */
  public long dispatchedCount() {
    return dispatched.get();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deactivate();
    listeners.close();
    watch.close();
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One epoch's dispatching. */
  private final class Session {
    final long epoch;
    final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    final JobIndex index = new JobIndex();

    /** The blocks of arrays' tasks that have not all ended. */
    final BlockIndex blocks = new BlockIndex();

    final Map<JobId, Long> dispatchSeen = new HashMap<>();

    /** When each dispatched slot ({@code block:slot:attempt}) was first seen unstarted. */
    Map<String, Long> slotsSeen = new HashMap<>();

    /** When ({@link System#nanoTime}) this session first saw each worker that holds jobs gone. */
    final Map<String, Long> goneSince = new HashMap<>();

    volatile boolean stopped;

    /** Whether the first pass has read every unfinished job and block. */
    boolean loaded;

    String lastWorker;

    /** Set when a job ended or a waiting one came: waiting jobs are decided again. */
    boolean dependenciesChanged = true;

    /** Set to 0 by the membership listener to reconcile at once. */
    volatile long nextReconcile;

    /**
     * Set when the blocks must be read again: when a member left (the map events of a write its
     * owner applied just before it died can be lost).
     */
    volatile boolean rereadBlocks;

    Session(long epoch) {
      this.epoch = epoch;
    }

    void stop() {
      stopped = true;
      inbox.offer(WAKE);
    }

    /** One pass of the loop, given the first event it woke for (or null). */
    void pass(Object first) {
      drain(first);
      if (!live()) {
        return;
      }
      if (!loaded || rereadBlocks) {
        long now = clock.millis();
        if (!loaded) {
          for (JobRecord r : table.unfinished()) {
            index.offer(r, now);
          }
        }
        readBlocks(now);
        rereadBlocks = false;
        if (!loaded) {
          resendDispatched();
        }
        loaded = true;
      }
      if (clock.millis() >= nextReconcile) {
        reconcile();
        dependenciesChanged = true;
        nextReconcile = clock.millis() + settings.reconcileEvery().toMillis();
      }
      if (dependenciesChanged) {
        dependenciesChanged = false;
        resolveWaiting();
      }
      dispatch();
    }

    boolean live() {
      return !stopped && !closed && holdsLease.test(epoch);
    }

    /**
     * The loop lives as long as the session: a failed pass (a Hazelcast call that times out while
     * partitions migrate, say) is logged and retried, and a moment without the lease (a renewal
     * late after a pause) skips the work rather than ending the loop. Only {@link #stop} ends it.
     */
    void run() {
      while (!stopped && !closed) {
        try {
          Object first = inbox.poll(settings.tick().toMillis(), TimeUnit.MILLISECONDS);
          try (StallWatch.Entry pass = watch.enter("a dispatch pass, epoch " + epoch)) {
            pass(first);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (!stopped) {
            LOG.warn("dispatch pass failed, epoch {}; retrying", epoch, e);
            LockSupport.parkNanos(settings.tick().toNanos());
          }
        }
      }
    }

    /**
     * Reads the blocks with unfinished tasks, and the blocks known here that are not among them:
     * those ended (or were deleted) since, maybe by a write whose owner died before its event went
     * out, and a stale copy here would hold its worker's slots for ever.
     */
    void readBlocks(long now) {
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

    /** A record from an event or from this session's own write. */
    void seen(JobRecord r, long now) {
      index.offer(r, now);
    }

    /** What an update returned: applied, the new record; refused, the record as it stands. */
    void seen(UpdateResult u, long now) {
      if (u.record() == null) {
        return;
      }
      if (u.applied()) {
        seen(u.record(), now);
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
    void seen(BlockUpdate.Result u, long now) {
      if (u.block() == null) {
        return;
      }
      if (u.applied()) {
        blocks.offer(u.block(), now);
      } else {
        blocks.correct(u.block(), now);
      }
      dependenciesChanged |= u.block().allEnded();
    }

    void drain(Object first) {
      long now = clock.millis();
      for (Object o = first; o != null; o = inbox.poll()) {
        if (o instanceof JobRecord r) {
          seen(r, now);
          dependenciesChanged |= r.state().isTerminal() || r.state() == JobState.WAITING;
        } else if (o instanceof TaskBlock b && blocks.offer(b, now)) {
          dependenciesChanged |= b.allEnded();
        }
      }
    }

    /**
     * Decides every waiting job and array from the parents' replicated records ({@link
     * DependencyCheck}): queued, cancelled with the reason, or left waiting. A parent still
     * unfinished here is not looked up; others are read from the map, an array's tasks counted
     * where its blocks live. An array's blocks are decided before its own record, so a primary that
     * fails over between the two decides the array again, the same way.
     */
    void resolveWaiting() {
      List<JobRecord> waiting = index.waiting();
      if (waiting.isEmpty()) {
        return;
      }
      long now = clock.millis();
      Map<JobId, DependencyCheck.Parent> parents = new HashMap<>();
      List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
      for (JobRecord r : waiting) {
        DependencyCheck.Decision d =
            DependencyCheck.decide(
                r.spec().after(), id -> parents.computeIfAbsent(id, this::parent));
        if (d.to() == null || !live()) {
          continue;
        }
        if (r.arrayParent() && !resolveBlocks(r.id(), d, now)) {
          continue;
        }
        results.add(
            table
                .updateAsync(r.id(), new JobCommand.Resolve(epoch, d.to(), d.reason(), now))
                .toCompletableFuture());
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
    private boolean resolveBlocks(JobId arrayId, DependencyCheck.Decision d, long now) {
      List<CompletableFuture<BlockUpdate.Result>> results = new ArrayList<>();
      for (TaskBlock b : table.blocksOf(arrayId)) {
        results.add(
            table
                .updateBlockAsync(b.key(), new BlockCommand.Resolve(epoch, d.to(), d.reason(), now))
                .toCompletableFuture());
      }
      boolean all = true;
      for (CompletableFuture<BlockUpdate.Result> f : results) {
        try {
          seen(f.join(), now);
        } catch (RuntimeException e) {
          LOG.warn(
              "a dependency decision for array {} could not be written; deciding again" + " later",
              arrayId,
              e);
          all = false;
        }
      }
      return all;
    }

    private DependencyCheck.Parent parent(JobId id) {
      JobRecord known = index.get(id);
      if (known != null && known.arrayParent() && blocks.unfinishedTasks(id) > 0) {
        return new DependencyCheck.Parent(id, JobState.RUNNING, null);
      }
      if (known != null && !known.arrayParent()) {
        return new DependencyCheck.Parent(id, known.state(), null);
      }
      JobRecord r = known != null ? known : table.get(id).orElse(null);
      if (r == null) {
        return null;
      }
      if (!r.arrayParent()) {
        return new DependencyCheck.Parent(id, r.state(), null);
      }
      Map<JobState, Integer> counts = table.arrayCounts(id);
      return new DependencyCheck.Parent(
          id, ArrayProgress.state(counts), ArrayProgress.describe(counts));
    }

    /** Work an earlier primary dispatched that has not started: hand it over again. */
    void resendDispatched() {
      Map<String, List<JobRecord>> toRun = new HashMap<>();
      for (JobRecord r : index.active()) {
        if (r.state() == JobState.DISPATCHED) {
          toRun.computeIfAbsent(r.workerId(), w -> new ArrayList<>()).add(r);
        }
      }
      toRun.values().forEach(batch -> table.sendRunAll(batch, epoch));
      for (TaskBlock b : blocks.all()) {
        JobRecord array = index.get(b.arrayId());
        if (array == null) {
          continue;
        }
        Map<String, List<Integer>> byWorker = new HashMap<>();
        for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
          if (b.has(slot) && b.state(slot) == JobState.DISPATCHED) {
            byWorker.computeIfAbsent(b.workerId(slot), w -> new ArrayList<>()).add(slot);
          }
        }
        byWorker.values().forEach(slots -> table.sendSlice(slice(array, b, toArray(slots))));
      }
    }

    /** The slice of the given slots of a block, as dispatched (node, worker, attempts). */
    private TaskSlice slice(JobRecord array, TaskBlock b, int[] slots) {
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

    /**
     * Hands queued work to workers with room ({@link Dispatcher}): jobs one per free slot, arrays'
     * tasks in slices. Only as many queued jobs are taken from the index as there are free slots:
     * the loop runs after every batch of map events, mostly with every slot taken.
     */
    void dispatch() {
      Map<String, Member> byName = new HashMap<>();
      List<Dispatcher.Worker> workers = new ArrayList<>();
      Map<String, Integer> singles = index.activeByWorker();
      Map<String, Integer> tasks = blocks.activeByWorker();
      int free = 0;
      for (Member m : hz.getCluster().getMembers()) {
        String name = m.getAttribute(ClusterSettings.NAME_ATTRIBUTE);
        String slots = m.getAttribute(ClusterSettings.SLOTS_ATTRIBUTE);
        if (name == null || slots == null) {
          continue;
        }
        byName.put(name, m);
        String uuid = m.getUuid().toString();
        Dispatcher.Worker w =
            new Dispatcher.Worker(
                name,
                Integer.parseInt(slots),
                singles.getOrDefault(uuid, 0) + tasks.getOrDefault(uuid, 0));
        workers.add(w);
        free += w.free();
      }
      List<Dispatcher.Demand> queue = demands(free);
      if (queue.isEmpty() || workers.isEmpty()) {
        return;
      }
      Dispatcher.Plan plan = Dispatcher.plan(new Dispatcher.Snapshot(queue, workers, lastWorker));
      if ((plan.assignments().isEmpty() && plan.slices().isEmpty()) || !live()) {
        return;
      }
      long now = clock.millis();
      List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
      for (Dispatcher.Assignment a : plan.assignments()) {
        String workerId = byName.get(a.worker()).getUuid().toString();
        results.add(
            table
                .updateAsync(a.job(), new JobCommand.Dispatch(epoch, a.worker(), workerId, now))
                .toCompletableFuture());
      }
      List<CompletableFuture<BlockUpdate.Result>> sliced = dispatchSlices(plan, byName, now);
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
          dispatched.incrementAndGet();
          dispatchSeen.put(r.record().id(), now);
          toRun.computeIfAbsent(r.record().workerId(), w -> new ArrayList<>()).add(r.record());
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
          dispatched.addAndGet(r.changed().length);
          table.sendSlice(slice(array, r.block(), r.changed()));
        }
      }
    }

    /**
     * The queue as the dispatcher sees it: up to {@code free} queued jobs and every array with
     * queued tasks known here, oldest first.
     */
    private List<Dispatcher.Demand> demands(int free) {
      // At least the oldest job, even with no free slot: an array behind it must then wait.
      List<JobRecord> jobs = index.queued(Math.min(BATCH, Math.max(1, free)));
      List<JobRecord> arrays = new ArrayList<>();
      for (JobRecord a : index.queuedArrays()) {
        if (blocks.queuedTasks(a.id()) > 0) {
          arrays.add(a);
        }
      }
      List<JobRecord> all = new ArrayList<>(jobs);
      all.addAll(arrays);
      all.sort(JobRecord.SUBMIT_ORDER);
      List<Dispatcher.Demand> out = new ArrayList<>(all.size());
      for (JobRecord r : all) {
        if (!r.arrayParent()) {
          out.add(new Dispatcher.Job(r.id()));
          continue;
        }
        Integer limit = r.spec().array().limit();
        int room =
            limit == null ? Integer.MAX_VALUE : Math.max(0, limit - blocks.activeTasks(r.id()));
        out.add(new Dispatcher.Array(r.id(), blocks.queuedTasks(r.id()), room, depth(r)));
      }
      return out;
    }

    /**
     * Tasks per slot a worker may hold of this array: 1 for a capped array (its cap counts tasks
     * held, and a user capping at 50 expects 50 to run) and for tasks of unknown or long run time;
     * for short tasks, enough that a started task waits about {@value #SLICE_WAIT_MILLIS} ms for
     * its slot, at most {@value #MAX_DEPTH}.
     */
    private int depth(JobRecord array) {
      Double mean = blocks.meanMillis(array.id());
      if (array.spec().array().limit() != null || mean == null || mean >= FAST_TASK_MILLIS) {
        return 1;
      }
      return (int) Math.max(1, Math.min(MAX_DEPTH, SLICE_WAIT_MILLIS / Math.max(mean, 0.1)));
    }

    /** Writes the plan's slices: the queued slots of each array, a block at a time. */
    private List<CompletableFuture<BlockUpdate.Result>> dispatchSlices(
        Dispatcher.Plan plan, Map<String, Member> byName, long now) {
      List<CompletableFuture<BlockUpdate.Result>> out = new ArrayList<>();
      Map<String, java.util.BitSet> taken = new HashMap<>();
      for (Dispatcher.Slice s : plan.slices()) {
        String workerId = byName.get(s.worker()).getUuid().toString();
        int left = s.count();
        for (TaskBlock b : blocks.blocksOf(s.array())) {
          if (left == 0) {
            break;
          }
          java.util.BitSet used = taken.computeIfAbsent(b.key(), k -> new java.util.BitSet());
          List<Integer> slots = new ArrayList<>();
          for (int slot = 0; slot < TaskBlock.SIZE && left > 0; slot++) {
            if (b.has(slot) && b.state(slot) == JobState.QUEUED && !used.get(slot)) {
              used.set(slot);
              slots.add(slot);
              left--;
            }
          }
          if (!slots.isEmpty()) {
            out.add(
                table
                    .updateBlockAsync(
                        b.key(),
                        new BlockCommand.Dispatch(epoch, s.worker(), workerId, toArray(slots), now))
                    .toCompletableFuture());
          }
        }
      }
      return out;
    }

    private static int[] toArray(List<Integer> ints) {
      return ints.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Takes back jobs and tasks whose worker is gone, or that a live worker never started. */
    void reconcile() {
      long now = clock.millis();
      Set<String> live = new HashSet<>();
      for (Member m : hz.getCluster().getMembers()) {
        live.add(m.getUuid().toString());
      }
      Set<String> stillGone = new HashSet<>();
      for (JobRecord r : index.active()) {
        String reason = null;
        boolean workerGone = !live.contains(r.workerId());
        if (workerGone) {
          stillGone.add(r.workerId());
          if (!goneLongEnough(r.workerId())) {
            continue; // it may still be stopping its jobs itself (frozen or cut off)
          }
          reason = "worker " + r.node() + " left the grid";
        } else if (r.state() == JobState.DISPATCHED) {
          long seen = dispatchSeen.computeIfAbsent(r.id(), id -> now);
          if (now - seen > settings.dispatchTimeout().toMillis()) {
            reason =
                "worker "
                    + r.node()
                    + " did not start it within "
                    + settings.dispatchTimeout().toSeconds()
                    + "s";
          }
        }
        if (reason != null && live()) {
          UpdateResult u =
              table.update(
                  r.id(), new JobCommand.Reclaim(epoch, r.attempt(), !workerGone, reason, now));
          seen(u, now);
          if (u.applied()) {
            LOG.info("job {} taken back: {} -> {}", r.id(), reason, u.record().state());
          }
        }
      }
      reconcileBlocks(live, stillGone, now);
      goneSince.keySet().retainAll(stillGone);
      dispatchSeen
          .keySet()
          .removeIf(
              id -> {
                JobRecord r = index.get(id);
                return r == null || r.state() != JobState.DISPATCHED;
              });
      index.pruneEnded(now - 60_000);
      blocks.pruneEnded(now - 60_000);
    }

    /**
     * The same for arrays' tasks, a block and a worker at a time: every task of a worker gone past
     * the grace in one {@link BlockCommand.Reclaim}, and the slots a live worker left unstarted
     * past the dispatch timeout in another.
     */
    private void reconcileBlocks(Set<String> live, Set<String> stillGone, long now) {
      Map<String, Long> seenNow = new HashMap<>();
      for (TaskBlock b : blocks.all()) {
        JobRecord array = index.get(b.arrayId());
        int maxRetries = array == null ? 0 : array.spec().maxRetries();
        Set<String> gone = new HashSet<>();
        Map<String, List<Integer>> unstarted = new HashMap<>();
        for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
          if (!b.has(slot) || !b.state(slot).isActive()) {
            continue;
          }
          String worker = b.workerId(slot);
          if (!live.contains(worker)) {
            stillGone.add(worker);
            if (goneLongEnough(worker)) {
              gone.add(worker);
            }
          } else if (b.state(slot) == JobState.DISPATCHED) {
            String key = b.key() + ":" + slot + ":" + b.attempts()[slot];
            long seen = slotsSeen.getOrDefault(key, now);
            seenNow.put(key, seen);
            if (now - seen > settings.dispatchTimeout().toMillis()) {
              unstarted.computeIfAbsent(worker, w -> new ArrayList<>()).add(slot);
            }
          }
        }
        for (String worker : gone) {
          reclaim(
              b,
              new BlockCommand.Reclaim(
                  epoch,
                  worker,
                  null,
                  null,
                  false,
                  maxRetries,
                  "worker " + nodeOf(b, worker) + " left the grid",
                  now),
              now);
        }
        for (Map.Entry<String, List<Integer>> e : unstarted.entrySet()) {
          int[] slots = toArray(e.getValue());
          int[] attempts = new int[slots.length];
          for (int i = 0; i < slots.length; i++) {
            attempts[i] = b.attempts()[slots[i]];
          }
          reclaim(
              b,
              new BlockCommand.Reclaim(
                  epoch,
                  e.getKey(),
                  slots,
                  attempts,
                  true,
                  maxRetries,
                  "worker "
                      + nodeOf(b, e.getKey())
                      + " did not start it within "
                      + settings.dispatchTimeout().toSeconds()
                      + "s",
                  now),
              now);
        }
      }
      slotsSeen = seenNow;
    }

    private void reclaim(TaskBlock b, BlockCommand.Reclaim command, long now) {
      if (!live()) {
        return;
      }
      BlockUpdate.Result u = table.updateBlock(b.key(), command);
      seen(u, now);
      if (u.applied()) {
        LOG.info(
            "{} tasks of array {} taken back: {}",
            u.changed().length,
            b.arrayId(),
            command.reason());
      }
    }

    private String nodeOf(TaskBlock b, String workerId) {
      int i = b.workerIds().indexOf(workerId);
      return i < 0 ? workerId : b.nodes().get(i);
    }

    /**
     * Whether the worker has been gone for the reclaim grace (counted from when this session first
     * saw it gone, on the monotonic clock: a wall-clock step must not cut it short).
     */
    private boolean goneLongEnough(String workerId) {
      long monotonic = System.nanoTime();
      long gone = goneSince.computeIfAbsent(workerId, w -> monotonic);
      return monotonic - gone >= settings.reclaimGrace().toNanos();
    }
  }

  /**
   * Map events, queued to the dispatch thread. Records loaded from the blob store after a full
   * restart come as LOADED events, which an added-listener does not hear; the grid loads them
   * before it dispatches (and the session's first pass reads the map), so hearing them here only
   * matters if a load ever runs while a primary dispatches.
   *
   * <p>Records a member accepted while it was cut off (a node paused past the failure detection
   * wakes up as a grid of one and takes jobs until Hazelcast merges it back) come as MERGED events:
   * without hearing them the primary never dispatched those jobs.
   */
  private record Events<K, V>(Consumer<Object> inbox)
      implements EntryAddedListener<K, V>,
          EntryUpdatedListener<K, V>,
          EntryLoadedListener<K, V>,
          EntryMergedListener<K, V> {
    @Override
    public void entryMerged(EntryEvent<K, V> e) {
      inbox.accept(e.getValue());
    }

    @Override
    public void entryAdded(EntryEvent<K, V> e) {
      inbox.accept(e.getValue());
    }

    @Override
    public void entryLoaded(EntryEvent<K, V> e) {
      inbox.accept(e.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<K, V> e) {
      inbox.accept(e.getValue());
    }
  }
}
