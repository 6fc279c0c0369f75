package dev.grid.scheduler.lease;

/** A voter's "file" in memory: survives a restart of the node that uses it, nothing else. */
final class MemoryPromiseStore implements PromiseStore {
  private VoterState state;
  private int writes;

  @Override
  public VoterState load(Configuration initial) {
    return state != null ? state : new VoterState(0, initial, null);
  }

  @Override
  public void store(VoterState state) {
    if (this.state != null) {
      if (state.promised() < this.state.promised()) {
        throw new AssertionError("promise went down: " + this.state + " then " + state);
      }
      if (state.configuration().version() < this.state.configuration().version()) {
        throw new AssertionError("version went down: " + this.state + " then " + state);
      }
    }
    this.state = state;
    writes++;
  }

  /** The stored promise, 0 if none. */
  long promised() {
    return state == null ? 0 : state.promised();
  }

  /** How many times the state was written. */
  int writes() {
    return writes;
  }
}
