package dev.grid.scheduler;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import dev.grid.scheduler.lease.Configuration;
import dev.grid.scheduler.lease.FilePromiseStore;
import dev.grid.scheduler.lease.KnownLease;
import dev.grid.scheduler.lease.LeaseMessage;
import dev.grid.scheduler.lease.LeaseNode;
import dev.grid.scheduler.lease.LeaseTiming;
import dev.grid.scheduler.lease.PendingChange;
import dev.grid.scheduler.lease.Proposer;
import dev.grid.scheduler.lease.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary election of the grid: a lease agreed by a majority of the voters through PaxosLease
 * (Trencseni et al. 2009), carried over Hazelcast. Exactly one node holds it at a time; each new
 * holder has a higher epoch, the fencing token that every dispatch and state write carries.
 *
 * <pre>{@code
 * PrimaryLease lease = PrimaryLease.start(hz, settings, listener);
 * long epoch = lease.epoch();
 * if (lease.holds(epoch)) {
 *   dispatch(job, epoch); // workers and state writes refuse an epoch lower than one they saw
 * }
 * }</pre>
 *
 * <p>The protocol runs on one thread, {@code grid-lease}; its messages are tasks on {@link
 * ClusterSettings#MESSAGE_EXECUTOR}. The queries read a snapshot and the monotonic clock, from any
 * thread. The listener is called on {@code grid-lease-events}, in order, after the snapshot that it
 * reports is visible. Close the lease before shutting Hazelcast down, so that the release reaches
 * the other voters; if Hazelcast goes down first the lease stops by itself and the others take over
 * when it runs out.
 */
public final class PrimaryLease implements AutoCloseable {
  /** Told when this node gains and loses the lease; called on one thread, in order. */
  public interface Listener {
    /** This node is primary under {@code epoch}, until {@link #onNotPrimary} says otherwise. */
    void onPrimary(long epoch);

    /** This node no longer holds the lease it held under {@code epoch}. */
    void onNotPrimary(long epoch);
  }

  /** The key under which the lease sits in the member's user context. */
  static final String USER_CONTEXT_KEY = "grid.primary-lease";

  private static final Logger LOG = LoggerFactory.getLogger(PrimaryLease.class);
  private static final long CLOSE_WAIT_MILLIS = 1_000;
  private static final long RELEASE_WAIT_MILLIS = 500;
  private static final long MISMATCH_WARNING_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private record View(long epoch, long expiresAt, int knownOwner, long knownUntil, long highest) {
    static final View NONE = new View(0, 0, LeaseMessage.NO_OWNER, 0, 0);
  }

  private final HazelcastInstance hazelcast;
  private final List<String> voters;
  private final String joinedVoters;
  private final int self;
  private final Listener listener;
  private final Ticker ticker = Ticker.system();
  private final ScheduledThreadPoolExecutor protocol;
  private final ExecutorService events;
  private final IExecutorService messages;
  private final VoterRoutes routes;
  private final LeaseNode node;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Runnable> pendingEvents = new ArrayList<>(); // lease thread only
  private final List<Future<?>> releases = new ArrayList<>(); // lease thread only
  private volatile View view = View.NONE;
  private volatile long highestEpochSeen;
  private volatile long renewals;
  private volatile UUID lifecycleRegistration;
  private ScheduledFuture<?> wake;
  private long wakeAt;
  private long lastMismatchWarning; // lease thread only

  private PrimaryLease(HazelcastInstance hazelcast, LeaseSettings settings, Listener listener) {
    this.hazelcast = hazelcast;
    this.listener = listener;
    this.voters = settings.sortedVoters();
    this.joinedVoters = GridVoters.joined(voters);
    this.self = settings.selfIndex();
    this.node = // first: reading the stored promise may fail, and no thread runs yet
        new LeaseNode(
            self,
            Configuration.initial(voters.size()), // voter ids are indices in the sorted list
            LeaseTiming.of(settings.leaseTime()),
            ticker,
            new SplittableRandom(),
            new FilePromiseStore(settings.dataDir().resolve("lease")),
            this::send,
            new Roles());
    this.messages = hazelcast.getExecutorService(ClusterSettings.MESSAGE_EXECUTOR);
    this.routes = new VoterRoutes(hazelcast.getCluster(), voters);
    this.protocol = new ScheduledThreadPoolExecutor(1, named("grid-lease"));
    this.protocol.setRemoveOnCancelPolicy(true);
    this.events = Executors.newSingleThreadExecutor(named("grid-lease-events"));
  }

  /**
   * Starts taking part in the election on this member. The first lease comes after about one lease
   * time, as a voter that has just started stays silent that long.
   *
   * @throws IllegalStateException if a lease already runs on this member
   * @throws dev.grid.api.GridException if the stored promise cannot be read
   */
  public static PrimaryLease start(
      HazelcastInstance hazelcast, LeaseSettings settings, Listener listener) {
    Objects.requireNonNull(hazelcast, "hazelcast");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    PrimaryLease lease = new PrimaryLease(hazelcast, settings, listener);
    if (hazelcast.getUserContext().putIfAbsent(USER_CONTEXT_KEY, lease) != null) {
      lease.stopThreads();
      throw new IllegalStateException(
          "a primary lease already runs on member " + settings.self() + ": close it first");
    }
    lease.lifecycleRegistration =
        hazelcast
            .getLifecycleService()
            .addLifecycleListener(
                event -> {
                  if (event.getState() == LifecycleState.SHUTDOWN) {
                    lease.close();
                  }
                });
    lease.protocol.execute(() -> lease.onLeaseThread(lease.node::start));
    LOG.info(
        "taking part in the primary election as voter {} of {}, lease time {}",
        settings.self(),
        lease.voters,
        settings.leaseTime());
    return lease;
  }

  /** Whether this node is primary now: true only while its own lease timer has not run out. */
  public boolean isPrimary() {
    return epoch() != 0;
  }

  /** The epoch of the lease held now, 0 if this node is not primary. */
  public long epoch() {
    View v = view;
    return v.epoch != 0 && ticker.nanos() - v.expiresAt < 0 ? v.epoch : 0;
  }

  /** Whether this node is primary right now under exactly {@code epoch}; check before dispatch. */
  public boolean holds(long epoch) {
    return epoch != 0 && epoch() == epoch;
  }

  /**
   * The highest epoch this node has seen: its own, or one carried by another primary's renewal.
   * Higher than {@link #epoch()} means this node's lease is stale.
   */
  public long highestEpochSeen() {
    return highestEpochSeen;
  }

  /** How many times this node renewed the lease it held, since it started (for metrics). */
  public long renewals() {
    return renewals;
  }

  /** The voter ({@code host:port}) holding the live lease this node knows of, itself included. */
  public Optional<String> knownPrimary() {
    View v = view;
    if (v.knownOwner == LeaseMessage.NO_OWNER || ticker.nanos() - v.knownUntil >= 0) {
      return Optional.empty();
    }
    return Optional.of(voters.get(v.knownOwner));
  }

  /**
   * Every class the lease sends through Hazelcast, in a fixed order, for {@link
   * ClusterSettings#kryoClasses()}.
   */
  public static List<Class<?>> kryoClasses() {
    return List.of(
        LeaseTask.class,
        LeaseMessage.Prepare.class,
        LeaseMessage.PrepareReply.class,
        LeaseMessage.Propose.class,
        LeaseMessage.ProposeReply.class,
        LeaseMessage.Release.class,
        Configuration.class,
        PendingChange.class);
  }

  /**
   * Gives up a held lease (this node stops counting itself primary at once, and tells the voters so
   * that another node takes over within a fraction of the lease time), then stops. Idempotent;
   * returns within about two seconds whatever the network does.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    view = View.NONE;
    try {
      protocol.submit(() -> runStep(node::release)).get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      protocol.submit(this::awaitReleases).get(RELEASE_WAIT_MILLIS * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("releasing the lease did not finish", e);
    }
    try {
      hazelcast.getUserContext().remove(USER_CONTEXT_KEY, this);
      UUID registration = lifecycleRegistration;
      if (registration != null) {
        hazelcast.getLifecycleService().removeLifecycleListener(registration);
      }
    } catch (RuntimeException e) {
      LOG.debug("Hazelcast is already down: {}", e.toString()); // its user context went with it
    } finally {
      stopThreads();
    }
  }

  /** A message from the network, sent by a member with voter set {@code from}. */
  void deliver(LeaseMessage message, String from) {
    try {
      protocol.execute(
          () -> {
            if (joinedVoters.equals(from)) {
              onLeaseThread(() -> node.receive(message));
            } else {
              warnOfMismatch(from);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed: the message is lost, as on a network
    }
  }

  /** A message from this node to itself. */
  private void deliver(LeaseMessage message) {
    deliver(message, joinedVoters);
  }

  private void warnOfMismatch(String from) {
    long now = ticker.nanos();
    if (lastMismatchWarning == 0 || now - lastMismatchWarning > MISMATCH_WARNING_EVERY_NANOS) {
      lastMismatchWarning = now;
      LOG.warn(
          "dropped a lease message from a member started with voters [{}]; this node's are [{}]:"
              + " give every node the same --voters",
          from,
          joinedVoters);
    }
  }

  /** Runs a step of the protocol, then publishes what it changed and sets the next wake. */
  private void onLeaseThread(Runnable step) {
    if (!closed.get()) {
      runStep(step);
      scheduleWake();
    }
  }

  private void runStep(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.error("lease protocol step failed; the lease runs out if this goes on", e);
    }
    publish();
  }

  private void publish() {
    Optional<KnownLease> known = node.knownLease();
    long epoch = node.epoch();
    view =
        closed.get()
            ? View.NONE
            : new View(
                epoch,
                epoch != 0 ? known.map(KnownLease::untilNanos).orElse(0L) : 0,
                known.map(KnownLease::owner).orElse(LeaseMessage.NO_OWNER),
                known.map(KnownLease::untilNanos).orElse(0L),
                node.highestEpochSeen());
    highestEpochSeen = node.highestEpochSeen();
    renewals = node.renewals();
    for (Runnable event : pendingEvents) {
      events.execute(event);
    }
    pendingEvents.clear();
  }

  private void scheduleWake() {
    long next = node.nextWakeNanos();
    if (wake != null && next == wakeAt && !wake.isDone()) {
      return;
    }
    if (wake != null) {
      wake.cancel(false);
    }
    wakeAt = next;
    long delay = Math.max(0, next - ticker.nanos());
    wake = protocol.schedule(() -> onLeaseThread(node::tick), delay, TimeUnit.NANOSECONDS);
  }

  /** Sends one message; a voter that is not a member now gets nothing, as on a lossy network. */
  private void send(int voter, LeaseMessage message) {
    if (voter == self) {
      deliver(message);
      return;
    }
    Member member = routes.member(voter);
    if (member == null) {
      return;
    }
    try {
      if (message instanceof LeaseMessage.Release) {
        CompletableFuture<Object> arrived = new CompletableFuture<>();
        messages.submitToMember(
            new LeaseTask(message, joinedVoters),
            member,
            new ExecutionCallback<Object>() {
              @Override
              public void onResponse(Object response) {
                arrived.complete(response);
              }

              @Override
              public void onFailure(Throwable t) {
                arrived.completeExceptionally(t);
              }
            });
        releases.add(arrived);
      } else {
        messages.executeOnMember(new LeaseTask(message, joinedVoters), member);
      }
    } catch (RuntimeException e) {
      LOG.debug("lease message to {} lost: {}", voters.get(voter), e.toString());
    }
  }

  private void awaitReleases() {
    long deadline = ticker.nanos() + TimeUnit.MILLISECONDS.toNanos(RELEASE_WAIT_MILLIS);
    for (Future<?> release : releases) {
      try {
        release.get(Math.max(0, deadline - ticker.nanos()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        LOG.debug("a release did not arrive: {}", e.toString());
      }
    }
  }

  private void stopThreads() {
    protocol.shutdownNow();
    events.shutdown();
    try {
      if (!events.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        events.shutdownNow();
      }
      protocol.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Roles implements Proposer.Roles {
    @Override
    public void onPrimary(long epoch) {
      LOG.info("became primary, epoch {}", epoch);
      pendingEvents.add(() -> notify(() -> listener.onPrimary(epoch)));
    }

    @Override
    public void onNotPrimary(long epoch) {
      LOG.info("lost primary lease, epoch {}", epoch);
      pendingEvents.add(() -> notify(() -> listener.onNotPrimary(epoch)));
    }

    private void notify(Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        LOG.error("primary lease listener failed", e);
      }
    }
  }

  private static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
