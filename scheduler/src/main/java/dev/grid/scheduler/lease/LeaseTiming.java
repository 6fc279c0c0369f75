package dev.grid.scheduler.lease;

import java.time.Duration;

/**
 * Every period of the lease protocol, derived from the lease time T in this one place.
 *
 * <p>With the default T = 1.5 s: voters hold an accepted lease 1.5 s on their own timer; the owner
 * counts itself primary for {@link #ownerNanos()} (1.47 s) from the moment it sent the propose; it
 * starts renewing after {@link #renewNanos()} (375 ms) and retries a renewal every {@link
 * #roundTimeoutNanos()} (150 ms) at most; a node that knows of no live lease tries to acquire one
 * every 150-300 ms; a node that saw the known lease run out or be released tries after 15-75 ms; a
 * restarted voter stays silent {@link #quietNanos()} (1.53 s).
 *
 * @param leaseNanos T, the lease time in nanoseconds
 */
public record LeaseTiming(long leaseNanos) {
  /**
   * The largest rate difference assumed between a node's monotonic clock and real time (1%, far
   * above what quartz clocks drift). Safety depends on it: see {@link #ownerNanos()}.
   */
  public static final double MAX_DRIFT = 0.01;

  /**
   * The default lease time. A SIGKILLed primary is replaced about this long after the kill (issue
   * target: under 2 s at the median); the owner renews four times per lease time.
   */
  public static final Duration DEFAULT_LEASE_TIME = Duration.ofMillis(1500);

  /** Validates eagerly. */
  public LeaseTiming {
    if (leaseNanos < 100_000_000L) {
      throw new IllegalArgumentException(
          "lease time " + Duration.ofNanos(leaseNanos) + " is too short: use at least 100 ms");
    }
  }

  /** The timing for lease time {@code leaseTime}. */
  public static LeaseTiming of(Duration leaseTime) {
    return new LeaseTiming(leaseTime.toNanos());
  }

  /**
   * How long the owner counts itself primary after sending a propose, on its own clock. Voters
   * start their timer T later (on receipt) and, with clocks within {@link #MAX_DRIFT} of real time,
   * the owner's {@code T (1-d)/(1+d)} on a slow clock ends in real time before any voter's T on a
   * fast clock.
   */
  public long ownerNanos() {
    return (long) Math.floor(leaseNanos * (1 - MAX_DRIFT) / (1 + MAX_DRIFT)) - 1;
  }

  /**
   * How long a restarted voter answers nothing: longer than any lease it may have accepted before
   * it stopped, even if its clock ran at another rate then.
   */
  public long quietNanos() {
    return (long) Math.ceil(leaseNanos * (1 + MAX_DRIFT) / (1 - MAX_DRIFT)) + 1;
  }

  /** From the start of a successful propose to the start of the renewal: T/4. */
  public long renewNanos() {
    return leaseNanos / 4;
  }

  /** A round (prepare then propose) not finished in T/10 is abandoned. */
  public long roundTimeoutNanos() {
    return leaseNanos / 10;
  }

  /** Least pause between acquisition attempts while no live lease is known: T/10. */
  public long acquireMinNanos() {
    return leaseNanos / 10;
  }

  /** Most pause between acquisition attempts while no live lease is known: T/5. */
  public long acquireMaxNanos() {
    return leaseNanos / 5;
  }

  /** Least pause after a known lease ran out or was released: T/100. */
  public long settleMinNanos() {
    return leaseNanos / 100;
  }

  /** Most pause after a known lease ran out or was released: T/20. */
  public long settleMaxNanos() {
    return leaseNanos / 20;
  }

  /** Most pause before an owner retries a renewal that a higher ballot turned down: T/40. */
  public long retryMaxNanos() {
    return leaseNanos / 40;
  }
}
