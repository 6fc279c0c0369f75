package dev.grid.scheduler.lease;

import dev.grid.scheduler.lease.LeaseMessage.Prepare;
import dev.grid.scheduler.lease.LeaseMessage.PrepareReply;
import dev.grid.scheduler.lease.LeaseMessage.Propose;
import dev.grid.scheduler.lease.LeaseMessage.ProposeReply;
import dev.grid.scheduler.lease.LeaseMessage.Release;
import java.util.Objects;
import java.util.Optional;

/**
 * The voter's side of PaxosLease. It keeps the highest ballot it has promised (durably, in a {@link
 * PromiseStore}) and the one lease it has accepted last, timed on its own clock.
 *
 * <h2>Safety: no two owners hold the lease at once</h2>
 *
 * A lease L1 = (ballot b1, owner A) is <em>successful</em> when a majority Q1 accepted it. A
 * started its own timer at t1, before sending the propose, and counts itself primary until t1 +
 * ownerNanos. Each voter in Q1 times the lease T from its receipt, which is after t1, and with
 * drift bounded ({@link LeaseTiming#ownerNanos()}) every voter's timer ends in real time after A's.
 *
 * <p>Claim: any propose (b, P) with b > b1 and P != A is sent after L1 ended at A. P had promises
 * for b from a majority, which shares a voter v with Q1. v accepted b1 before promising b (after
 * the promise it would have refused b1 < b), so when v answered the prepare it held some accepted
 * lease (b', X) with b1 <= b' < b: accepted ballots never go down at a voter, because accepting
 * raises its promise.
 *
 * <ul>
 *   <li>b' = b1, so X = A != P. If v's timer still ran, the answer named A's live lease and P did
 *       not propose. Otherwise P proposed after v's timer ended, after L1 ended.
 *   <li>b' > b1 and X != A. By the claim for b' (induction over ballots), X proposed after L1
 *       ended, and P proposed after v accepted that.
 *   <li>b' > b1 and X = A. v received (b', A) after b1, so its timer for b' ends later than L1. If
 *       it still ran, the answer named A's live lease, which blocks P. Otherwise P comes later.
 * </ul>
 *
 * If v restarted in between, it lost its accepted lease but stayed silent for longer than any lease
 * it had accepted ({@link LeaseTiming#quietNanos()}), and its promise survived on disk, so the
 * argument holds as if it had kept the lease. A candidate may ignore a live lease naming itself
 * (renewal, or a lease of its previous incarnation): the cases above never need that.
 *
 * <p>Two successful leases of different owners therefore never overlap: apply the claim to the one
 * with the lower ballot. Applied the other way round it also gives the fencing order: a lease that
 * starts after another started has a higher ballot, so epochs grow with time.
 *
 * <h2>Safety while the voters change</h2>
 *
 * The rules are in the package documentation. Above, "a majority" was a majority of the voters of
 * the round's configuration, and the argument needed one thing of two rounds: that the accepting
 * majority Q1 of a successful lease and the promising majority M of a later propose share a voter.
 * Write S(v) for the voters of version v; a voter takes part in a round only at the round's own
 * version, and its version never goes down.
 *
 * <ol>
 *   <li><b>Adjacent majorities meet.</b> S(v+1) is S(v) with one voter added or removed. Added: a
 *       majority of S(v+1) has at least floor((n+1)/2) members in S(v), a majority of S(v) has
 *       floor(n/2)+1, and the two add up to n+1 &gt; n. Removed: the same with the roles swapped.
 *       Two voters at once break this: {a,b,c} to {a,d,e} has the disjoint majorities {b,c} and
 *       {d,e}.
 *   <li><b>One configuration per version.</b> A change from v is decided by Paxos among S(v): if a
 *       majority of S(v) accepted change C at ballot b, every later round at v carries C. Its
 *       promises come from a majority of S(v) at v, which holds a voter w of that majority; w
 *       accepted b before promising (after the promise it would refuse b), so it reports a pending
 *       change accepted at b or higher, which by induction over ballots is C, and the round must
 *       carry the highest. Nodes reach v+1 only as the proposer that saw the majority accept, or
 *       from a node already there: so every node at version v+1 is at the same S(v+1).
 *   <li><b>At most two adjacent versions gather a majority.</b> A round at v needs a majority of
 *       S(v) at v. v+2 is started only from a settled v+1: after a majority of S(v) accepted at v+1
 *       and so left v for good. From then on no round at v, or below, gathers promises or accepts;
 *       by (1) any two majorities of the versions still alive meet.
 *   <li><b>Ballots grow with versions.</b> For successful leases at v &lt; v', the ballot at v is
 *       lower. For v' = v+1: the accepting majority at v and the promising majority at v+1 share a
 *       voter by (1), which accepted at v before it promised at v+1 (versions never go down), and
 *       promises never go down. For v' &ge; v+2, take the round that settled v+1, a successful
 *       lease at v+1: its ballot is above the one at v (the case v+1) and below the one at v' (by
 *       induction over v' - v).
 * </ol>
 *
 * <p>Now let L1 = (b1, A) at v1 and L2 = (b2, P) at v2 be successful, P != A, b1 &lt; b2; by (4) v1
 * &le; v2. If v2 &le; v1 + 1, Q1 and the promising majority of b2 meet by (1), and the claim above
 * goes through word for word: the common voter w accepted b1, then promised b2, and any lease (b',
 * X) it accepted in between was accepted at a version between v1 and v2, so its own promising
 * majority also meets Q1 and the induction over ballots applies. If v2 &ge; v1 + 2, let (bs, X) be
 * the round that settled v1+1: it is a successful lease at v1+1, and P proposed only after it
 * completed. If X != A, by the adjacent case X proposed after L1 ended, and P later still. If X =
 * A, that lease of A ends after L1 (A proposed it later), and by induction over v2 - v1, P proposed
 * after it ended. So leases granted under v, v+1 and v+2 never overlap, and epochs keep growing
 * across changes.
 *
 * <p><b>Defence in depth, and what the simulation shows.</b> The argument above uses the one-voter
 * rule, the version rule, Paxos on the change, and settling (a majority of the old voters accepting
 * at the new version). It does not use the majority of the new voters that "done" asks for, nor
 * that the leases of an unsettled version need the old voters' majority too (only settling needs
 * it). Those make every accept of a transition a joint majority of old and new, as in Raft's joint
 * consensus: a second line of defence. Breaking the one-voter rule alone, or the version rule
 * alone, gave no overlapping leases in the simulation (a candidate that hears of a newer version
 * gives up its round anyway). What the simulation does catch: two voters at once can strand the
 * grid (the old voter leaves for a version whose only new voter never hears of it, and no primary
 * ever comes back); and voters that hide the change they accepted let two sets of voters be chosen
 * under one version, which (2) rules out and the argument rests on.
 *
 * <p>Everything above rests on {@link #admits}: a voter never promises or accepts below its
 * promise; on {@link #atVersionOf}: only at its own version; and on {@link #pendingToReport}: a
 * promise reports the change accepted. The simulation test breaks the first and the last in a
 * subclass and sees overlapping leases, or two sets of voters under one version.
 */
