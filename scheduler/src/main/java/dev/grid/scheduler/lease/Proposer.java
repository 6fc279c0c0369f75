package dev.grid.scheduler.lease;

import dev.grid.scheduler.lease.LeaseMessage.Prepare;
import dev.grid.scheduler.lease.LeaseMessage.PrepareReply;
import dev.grid.scheduler.lease.LeaseMessage.Propose;
import dev.grid.scheduler.lease.LeaseMessage.ProposeReply;
import dev.grid.scheduler.lease.LeaseMessage.Release;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The candidate's side of PaxosLease: acquires the lease, renews it well before it runs out, and
 * gives it up on release. Driven by {@link #tick()} at {@link #nextWakeNanos()} and by the replies
 * of the voters; it never blocks and is never called concurrently.
 *
 * <p>A round is a prepare to every voter, then, with promises from a majority none of which names
 * another owner's live lease, the owner's timer starts and a propose goes out. A majority of
 * accepts makes this node primary until {@link LeaseTiming#ownerNanos()} after that timer started.
 * See {@link Acceptor} for why no other owner can then hold it.
 *
 * <p>Epochs: the ballot of the propose that acquired the lease is the epoch of the whole tenure;
 * renewals (new ballots, same owner, the lease never lapsing) keep it, so fencing tokens change
 * only when the primary changes. If a renewal lands only after the lease has run out, it starts a
 * new tenure with its own ballot as epoch.
 *
 * <p>Changing the voters (the rules are in the package documentation): every round runs under the
 * node's configuration, and {@link RoundVotes} counts its answers. A round carries the highest
 * pending change its promises report, whoever runs it; otherwise, only for the primary under a
 * settled configuration, the change asked for with {@link #requestChange}. A round carrying a
 * change that completes moves the node to it; one under a configuration not settled that completes
 * settles it.
 */
public final class Proposer {
  /** Where the proposer's requests go: to voters, this node included. */
  @FunctionalInterface
  public interface Outbox {
    /** Sends {@code message} to each voter in {@code voters}. */
    void send(List<Integer> voters, LeaseMessage message);
  }

  /** The node's configuration, kept durably by its voter. */
  public interface Membership {
    /** The configuration the node is at. */
    Configuration configuration();

    /** Moves the node to {@code next}, which this candidate saw chosen (or settled). */
    void adopt(Configuration next);
  }

  /** Told of role changes, in order. */
  public interface Roles {
    /** This node holds the lease under {@code epoch}. */
    void onPrimary(long epoch);

    /** This node no longer holds the lease it held under {@code epoch}. */
    void onNotPrimary(long epoch);
  }

  private enum Phase {
    IDLE,
    PREPARING,
    PROPOSING,
    RELEASED
  }

  private final int id;
  private final Membership membership;
  private final LeaseTiming timing;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final Outbox outbox;
  private final Roles roles;

  private Phase phase = Phase.IDLE;
  private long highestSeen;
  private long ballot;
  private RoundVotes round; // the answers of the round under way, or of the last one
  private Configuration wanted; // the change asked for, not yet done
  private long roundDeadline;
  private long proposeStart;
  private long nextAttemptAt;

  private boolean primary;
  private long epoch;
  private long expiresAt;

  /** Renewals that extended this node's lease, since it started. */
  private long renewals;

  private KnownLease known;

  /**
   * A candidate that has not started yet.
   *
   * @param id this node's voter id
   * @param membership the node's configuration
   * @param highestSeen the highest ballot known so far (the local voter's stored promise)
   */
  public Proposer(
      int id,
      Membership membership,
      long highestSeen,
      LeaseTiming timing,
      Ticker ticker,
      RandomGenerator random,
      Outbox outbox,
      Roles roles) {
    if (id < 0 || id >= Ballot.MAX_VOTERS) {
      throw new IllegalArgumentException("voter id " + id + " is out of range");
    }
    this.id = id;
    this.membership = membership;
    this.timing = timing;
    this.ticker = ticker;
    this.random = random;
    this.outbox = outbox;
    this.roles = roles;
    this.highestSeen = highestSeen;
  }

  /**
   * Schedules the first attempt after a renewal period or so, so that a node joining a grid with a
   * primary hears of its lease (renewals reach every voter) before it disturbs it.
   */
  public void start() {
    long now = ticker.nanos();
    nextAttemptAt =
        now + between(timing.renewNanos(), timing.renewNanos() + timing.acquireMaxNanos());
  }

  /** Acts on time: the lease running out, a round timing out, an attempt falling due. */
  public void tick() {
    long now = ticker.nanos();
    expireIfDue(now);
    if (inRound() && now - roundDeadline >= 0) {
      // Answers were lost: a primary retries at once, anyone else keeps the acquisition rhythm.
      long pause = primary ? 0 : between(0, timing.acquireMaxNanos() - timing.acquireMinNanos());
      endRound(now + pause);
    }
    if (phase == Phase.IDLE && now - nextAttemptAt >= 0) {
      attempt(now);
    }
  }

  /** A voter's answer to this node's prepare. */
  public void onPrepareReply(PrepareReply reply) {
    long now = ticker.nanos();
    expireIfDue(now);
    learn(reply.highestPromised());
    boolean namesOther = reply.leaseOwner() != LeaseMessage.NO_OWNER && reply.leaseOwner() != id;
    if (namesOther) {
      observe(
          new KnownLease(
              reply.leaseOwner(), reply.leaseEpoch(), now + reply.leaseRemainingNanos()));
    }
    if (phase != Phase.PREPARING || reply.ballot() != ballot) {
      return; // an answer to an older round
    }
    if (!reply.promised()) {
      rejected(now);
    } else if (namesOther && !primary) {
      endRound(now); // attempt() now waits until that lease runs out
    } else if (!namesOther) {
      // A promise naming another owner's live lease is never counted: the safety argument needs
      // only that the majority used names none. A primary keeps going without it (such a lease
      // can only be the leftover of a failed attempt); anyone else backs off above.
      if (round.promised(reply.voter(), reply.pending())) {
        propose(now);
      }
    }
  }

  /** A voter's answer to this node's propose. */
  public void onProposeReply(ProposeReply reply) {
    long now = ticker.nanos();
    expireIfDue(now);
    learn(reply.highestPromised());
    if (phase != Phase.PROPOSING || reply.ballot() != ballot) {
      return;
    }
    if (!reply.accepted()) {
      rejected(now);
      return;
    }
    if (round.accepted(reply.voter())) {
      won(now);
    }
  }

  /**
   * Asks for a change of the voters to {@code next}; true if it will be tried. Only the primary
   * under a settled configuration takes one, one at a time; it runs in a round of its own, at once,
   * and is done when {@link #configuration()} reaches {@code next}'s version with its voters. A
   * change some voter had already accepted is finished first, and this one is then dropped; so is
   * one not done before this node stops being primary (another node finishes it if voters accepted
   * it). Check {@link #configuration()} and ask again.
   */
  public boolean requestChange(Configuration next) {
    Configuration current = membership.configuration();
    if (!isPrimary()
        || !current.isSettled()
        || next.version() != current.version() + 1
        || (wanted != null && wanted.version() > current.version())) {
      return false;
    }
    wanted = next;
    if (phase == Phase.IDLE) {
      nextAttemptAt = ticker.nanos();
    }
    return true;
  }

  /**
   * The node moved to a newer configuration it learned from a message: a round under an older
   * version is over, and the next one comes soon.
   */
  public void configurationChanged() {
    long now = ticker.nanos();
    Configuration current = membership.configuration();
    if (wanted != null && wanted.version() <= current.version()) {
      wanted = null;
    }
    if (inRound() && round.configuration().version() != current.version()) {
      endRound(now + between(timing.settleMinNanos(), timing.settleMaxNanos()));
    }
  }

  /** The configuration the node is at. */
  public Configuration configuration() {
    return membership.configuration();
  }

  /** A ballot seen in any message, so the next round starts above it. */
  public void learn(long seen) {
    if (seen > highestSeen) {
      highestSeen = seen;
    }
  }

  /** Another node's lease, seen by the local voter or named by a voter's answer. */
  public void observe(KnownLease lease) {
    if (lease.owner() == id) {
      return; // this node's own standing comes from its own timer only
    }
    long now = ticker.nanos();
    if (known == null || !known.isLive(now) || lease.untilNanos() - known.untilNanos() > 0) {
      known = lease;
    }
  }

  /** The owner released its lease: try soon instead of waiting for it to run out. */
  public void forget(int owner) {
    if (known != null && known.owner() == owner) {
      known = null;
      long now = ticker.nanos();
      long soon = now + between(timing.settleMinNanos(), timing.settleMaxNanos());
      if (phase == Phase.IDLE && soon - nextAttemptAt < 0) {
        nextAttemptAt = soon;
      }
    }
  }

  /** Gives the lease up for good: no more rounds; voters are told to forget the lease. */
  public void release() {
    if (phase == Phase.RELEASED) {
      return;
    }
    long now = ticker.nanos();
    expireIfDue(now);
    phase = Phase.RELEASED;
    if (primary) {
      primary = false;
      roles.onNotPrimary(epoch);
    }
    if (ballot != 0) {
      outbox.send(membership.configuration().recipients(), new Release(ballot, id));
    }
  }

  /** When {@link #tick()} should run next, a {@link Ticker} reading. */
  public long nextWakeNanos() {
    long now = ticker.nanos();
    long wake = now + timing.leaseNanos();
    if (phase == Phase.IDLE) {
      wake = earlier(wake, nextAttemptAt);
    }
    if (inRound()) {
      wake = earlier(wake, roundDeadline);
    }
    if (primary) {
      wake = earlier(wake, expiresAt);
    }
    return wake;
  }

  /** Whether this node holds the lease right now, by its own timer. */
  public boolean isPrimary() {
    return primary && ticker.nanos() - expiresAt < 0;
  }

  /** How many times this node renewed a lease it held, since it started. */
  public long renewals() {
    return renewals;
  }

  /** The epoch of the lease held now, 0 if none. */
  public long epoch() {
    return isPrimary() ? epoch : 0;
  }

  /** When the held lease runs out, a {@link Ticker} reading; meaningful only while primary. */
  public long expiresAtNanos() {
    return expiresAt;
  }

  /** Another owner's lease this node knows to be live. */
  public Optional<KnownLease> knownLease() {
    return known != null && known.isLive(ticker.nanos()) ? Optional.of(known) : Optional.empty();
  }

  private void attempt(long now) {
    Configuration configuration = membership.configuration();
    if (!configuration.contains(id)) {
      nextAttemptAt = now + timing.renewNanos(); // not a candidate; looks again now and then
      return;
    }
    if (!primary && known != null && known.isLive(now)) {
      nextAttemptAt =
          known.untilNanos() + between(timing.settleMinNanos(), timing.settleMaxNanos());
      return;
    }
    ballot = Ballot.above(highestSeen, id);
    highestSeen = ballot;
    round = new RoundVotes(configuration);
    phase = Phase.PREPARING;
    roundDeadline = now + timing.roundTimeoutNanos();
    outbox.send(configuration.recipients(), new Prepare(ballot, id, configuration));
  }

  private void propose(long now) {
    phase = Phase.PROPOSING;
    proposeStart = now; // the owner's timer starts before any voter's
    roundDeadline = now + timing.roundTimeoutNanos();
    round.proposing(changeToCarry());
    outbox.send(
        round.proposeRecipients(),
        new Propose(
            ballot,
            id,
            primary ? epoch : ballot,
            timing.leaseNanos(),
            round.configuration(),
            round.change()));
  }

  /** Paxos: a change some promise reported must be finished first; else the one asked for. */
  private Configuration changeToCarry() {
    if (round.highestPending() != null) {
      return round.highestPending().next();
    }
    Configuration current = round.configuration();
    boolean mayStart =
        primary
            && wanted != null
            && current.isSettled()
            && wanted.version() == current.version() + 1;
    return mayStart ? wanted : null;
  }

  private void won(long now) {
    phase = Phase.IDLE;
    Configuration change = round.change();
    if (change != null) {
      membership.adopt(change); // done: a majority of the old voters and of the new
      if (wanted != null && wanted.version() <= change.version()) {
        wanted = null;
      }
      if (!change.contains(id)) {
        stepDown(); // removed itself: gives the lease up, and proposes no more
        return;
      }
    } else if (!round.configuration().isSettled()) {
      membership.adopt(round.configuration().settled()); // a majority of the old voters left
    }
    long until = proposeStart + timing.ownerNanos();
    nextAttemptAt = proposeStart + timing.renewNanos();
    if (now - until >= 0) {
      nextAttemptAt = now; // the answers came too late to be of use
    } else if (primary) {
      renewals++;
      if (until - expiresAt > 0) {
        expiresAt = until;
      }
    } else {
      primary = true;
      epoch = ballot;
      expiresAt = until;
      roles.onPrimary(epoch);
    }
  }

  /** Counts itself not primary at once and tells the voters to forget its lease. */
  private void stepDown() {
    nextAttemptAt = ticker.nanos() + timing.renewNanos();
    if (primary) {
      primary = false;
      roles.onNotPrimary(epoch);
    }
    outbox.send(membership.configuration().recipients(), new Release(ballot, id));
  }

  /** A voter promised higher: retry above it, soon if this node holds a lease to keep. */
  private void rejected(long now) {
    long pause =
        primary
            ? between(0, timing.retryMaxNanos())
            : between(timing.acquireMinNanos(), timing.acquireMaxNanos());
    endRound(now + pause);
  }

  private void endRound(long next) {
    phase = Phase.IDLE;
    nextAttemptAt = next;
  }

  private void expireIfDue(long now) {
    if (primary && now - expiresAt >= 0) {
      primary = false;
      roles.onNotPrimary(epoch);
    }
  }

  private boolean inRound() {
    return phase == Phase.PREPARING || phase == Phase.PROPOSING;
  }

  private long between(long min, long max) {
    return max <= min ? min : min + random.nextLong(max - min + 1);
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }
}
