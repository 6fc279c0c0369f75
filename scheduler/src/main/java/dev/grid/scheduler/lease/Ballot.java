package dev.grid.scheduler.lease;

/**
 * Ballots are a round counter and the proposer's voter id packed into one long: {@code counter <<
 * 16 | id} (the "index" below: at version 0 the id is the index in the sorted voter list). Two
 * proposers never share a ballot, even across changes of the voters, since an id belongs to one
 * node for good (see the package documentation); and ordering the longs orders the rounds, so the
 * ballot of a successful propose can serve as the epoch (the fencing token) as it is.
 */
public final class Ballot {
  /** Bits for the voter index: up to 65,536 voters. */
  static final int INDEX_BITS = 16;

  /** The most voters a grid can have. */
  public static final int MAX_VOTERS = 1 << INDEX_BITS;

  private Ballot() {}

  /** The ballot of round {@code counter} by voter {@code index}. */
  public static long of(long counter, int index) {
    if (counter < 0 || counter >= 1L << (63 - INDEX_BITS)) {
      throw new IllegalArgumentException("ballot counter " + counter + " is out of range");
    }
    if (index < 0 || index >= MAX_VOTERS) {
      throw new IllegalArgumentException("voter index " + index + " is out of range");
    }
    return counter << INDEX_BITS | index;
  }

  /** The round counter of a ballot. */
  public static long counter(long ballot) {
    return ballot >>> INDEX_BITS;
  }

  /** The index of the voter that made the ballot. */
  public static int index(long ballot) {
    return (int) (ballot & (MAX_VOTERS - 1));
  }

  /** The smallest ballot of voter {@code index} that is higher than {@code seen}. */
  public static long above(long seen, int index) {
    return of(counter(seen) + 1, index);
  }

  /** Readable form, {@code counter.index}. */
  public static String format(long ballot) {
    return counter(ballot) + "." + index(ballot);
  }
}
