package dev.grid.scheduler.lease;

/**
 * A lease a node knows of, timed on the node's own clock.
 *
 * @param owner the owner's voter index
 * @param epoch the epoch the owner holds it under
 * @param untilNanos when it runs out, a {@link Ticker} reading
 */
public record KnownLease(int owner, long epoch, long untilNanos) {
  /** Whether the lease is still live at {@code now}. */
  public boolean isLive(long now) {
    return now - untilNanos < 0;
  }
}
