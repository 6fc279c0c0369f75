package dev.grid.scheduler.lease;

import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Who answered one round of a candidate, and whether that is enough. The counting rules of changing
 * the voters live here (see the package documentation): promises count from a majority of the
 * round's voters; accepts from a majority of its voters and, while a change is in flight, of the
 * other voters too: of the next ones when the propose carries a change, of the previous ones while
 * the round's configuration is not settled. Answers of nodes outside those sets are not counted;
 * the change a promise reports is kept whoever sent it (any change reported at a higher ballot is
 * the same value, by the Paxos argument in {@link Acceptor}).
 */
final class RoundVotes {
  private final Configuration configuration;
  private final BitSet votes = new BitSet();
  private Configuration change; // what the propose carries, or null
  private PendingChange highestPending;

  /** Votes of a round run under {@code configuration}. */
  RoundVotes(Configuration configuration) {
    this.configuration = configuration;
  }

  /** The configuration the round runs under. */
  Configuration configuration() {
    return configuration;
  }

  /** A promise from {@code voter}, which reported {@code pending} (or null); true on a majority. */
  boolean promised(int voter, PendingChange pending) {
    if (pending != null && (highestPending == null || pending.ballot() > highestPending.ballot())) {
      highestPending = pending;
    }
    votes.set(voter);
    return Configuration.majorityOf(configuration.voters(), votes);
  }

  /** The change with the highest ballot the promises reported, which the round must carry. */
  PendingChange highestPending() {
    return highestPending;
  }

  /** The propose goes out carrying {@code change} (or null): accepts are counted from here. */
  void proposing(Configuration change) {
    this.change = change;
    votes.clear();
  }

  /** The change the propose carries, or null. */
  Configuration change() {
    return change;
  }

  /** Every node the propose goes to: the round's recipients and the next voters. */
  List<Integer> proposeRecipients() {
    if (change == null) {
      return configuration.recipients();
    }
    TreeSet<Integer> all = new TreeSet<>(configuration.recipients());
    all.addAll(change.voters());
    return List.copyOf(all);
  }

  /** An accept from {@code voter}; true once the accepts make the round complete. */
  boolean accepted(int voter) {
    votes.set(voter);
    return Configuration.majorityOf(configuration.voters(), votes)
        && (configuration.isSettled() || Configuration.majorityOf(configuration.previous(), votes))
        && (change == null || Configuration.majorityOf(change.voters(), votes));
  }
}
