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
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the primary does while it holds the lease: keep an index of unfinished jobs, hand queued
 * jobs to workers round-robin ({@link Dispatcher}), and take jobs back from workers that are gone
 * ({@link JobCommand.Reclaim}).
 *
 * <p>Concurrency: everything runs on one thread ({@code grid-dispatch}); map events and
 * membership changes are queued to it. A session lives for one epoch: {@link #activate} starts
 * one, {@link #deactivate} (or losing the lease, checked before every batch) ends it. Every write
 * carries the session's epoch, so a session that outlives its lease is fenced by {@link
 * JobUpdate} and by the workers.
 */
public final class PrimaryService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrimaryService.class);
  private static final Object WAKE = new Object();
  private static final int BATCH = 512;
  /** How often the changed task blocks are published, at most (see {@link TaskBlock}). */
  private static final long PUBLISH_EVERY_MILLIS = 200;
  /** How long an array whose tasks have all ended stays in the tally after its last change. */
  private static final long TALLY_KEEP_MILLIS = 600_000;

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
  public record Settings(Duration tick, Duration reconcileEvery, Duration dispatchTimeout,
      Duration reclaimGrace) {
    public static Settings defaults() {
      return new Settings(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(5),
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
  private volatile Session session;
  private volatile boolean closed;

  public PrimaryService(HazelcastInstance hz, JobTable table, Clock clock,
      LongPredicate holdsLease, Settings settings) {
    this.hz = hz;
    this.table = table;
    this.clock = clock;
    this.holdsLease = holdsLease;
    this.settings = settings;
    this.loop = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "grid-dispatch");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts dispatching under {@code epoch}; ends any earlier session first.
   *
   * <p>The listeners are registered outside the lock: registering is a call to every member,
   * which Hazelcast retries for minutes when members have just left (the rest of a grid that
   * is stopping). {@link #deactivate} and {@link #close} must not wait for that; a session they
   * ended while it registered is stopped here once the call returns, and never runs.
   */
  public void activate(long epoch) {
    Session s;
    synchronized (this) {
      if (closed || (session != null && session.epoch == epoch)) {
        return;
      }
      deactivate();
      s = new Session(epoch);
      session = s;
    }
    try {
      s.listen();
    } catch (RuntimeException e) {
      synchronized (this) {
        if (session == s) {
          session = null;
        }
      }
      s.stop();
      throw e;
    }
    synchronized (this) {
      if (session != s || closed) {
        s.stop(); // ended while registering: remove what it registered
        return;
      }
      loop.execute(() -> s.run());
    }
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
    /** Every array task's state, published as task blocks for status reads. */
    final TaskTally tally = new TaskTally();
    final Map<JobId, Long> dispatchSeen = new HashMap<>();
    /** When ({@link System#nanoTime}) this session first saw each worker that holds jobs gone. */
    final Map<String, Long> goneSince = new HashMap<>();
    volatile boolean stopped;
    volatile UUID entryListener;
    volatile UUID memberListener;
    String lastWorker;
    /** Set when a job ended or a waiting one came: waiting jobs are decided again. */
    boolean dependenciesChanged = true;
    /** Set to 0 by the membership listener to reconcile at once. */
    volatile long nextReconcile;
    /**
     * Set when the tally must read every task's record again: at the start, and when a member
     * left (the map events of a write its owner applied just before it died can be lost).
     */
    volatile boolean recount = true;
    /** Set by a failed block write: every block is published again. */
    volatile boolean publishFailed;
    long nextPublish;

    Session(long epoch) {
      this.epoch = epoch;
    }

    void listen() {
      entryListener = table.map().addEntryListener(new Events(inbox), true);
      memberListener = hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          inbox.offer(WAKE);
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          nextReconcile = 0;
          recount = true;
          inbox.offer(WAKE);
        }
      });
    }

    void stop() {
      stopped = true;
      inbox.offer(WAKE);
      try {
        if (entryListener != null) {
          table.map().removeEntryListener(entryListener);
        }
        if (memberListener != null) {
          hz.getCluster().removeMembershipListener(memberListener);
        }
      } catch (RuntimeException e) {
        LOG.debug("removing listeners failed (shutting down?)", e);
      }
    }

    boolean live() {
      return !stopped && !closed && holdsLease.test(epoch);
    }

    /**
     * The loop lives as long as the session: a failed pass (a Hazelcast call that times out
     * while partitions migrate, say) is logged and retried, and a moment without the lease (a
     * renewal late after a pause) skips the work rather than ending the loop. Only {@link
     * #stop} ends it.
     */
    void run() {
      boolean loaded = false;
      while (!stopped && !closed) {
        try {
          Object first = inbox.poll(settings.tick().toMillis(), TimeUnit.MILLISECONDS);
          drain(first);
          if (!live()) {
            continue;
          }
          if (!loaded) {
            long now = clock.millis();
            for (JobRecord r : table.unfinished()) {
              index.offer(r, now);
            }
            resendDispatched();
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
          publishBlocks();
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

    /** A record from an event or from this session's own write. */
    void seen(JobRecord r, long now) {
      index.offer(r, now);
      tally.offer(r, now);
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
        LOG.info("job {}: the copy known here (v{}, {}) is not the record (v{}, {}): {}",
            u.record().id(), known.version(), known.state(), u.record().version(),
            u.record().state(), u.refusal());
      }
      index.correct(u.record(), now);
      tally.offer(u.record(), now);
    }

    /**
     * Publishes the task blocks changed since the last time, at most every {@value
     * #PUBLISH_EVERY_MILLIS} ms, without waiting for the writes. Reads every task's state first
     * if {@link #recount} asks, so that no block is published from a partial view.
     */
    void publishBlocks() {
      long now = clock.millis();
      if (recount) {
        recount = false;
        for (TaskSlot t : table.taskSlots()) {
          tally.offer(t.arrayId(), t.index(), t.state(), t.version(), now);
        }
      }
      if (publishFailed) {
        publishFailed = false;
        tally.markAllChanged();
      }
      if (now < nextPublish || !live()) {
        return;
      }
      nextPublish = now + PUBLISH_EVERY_MILLIS;
      for (CompletableFuture<Boolean> f : table.publishBlocks(tally.takeChanged(epoch))) {
        f.whenComplete((ok, error) -> {
          if (error != null) {
            LOG.debug("publishing a task block failed; publishing all again", error);
            publishFailed = true;
          }
        });
      }
    }

    void drain(Object first) {
      long now = clock.millis();
      for (Object o = first; o != null; o = inbox.poll()) {
        if (o instanceof JobRecord r) {
          seen(r, now);
          dependenciesChanged |= r.state().isTerminal() || r.state() == JobState.WAITING;
        }
      }
    }

    /**
     * Decides every waiting job from the parents' replicated records ({@link DependencyCheck}):
     * queued, cancelled with the reason, or left waiting. A parent still unfinished in the index
     * is not looked up; others are read from the map, an array's tasks counted where they live.
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
        DependencyCheck.Decision d = DependencyCheck.decide(r.spec().after(),
            id -> parents.computeIfAbsent(id, this::parent));
        if (d.to() != null && live()) {
          results.add(table.updateAsync(r.id(),
              new JobCommand.Resolve(epoch, d.to(), d.reason(), now)).toCompletableFuture());
        }
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

    private DependencyCheck.Parent parent(JobId id) {
      JobRecord known = index.get(id);
      if (known != null && known.arrayParent() && index.unfinishedTasks(id) > 0) {
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
      // The tally, once it holds every task of the array, spares a scan of the grid's records.
      Map<JobState, Integer> counts = tally.counts(id);
      if (counts.values().stream().mapToInt(Integer::intValue).sum()
          != r.spec().array().indexList().size()) {
        counts = table.taskCounts(id);
      }
      return new DependencyCheck.Parent(id, ArrayProgress.state(counts),
          ArrayProgress.describe(counts));
    }

    /** Jobs an earlier primary dispatched but that have not started: hand them over again. */
    void resendDispatched() {
      Map<String, List<JobRecord>> toRun = new HashMap<>();
      for (JobRecord r : index.active()) {
        if (r.state() == JobState.DISPATCHED) {
          toRun.computeIfAbsent(r.workerId(), w -> new ArrayList<>()).add(r);
        }
      }
      toRun.values().forEach(batch -> table.sendRunAll(batch, epoch));
    }

    /**
     * Hands queued jobs to workers with a free slot. The workers' free slots are counted first,
     * and only that many queued jobs are taken from the index: the loop runs after every batch
     * of map events, mostly with every slot taken, and walking {@value #BATCH} queued records
     * each time to place none was a fifth of the primary's CPU under a 10,000-task array.
     */
    void dispatch() {
      Map<String, Member> byName = new HashMap<>();
      List<Dispatcher.Worker> workers = new ArrayList<>();
      Map<String, Integer> active = index.activeByWorker();
      int free = 0;
      for (Member m : hz.getCluster().getMembers()) {
        String name = m.getAttribute(ClusterSettings.NAME_ATTRIBUTE);
        String slots = m.getAttribute(ClusterSettings.SLOTS_ATTRIBUTE);
        if (name == null || slots == null) {
          continue;
        }
        byName.put(name, m);
        Dispatcher.Worker w = new Dispatcher.Worker(name, Integer.parseInt(slots),
            active.getOrDefault(m.getUuid().toString(), 0));
        workers.add(w);
        free += w.free();
      }
      if (free == 0) {
        return;
      }
      List<JobRecord> records = index.queued(Math.min(BATCH, free));
      if (records.isEmpty()) {
        return;
      }
      List<JobId> queued = new ArrayList<>(records.size());
      Map<JobId, JobId> arrayOf = new HashMap<>();
      Map<JobId, Dispatcher.ArrayCap> caps = new HashMap<>();
      for (JobRecord r : records) {
        queued.add(r.id());
        Integer limit = r.arrayId() == null ? null : r.spec().array().limit();
        if (limit != null) {
          arrayOf.put(r.id(), r.arrayId());
          caps.computeIfAbsent(r.arrayId(),
              a -> new Dispatcher.ArrayCap(limit, index.activeTasks(a)));
        }
      }
      Dispatcher.Plan plan =
          Dispatcher.plan(new Dispatcher.Snapshot(queued, workers, lastWorker, arrayOf, caps));
      if (plan.assignments().isEmpty() || !live()) {
        return;
      }
      long now = clock.millis();
      List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
      for (Dispatcher.Assignment a : plan.assignments()) {
        String workerId = byName.get(a.worker()).getUuid().toString();
        results.add(table.updateAsync(a.job(),
            new JobCommand.Dispatch(epoch, a.worker(), workerId, now)).toCompletableFuture());
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
          dispatched.incrementAndGet();
          dispatchSeen.put(r.record().id(), now);
          toRun.computeIfAbsent(r.record().workerId(), w -> new ArrayList<>()).add(r.record());
        }
      }
      toRun.values().forEach(batch -> table.sendRunAll(batch, epoch));
    }

    /** Takes back jobs whose worker is gone, or that a live worker never started. */
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
          long monotonic = System.nanoTime(); // a wall-clock step must not cut the grace short
          long gone = goneSince.computeIfAbsent(r.workerId(), w -> monotonic);
          if (monotonic - gone < settings.reclaimGrace().toNanos()) {
            continue; // it may still be stopping its jobs itself (frozen or cut off)
          }
          reason = "worker " + r.node() + " left the grid";
        } else if (r.state() == JobState.DISPATCHED) {
          long seen = dispatchSeen.computeIfAbsent(r.id(), id -> now);
          if (now - seen > settings.dispatchTimeout().toMillis()) {
            reason = "worker " + r.node() + " did not start it within "
                + settings.dispatchTimeout().toSeconds() + "s";
          }
        }
        if (reason != null && live()) {
          UpdateResult u = table.update(r.id(),
              new JobCommand.Reclaim(epoch, r.attempt(), !workerGone, reason, now));
          seen(u, now);
          if (u.applied()) {
            LOG.info("job {} taken back: {} -> {}", r.id(), reason, u.record().state());
          }
        }
      }
      goneSince.keySet().retainAll(stillGone);
      dispatchSeen.keySet().removeIf(id -> {
        JobRecord r = index.get(id);
        return r == null || r.state() != JobState.DISPATCHED;
      });
      index.pruneEnded(now - 60_000);
      tally.pruneEnded(now - TALLY_KEEP_MILLIS);
    }
  }

  /**
   * Map events, queued to the dispatch thread. Records loaded from the blob store after a full
   * restart come as LOADED events, which an added-listener does not hear; the grid loads them
   * before it dispatches (and the session's first pass reads the map), so hearing them here
   * only matters if a load ever runs while a primary dispatches.
   *
   * <p>Records a member accepted while it was cut off (a node paused past the failure detection
   * wakes up as a grid of one and takes jobs until Hazelcast merges it back) come as MERGED
   * events: without hearing them the primary never dispatched those jobs.
   */
  private record Events(BlockingQueue<Object> inbox)
      implements EntryAddedListener<JobId, JobRecord>, EntryUpdatedListener<JobId, JobRecord>,
          EntryLoadedListener<JobId, JobRecord>, EntryMergedListener<JobId, JobRecord> {
    @Override
    public void entryMerged(EntryEvent<JobId, JobRecord> e) {
      inbox.offer(e.getValue());
    }

    @Override
    public void entryAdded(EntryEvent<JobId, JobRecord> e) {
      inbox.offer(e.getValue());
    }

    @Override
    public void entryLoaded(EntryEvent<JobId, JobRecord> e) {
      inbox.offer(e.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<JobId, JobRecord> e) {
      inbox.offer(e.getValue());
    }
  }
}
