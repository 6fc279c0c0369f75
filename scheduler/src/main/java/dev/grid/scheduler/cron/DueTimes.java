package dev.grid.scheduler.cron;

import java.time.Instant;
import java.util.Optional;

/** The due times of a schedule, as a sequence of instants. */
interface DueTimes {
  /** The first due time strictly after {@code t}, or empty if none ever. */
  Optional<Instant> nextAfter(Instant t);

  /** How many due times lie in {@code (afterExclusive, untilInclusive]}, without listing them. */
  long count(Instant afterExclusive, Instant untilInclusive);
}
