package dev.grid.scheduler.lease;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * The voters of one version: who votes, and, while a change to this version is not yet settled, who
 * voted in the version before (see the package documentation, "Changing the voters").
 *
 * <p>Two configurations of the same version always have the same voters (only chosen configurations
 * are ever reached), so the version alone names the voters; {@link #previous} is what a node knows
 * of the change's progress, not part of the name.
 *
 * @param version the version, 0 for the list the grid was started with
 * @param voters the voter ids, sorted, at least one
 * @param previous the voters of version - 1 while this version is not settled, else empty
 */
public record Configuration(long version, List<Integer> voters, List<Integer> previous) {

  /** Validates eagerly and keeps sorted, unmodifiable copies. */
  public Configuration {
    if (version < 0) {
      throw new IllegalArgumentException("configuration version " + version + " is negative");
    }
    voters = sortedIds(voters, "voters");
    previous = previous.isEmpty() ? List.of() : sortedIds(previous, "previous voters");
    if (version == 0 && !previous.isEmpty()) {
      throw new IllegalArgumentException("version 0 has no previous voters: " + previous);
    }
  }

  /** Version 0 of a grid started with {@code voters} voters: ids 0..voters-1, settled. */
  public static Configuration initial(int voters) {
    if (voters < 1 || voters > Ballot.MAX_VOTERS) {
      throw new IllegalArgumentException(
          voters + " voters: a grid has between 1 and " + Ballot.MAX_VOTERS);
    }
    List<Integer> ids = new ArrayList<>();
    for (int id = 0; id < voters; id++) {
      ids.add(id);
    }
    return new Configuration(0, ids, List.of());
  }

  /**
   * The next version with {@code voters}, which must add or remove exactly one voter; not settled.
   *
   * @throws IllegalArgumentException if the voters differ by more or less than one
   * @throws IllegalStateException if this version is not settled yet
   */
  public Configuration next(List<Integer> voters) {
    if (!isSettled()) {
      throw new IllegalStateException(
          "version " + version + " is not settled yet: change the voters once it is");
    }
    Configuration next = new Configuration(version + 1, voters, this.voters);
    int differ = differences(this.voters, next.voters);
    if (differ != 1) {
      throw new IllegalArgumentException(
          "voters "
              + next.voters
              + " differ from "
              + this.voters
              + " by "
              + differ
              + "; add or remove one voter at a time (a replacement is an add, then a remove)");
    }
    return next;
  }

  /** Whether the change to this version is settled: no majority of the voters before it is left. */
  public boolean isSettled() {
    return previous.isEmpty();
  }

  /** This version, settled. */
  public Configuration settled() {
    return isSettled() ? this : new Configuration(version, voters, List.of());
  }

  /** Whether {@code id} votes in this version. */
  public boolean contains(int id) {
    return voters.contains(id);
  }

  /** Every node a round under this configuration talks to: the voters and the previous ones. */
  public List<Integer> recipients() {
    TreeSet<Integer> all = new TreeSet<>(voters);
    all.addAll(previous);
    return List.copyOf(all);
  }

  /**
   * Whether a node at {@code other} should move to this one: a higher version, or the same one that
   * this node knows to be settled.
   */
  public boolean isNewerThan(Configuration other) {
    return version > other.version || version == other.version && isSettled() && !other.isSettled();
  }

  /** Whether {@code votes} (a set of voter ids) holds a majority of {@code ids}. */
  static boolean majorityOf(List<Integer> ids, BitSet votes) {
    int count = 0;
    for (int id : ids) {
      count += votes.get(id) ? 1 : 0;
    }
    return count > ids.size() / 2;
  }

  @Override
  public String toString() {
    return "v" + version + voters + (isSettled() ? "" : " from " + previous);
  }

  private static int differences(List<Integer> a, List<Integer> b) {
    TreeSet<Integer> onlyA = new TreeSet<>(a);
    onlyA.removeAll(b);
    TreeSet<Integer> onlyB = new TreeSet<>(b);
    onlyB.removeAll(a);
    return onlyA.size() + onlyB.size();
  }

  private static List<Integer> sortedIds(List<Integer> ids, String what) {
    TreeSet<Integer> sorted = new TreeSet<>();
    for (Integer id : ids) {
      if (id == null || id < 0 || id >= Ballot.MAX_VOTERS) {
        throw new IllegalArgumentException(
            what + " " + ids + ": voter id " + id + " is not between 0 and " + Ballot.MAX_VOTERS);
      }
      if (!sorted.add(id)) {
        throw new IllegalArgumentException(what + " " + ids + " name voter " + id + " twice");
      }
    }
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException(what + " are empty: a configuration needs a voter");
    }
    return List.copyOf(sorted);
  }
}
