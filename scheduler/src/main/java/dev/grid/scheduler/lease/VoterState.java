package dev.grid.scheduler.lease;

/**
 * What a voter keeps durably: its highest promise, the configuration it is at, and the change it
 * accepted for the next version, if any.
 *
 * @param promised the highest ballot promised (and used, by this node's own candidate)
 * @param configuration the configuration the node is at
 * @param pending the change accepted for the next version, or null
 */
public record VoterState(long promised, Configuration configuration, PendingChange pending) {
  /** Validates eagerly. */
  public VoterState {
    if (promised < 0) {
      throw new IllegalArgumentException("promised ballot " + promised + " is negative");
    }
    if (configuration == null) {
      throw new IllegalArgumentException("a voter is always at some configuration");
    }
    if (pending != null && pending.next().version() != configuration.version() + 1) {
      throw new IllegalArgumentException(
          "pending change to " + pending.next() + " does not follow " + configuration);
    }
  }
}
