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
 * One node of the lease protocol: its voter and its candidate, and what the node as a whole knows
 * (the live lease, the highest epoch seen). Messages arrive through {@link #receive}, one at a
 * time; everything it sends, to itself included, leaves through the {@link Network}, so no handler
 * ever runs inside another. Used as it is by the Hazelcast transport and by the simulation test.
 */
public final class LeaseNode {
  /** Carries a message to one voter; may lose, delay, duplicate or reorder it. */
  @FunctionalInterface
  public interface Network {
    /** Sends {@code message} to voter {@code voter} (possibly this node). */
    void send(int voter, LeaseMessage message);
  }

  private final int id;
  private final Ticker ticker;
  private final Acceptor acceptor;
  private final Proposer proposer;
  private final Network network;
  private long highestEpochSeen;

  /**
   * A node that has just started (its voter stays silent for a lease time).
   *
   * @param id this node's voter id
   * @param initial the configuration the node was started with, used if its store holds none
   * @param store this node's durable promise and configuration
   */
  public LeaseNode(
      int id,
      Configuration initial,
      LeaseTiming timing,
      Ticker ticker,
      RandomGenerator random,
      PromiseStore store,
      Network network,
      Proposer.Roles roles) {
    this(
        id,
        timing,
        ticker,
        random,
        new Acceptor(id, initial, store, ticker, timing),
        network,
        roles);
  }

  LeaseNode(
      int id,
      LeaseTiming timing,
      Ticker ticker,
      RandomGenerator random,
      Acceptor acceptor,
      Network network,
      Proposer.Roles roles) {
    this.id = id;
    this.ticker = ticker;
    this.acceptor = acceptor;
    this.network = network;
    Proposer.Roles seen =
        new Proposer.Roles() {
          @Override
          public void onPrimary(long epoch) {
            seeEpoch(epoch);
            roles.onPrimary(epoch);
          }

          @Override
          public void onNotPrimary(long epoch) {
            roles.onNotPrimary(epoch);
          }
        };
    Proposer.Outbox outbox =
        (voters, message) -> {
          if (message instanceof Prepare prepare) {
            acceptor.reserve(prepare.ballot());
          }
          for (int voter : voters) {
            network.send(voter, message);
          }
        };
    Proposer.Membership membership =
        new Proposer.Membership() {
          @Override
          public Configuration configuration() {
            return acceptor.configuration();
          }

          @Override
          public void adopt(Configuration next) {
            acceptor.learn(next);
          }
        };
    this.proposer =
        new Proposer(id, membership, acceptor.promised(), timing, ticker, random, outbox, seen);
  }

  /** Starts the candidate; the first attempt comes after a renewal period or so. */
  public void start() {
    proposer.start();
  }

  /** Handles one message from the network. */
  public void receive(LeaseMessage message) {
    Configuration carried = carriedConfiguration(message);
    if (carried != null && acceptor.learn(carried)) {
      proposer.configurationChanged();
    }
    if (message instanceof Prepare prepare) {
      proposer.learn(prepare.ballot());
      acceptor.onPrepare(prepare).ifPresent(reply -> network.send(prepare.proposer(), reply));
    } else if (message instanceof Propose propose) {
      onPropose(propose);
    } else if (message instanceof PrepareReply reply) {
      proposer.onPrepareReply(reply);
    } else if (message instanceof ProposeReply reply) {
      proposer.onProposeReply(reply);
    } else if (message instanceof Release release) {
      acceptor.onRelease(release);
      proposer.forget(release.owner());
    }
  }

  /** The configuration the sender is at (never a change a propose carries: not chosen yet). */
  private static Configuration carriedConfiguration(LeaseMessage message) {
    if (message instanceof Prepare m) {
      return m.configuration();
    } else if (message instanceof PrepareReply m) {
      return m.configuration();
    } else if (message instanceof Propose m) {
      return m.configuration();
    } else if (message instanceof ProposeReply m) {
      return m.configuration();
    }
    return null;
  }

  private void onPropose(Propose propose) {
    proposer.learn(propose.ballot());
    if (propose.epoch() != propose.ballot()) {
      // Only a primary renews, so this epoch belongs to a lease that was really held. An
      // acquisition's ballot may never become one, so it counts once it is renewed.
      seeEpoch(propose.epoch());
    }
    long now = ticker.nanos();
    boolean quiet = acceptor.isQuiet(now);
    Optional<ProposeReply> reply = acceptor.onPropose(propose);
    if (quiet || reply.map(ProposeReply::accepted).orElse(false)) {
      // Knowledge only, for backing off; safety never rests on it.
      proposer.observe(
          new KnownLease(propose.owner(), propose.epoch(), now + propose.leaseNanos()));
    }
    reply.ifPresent(r -> network.send(propose.owner(), r));
  }

  /** Acts on time; call at {@link #nextWakeNanos()} (earlier or later does no harm). */
  public void tick() {
    proposer.tick();
  }

  /** When {@link #tick()} should run next, a {@link Ticker} reading. */
  public long nextWakeNanos() {
    return proposer.nextWakeNanos();
  }

  /** Gives up a held lease and stops trying; the voter keeps answering. */
  public void release() {
    proposer.release();
  }

  /** Whether this node holds the lease right now, by its own timer. */
  public boolean isPrimary() {
    return proposer.isPrimary();
  }

  /** The epoch of the lease held now, 0 if none. */
  public long epoch() {
    return proposer.epoch();
  }

  /** How many times this node renewed a lease it held, since it started. */
  public long renewals() {
    return proposer.renewals();
  }

  /** The live lease this node knows of: its own, or another owner's. */
  public Optional<KnownLease> knownLease() {
    if (proposer.isPrimary()) {
      return Optional.of(new KnownLease(id, proposer.epoch(), proposer.expiresAtNanos()));
    }
    Optional<KnownLease> learned = proposer.knownLease();
    if (learned.isPresent()) {
      return learned;
    }
    return acceptor.liveLease().filter(lease -> lease.owner() != id);
  }

  /**
   * The highest epoch of a lease really held that this node has seen: its own, or one carried by a
   * renewal. Never above the newest primary's epoch, so a primary that sees a higher one knows it
   * is stale.
   */
  public long highestEpochSeen() {
    return highestEpochSeen;
  }

  /**
   * Asks to change the voters to {@code voters} (one added or removed); true if this node, the
   * primary under a settled configuration with no change under way, will try it. See {@link
   * Proposer#requestChange}.
   *
   * @throws IllegalArgumentException if {@code voters} differ by more or less than one voter
   */
  public boolean requestChange(List<Integer> voters) {
    Configuration current = acceptor.configuration();
    return current.isSettled() && requestChange(current.next(voters));
  }

  /** As above, unchecked: the simulation test's broken variant asks for two voters at once. */
  boolean requestChange(Configuration next) {
    return proposer.requestChange(next);
  }

  /** The configuration this node is at. */
  public Configuration configuration() {
    return acceptor.configuration();
  }

  /** The voter's highest promised ballot. */
  public long promised() {
    return acceptor.promised();
  }

  private void seeEpoch(long epoch) {
    if (epoch > highestEpochSeen) {
      highestEpochSeen = epoch;
    }
  }
}