public class Acceptor {
  private final int id;
  private final PromiseStore store;
  private final Ticker ticker;
  private final long quietUntil;

  private long promised;
  private Configuration configuration;
  private PendingChange pending;
  private int owner = LeaseMessage.NO_OWNER;
  private long acceptedBallot;
  private long acceptedEpoch;
  private long expiresAt;

  /**
   * A voter that has just started: it loads its state and stays silent for a lease time.
   *
   * @param id this voter's id
   * @param initial the configuration the node was started with, used if none is stored
   * @param store the durable state
   * @param ticker the local monotonic clock
   * @param timing the lease periods
   */
  public Acceptor(
      int id, Configuration initial, PromiseStore store, Ticker ticker, LeaseTiming timing) {
    this.id = id;
    this.store = store;
    this.ticker = ticker;
    VoterState state = store.load(initial);
    this.promised = state.promised();
    this.configuration = state.configuration();
    this.pending = state.pending();
    this.quietUntil = ticker.nanos() + timing.quietNanos();
  }

  /**
   * Moves to {@code seen} if it is newer than this node's configuration, durably; true if it did.
   * Safe whenever {@code seen} comes from a node at it: only chosen configurations are ever
   * reached. The pending change of an older version is dropped with it. Allowed while quiet: it
   * answers nothing.
   */
  public boolean learn(Configuration seen) {
    if (!seen.isNewerThan(configuration)) {
      return false;
    }
    if (seen.version() > configuration.version()) {
      pending = null;
    }
    configuration = seen;
    persist();
    return true;
  }

