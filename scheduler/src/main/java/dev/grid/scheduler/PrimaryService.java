package dev.grid.scheduler;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.grid.api.JobId;
import dev.grid.scheduler.lease.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the primary does while it holds the lease: keep an index of unfinished jobs, hand queued
 * jobs to workers round-robin ({@link Dispatcher}), decide waiting jobs' dependencies, and take
 * jobs back from workers that are gone or never started them. What to do is decided by {@link
 * PrimaryPlanner} (pure); a {@link PrimarySession} carries its plans out.
 *
 * <p>Concurrency: everything runs on one thread ({@code grid-dispatch}); map events and membership
 * changes are queued to it. A session lives for one epoch: {@link #activate} starts one, {@link
 * #deactivate} (or losing the lease, checked before every batch) ends it. Every write carries the
 * session's epoch, so a session that outlives its lease is fenced by {@link JobUpdate} and by the
 * workers.
 */
public final class PrimaryService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrimaryService.class);

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

  private final ExecutorService loop;
  private final AtomicLong dispatched = new AtomicLong();
  private final HazelcastListeners listeners;

  /** Logs where the loop waits when one pass takes over 10 s. */
  private final StallWatch watch;

  private final PrimarySession.Wiring wiring;

  private volatile PrimarySession session;
  private volatile boolean closed;

  /** Set by the dispatch thread after each pass, and back to none when dispatching stops. */
  private volatile JobCounts counts = JobCounts.NONE;

  /**
   * A service that counts the reclaim grace on the JVM's monotonic clock ({@link Ticker#system}).
   */
  public PrimaryService(
      HazelcastInstance hz,
      JobTable table,
      Clock clock,
      LongPredicate holdsLease,
      Settings settings) {
    this(hz, table, clock, Ticker.system(), holdsLease, settings);
  }

  /**
   * A service that dispatches nothing until {@link #activate}d. Its map and membership listeners
   * are registered here, once, when the node starts, and feed whichever session is active:
   * registering or removing a listener is a call to every member that Hazelcast retries, without a
   * bound, while a member is cut off (it held a node's role change for 80 s in a chaos run), so a
   * change of primary must not make one.
   *
   * @param clock the wall clock: the dispatch timeout and the times written on records
   * @param ticker the monotonic clock: the reclaim grace, which a wall-clock step must not cut
   *     short
   */
  public PrimaryService(
      HazelcastInstance hz,
      JobTable table,
      Clock clock,
      Ticker ticker,
      LongPredicate holdsLease,
      Settings settings) {
    this.watch = new StallWatch("dispatch", Duration.ofSeconds(10), ticker::nanos);
    this.wiring =
        new PrimarySession.Wiring(
            hz,
            table,
            new QueueTable(hz, clock),
            new DrainTable(hz, clock),
            clock,
            ticker,
            holdsLease,
            settings,
            watch,
            dispatched,
            c -> counts = c,
            () -> closed);
    this.loop =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "grid-dispatch");
              t.setDaemon(true);
              return t;
            });
    this.listeners = new HazelcastListeners("dispatch");
    table.onCreatedHere(this::offer);
    listeners.onEntries(table.map(), new Events<JobId, JobRecord>(this::offerValue));
    listeners.onEntries(table.blockMap(), new Events<String, TaskBlock>(this::offerValue));
    listeners.onMembers(
        hz,
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent e) {
            offer(PrimarySession.WAKE);
          }

          @Override
          public void memberRemoved(MembershipEvent e) {
            PrimarySession s = session;
            if (s != null) {
              s.memberLeft();
            }
          }
        });
  }

  /**
   * Hands an entry's new value to the active session. Every node hears every event, but only the
   * primary reads the value: the others drop it without deserializing it.
   */
  private void offerValue(EntryEvent<?, ?> e) {
    PrimarySession s = session;
    if (s != null) {
      s.offer(e.getValue());
    }
  }

  /** Hands an event to the active session; without one, it is dropped (a session reads all). */
  private void offer(Object event) {
    PrimarySession s = session;
    if (s != null) {
      s.offer(event);
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
    PrimarySession s = new PrimarySession(epoch, wiring);
    session = s;
    loop.execute(
        () -> {
          try {
            s.run();
          } finally {
            counts = JobCounts.NONE; // a session that stopped counts nothing any more
          }
        });
    LOG.info("dispatching as primary, epoch {}", epoch);
  }

  /** Stops dispatching; idempotent. */
  public synchronized void deactivate() {
    PrimarySession s = session;
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

  /**
   * Unfinished jobs and the queue as the dispatcher last saw them (after its last pass, a tenth of
   * a second ago or so); {@link JobCounts#NONE} while this node does not dispatch.
   */
  public JobCounts counts() {
    return counts;
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
  private record Events<K, V>(Consumer<EntryEvent<K, V>> inbox)
      implements EntryAddedListener<K, V>,
          EntryUpdatedListener<K, V>,
          EntryLoadedListener<K, V>,
          EntryMergedListener<K, V> {
    @Override
    public void entryMerged(EntryEvent<K, V> e) {
      inbox.accept(e);
    }

    @Override
    public void entryAdded(EntryEvent<K, V> e) {
      inbox.accept(e);
    }

    @Override
    public void entryLoaded(EntryEvent<K, V> e) {
      inbox.accept(e);
    }

    @Override
    public void entryUpdated(EntryEvent<K, V> e) {
      inbox.accept(e);
    }
  }
}
