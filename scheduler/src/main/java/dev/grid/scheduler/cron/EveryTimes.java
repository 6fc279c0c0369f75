package dev.grid.scheduler.cron;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** {@code @every}: due at {@code anchor + k * period} for {@code k >= 1}; plain arithmetic. */
final class EveryTimes implements DueTimes {
  private final Instant anchor;
  private final Duration period;

  EveryTimes(Instant anchor, Duration period) {
    this.anchor = anchor;
    this.period = period;
  }

  @Override
  public Optional<Instant> nextAfter(Instant t) {
    try {
      return Optional.of(anchor.plus(period.multipliedBy(reached(t) + 1)));
    } catch (ArithmeticException | DateTimeException beyondTime) {
      return Optional.empty();
    }
  }

  @Override
  public long count(Instant afterExclusive, Instant untilInclusive) {
    return untilInclusive.isAfter(afterExclusive)
        ? reached(untilInclusive) - reached(afterExclusive)
        : 0;
  }

  /** How many due times lie at or before {@code t}. */
  private long reached(Instant t) {
    return t.isBefore(anchor) ? 0 : Duration.between(anchor, t).dividedBy(period);
  }
}
