package dev.grid.scheduler.lease;

import dev.grid.scheduler.lease.LeaseMessage.Prepare;
import dev.grid.scheduler.lease.LeaseMessage.PrepareReply;
import dev.grid.scheduler.lease.LeaseMessage.Propose;
import dev.grid.scheduler.lease.LeaseMessage.ProposeReply;
import dev.grid.scheduler.lease.LeaseMessage.Release;
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
 * <p>Everything above rests on {@link #admits}: a voter never promises or accepts below its
 * promise. The simulation test breaks exactly that in a subclass and sees overlapping leases.
 */
public class Acceptor {
  private final int index;
  private final PromiseStore store;
  private final Ticker ticker;
  private final long quietUntil;

  private long promised;
  private int owner = LeaseMessage.NO_OWNER;
  private long acceptedBallot;
  private long acceptedEpoch;
  private long expiresAt;

  /**
   * A voter that has just started: it loads its promise and stays silent for a lease time.
   *
   * @param index this voter's index
   * @param store the durable promise
   * @param ticker the local monotonic clock
   * @param timing the lease periods
   */
  public Acceptor(int index, PromiseStore store, Ticker ticker, LeaseTiming timing) {
    this.index = index;
    this.store = store;
    this.ticker = ticker;
    this.promised = store.load();
    this.quietUntil = ticker.nanos() + timing.quietNanos();
  }

  /** The answer to a prepare, or none while the voter is quiet after a restart. */
  public Optional<PrepareReply> onPrepare(Prepare prepare) {
    long now = ticker.nanos();
    if (isQuiet(now)) {
      return Optional.empty();
    }
    forgetIfExpired(now);
    boolean promise = admits(prepare.ballot());
    if (promise) {
      raisePromise(prepare.ballot());
    }
    long remaining = owner == LeaseMessage.NO_OWNER ? 0 : expiresAt - now;
    return Optional.of(
        new PrepareReply(
            prepare.ballot(), index, promise, promised, owner, acceptedEpoch, remaining));
  }

  /** The answer to a propose, or none while the voter is quiet after a restart. */
  public Optional<ProposeReply> onPropose(Propose propose) {
    long now = ticker.nanos();
    if (isQuiet(now)) {
      return Optional.empty();
    }
    boolean accept = admits(propose.ballot());
    if (accept) {
      raisePromise(propose.ballot());
      owner = propose.owner();
      acceptedBallot = propose.ballot();
      acceptedEpoch = propose.epoch();
      expiresAt = now + propose.leaseNanos();
    }
    return Optional.of(new ProposeReply(propose.ballot(), index, accept, promised));
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
      store.store(ballot); // durable before any answer leaves
      promised = ballot;
    }
  }

  private void forgetIfExpired(long now) {
    if (owner != LeaseMessage.NO_OWNER && now - expiresAt >= 0) {
      owner = LeaseMessage.NO_OWNER;
    }
  }
}
