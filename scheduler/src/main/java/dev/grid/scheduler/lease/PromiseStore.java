package dev.grid.scheduler.lease;

/**
 * Where a voter keeps its {@link VoterState}: its highest promise, so that a restarted voter never
 * promises or accepts below a promise it gave before (and epochs keep growing across a full
 * restart); the configuration it is at; and the change it accepted.
 */
public interface PromiseStore {
  /**
   * The stored state. Nothing stored gives ballot 0 at {@code initial}; a promise stored before
   * configurations were kept comes back at {@code initial} too.
   */
  VoterState load(Configuration initial);

  /** Stores {@code state} durably before returning; promises and versions never go down. */
  void store(VoterState state);
}
