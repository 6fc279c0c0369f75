package dev.grid.scheduler.lease;

/**
 * Where a voter keeps the highest ballot it has promised, so that a restarted voter never promises
 * or accepts below a promise it gave before (and epochs keep growing across a full restart).
 */
public interface PromiseStore {
  /** The highest ballot stored, 0 if none ever was. */
  long load();

  /** Stores {@code ballot} durably before returning; called only with growing ballots. */
  void store(long ballot);
}