  /** The answer to a prepare, or none while the voter is quiet after a restart. */
  public Optional<PrepareReply> onPrepare(Prepare prepare) {
    long now = ticker.nanos();
    if (isQuiet(now)) {
      return Optional.empty();
    }
    forgetIfExpired(now);
    boolean promise = atVersionOf(prepare.configuration()) && admits(prepare.ballot());
    if (promise) {
      raisePromise(prepare.ballot());
    }
    long remaining = owner == LeaseMessage.NO_OWNER ? 0 : expiresAt - now;
    return Optional.of(
        new PrepareReply(
            prepare.ballot(),
            id,
            promise,
            promised,
            owner,
            acceptedEpoch,
            remaining,
            configuration,
            promise ? pendingToReport() : null));
  }

  /** The answer to a propose, or none while the voter is quiet after a restart. */
  public Optional<ProposeReply> onPropose(Propose propose) {
    long now = ticker.nanos();
    if (isQuiet(now)) {
      return Optional.empty();
    }
    Configuration change = propose.change();
    boolean accept =
        atVersionOf(propose.configuration())
            && admits(propose.ballot())
            && (change == null || change.version() == configuration.version() + 1);
    if (accept) {
      boolean changed = propose.ballot() > promised;
      promised = Math.max(promised, propose.ballot());
      PendingChange accepted = change == null ? null : new PendingChange(propose.ballot(), change);
      changed |= !Objects.equals(accepted, pending);
      pending = accepted; // a round without a change replaces an older one: Paxos's "no value"
      if (changed) {
        persist(); // durable before any answer leaves
      }
      owner = propose.owner();
      acceptedBallot = propose.ballot();
      acceptedEpoch = propose.epoch();
      expiresAt = now + propose.leaseNanos();
    }
    return Optional.of(new ProposeReply(propose.ballot(), id, accept, promised, configuration));
  }

  /** Forgets the owner's lease if it is the one released; true if it did. */
  public boolean onRelease(Release release) {
    if (owner == release.owner() && acceptedBallot <= release.ballot()) {
      owner = LeaseMessage.NO_OWNER;
      return true;
    }
    return false;
  }

  /**
   * Whether this voter may promise or accept {@code ballot}: only if it promised nothing higher.
   * Equal is allowed, so a duplicated prepare gets the same answer and the propose that follows a
   * promise is accepted. Overridden only by the simulation test's deliberately broken voter.
   */
  boolean admits(long ballot) {
    return ballot >= promised;
  }

  /**
   * The pending change a promise reports: the one accepted, so that the round finishes it (Paxos).
   * Overridden only by the simulation test's deliberately broken voter.
   */
  PendingChange pendingToReport() {
    return pending;
  }

  /**
   * Whether a message of {@code sender}'s configuration is of this voter's own version (after
   * {@link #learn}, a newer one has been adopted, so this refuses only older ones).
   */
  boolean atVersionOf(Configuration sender) {
    return sender.version() == configuration.version();
  }

  /**
   * The candidate of this same node is about to use {@code ballot}: promise it here first, durably.
   * The stored promise is then also the highest ballot the node ever used, so a restarted node
   * starts above it and never uses a ballot, and so an epoch, twice.
   */
  public void reserve(long ballot) {
    raisePromise(ballot);
  }

  /** Whether the voter is still silent after its start. */
  public boolean isQuiet(long now) {
    return now - quietUntil < 0;
  }

  /** The highest ballot promised. */
  public long promised() {
    return promised;
  }

  /** The configuration this node is at. */
  public Configuration configuration() {
    return configuration;
  }

  /** The change this voter accepted for the next version, if any. */
  public Optional<PendingChange> pending() {
    return Optional.ofNullable(pending);
  }

  /** The accepted lease if it is still live on this voter's timer. */
  public Optional<KnownLease> liveLease() {
    long now = ticker.nanos();
    forgetIfExpired(now);
    return owner == LeaseMessage.NO_OWNER
        ? Optional.empty()
        : Optional.of(new KnownLease(owner, acceptedEpoch, expiresAt));
  }

  private void raisePromise(long ballot) {
    if (ballot > promised) {
      promised = ballot;
      persist(); // durable before any answer leaves
    }
  }

  private void persist() {
    store.store(new VoterState(promised, configuration, pending));
  }

  private void forgetIfExpired(long now) {
    if (owner != LeaseMessage.NO_OWNER && now - expiresAt >= 0) {
      owner = LeaseMessage.NO_OWNER;
    }
  }
}
