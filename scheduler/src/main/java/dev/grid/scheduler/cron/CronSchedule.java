package dev.grid.scheduler.cron;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * When a schedule is due: a parsed cron expression in a time zone. Immutable and safe to share
 * between threads; pure (no clock, no threads).
 *
 * <pre>{@code
 * CronSchedule nightly = CronSchedule.parse("30 2 * * *", "Europe/Paris", null);
 * nightly.quartzExpression();                 // Optional[0 30 2 * * ?]
 * nightly.nextAfter(Instant.parse("2026-03-28T12:00:00Z"));
 * // Optional[2026-03-30T00:30:00Z]: 02:30 does not exist in Paris on 29 March
 * }</pre>
 *
 * <p>Calendar schedules (Quartz, Unix and the {@code @hourly}-style macros) are due at whole
 * seconds of wall-clock time in the zone. Across daylight-saving changes:
 *
 * <ul>
 *   <li><b>Spring forward</b>: a wall-clock time that does not exist that day is skipped, as Quartz
 *       itself does; a daily {@code 02:30} in Europe/Paris does not fire on the last Sunday of
 *       March. An hourly schedule goes from 01:00 to 03:00 wall-clock time, one hour apart.
 *   <li><b>Fall back</b>: a wall-clock time that happens twice fires once, at its first occurrence,
 *       when the hour field names hours (a daily {@code 01:30} in New York fires at 01:30 EDT, not
 *       again at 01:30 EST). When the hour field is a wildcard ({@code *}, {@code *}{@code /n}) it
 *       fires at both, so an hourly schedule stays one hour apart.
 * </ul>
 *
 * <p>Quartz's own time-zone arithmetic gets the fall-back hour wrong (see {@code CalendarTimes}),
 * so a Quartz {@code CronTrigger} built from {@link #quartzExpression()} and the zone can disagree
 * with this class within that hour; fire at {@link #nextAfter} instead.
 *
 * <p>{@code @every} schedules are due at {@code anchor + k * period} for {@code k >= 1}, in elapsed
 * time: no zone, no daylight saving ({@code d} is 24 hours).
 */
public final class CronSchedule {
  private final String expression;
  private final ZoneId zone;
  private final Instant anchor;
  private final String quartz;
  private final Duration every;
  private final DueTimes times;

  private CronSchedule(String expression, ZoneId zone, Instant anchor, CronSyntax.Parsed parsed) {
    this.expression = expression;
    this.zone = zone;
    this.anchor = anchor;
    this.quartz = parsed.quartz();
    this.every = parsed.every();
    this.times = every != null ? new EveryTimes(anchor, every) : new CalendarTimes(quartz, zone);
  }

  /**
   * Parses Quartz syntax with seconds ({@code "0/5 * * * * ?"}, 6 or 7 fields), classic five-field
   * Unix cron ({@code "*}{@code /5 * * * *"}: minute hour day-of-month month day-of-week, with
   * day-of-week 0-7 where 0 and 7 are Sunday, and names such as MON or JAN), {@code "@every 10s"}
   * (units ms, s, m, h, d; combined as in {@code 1m30s}; at least 1s), and {@code @hourly},
   * {@code @daily}, {@code @midnight}, {@code @weekly}, {@code @monthly}, {@code @yearly}.
   *
   * <p>Unix cron runs on days matching either day field when both are restricted; Quartz cannot
   * express that, so such an expression is refused, suggesting Quartz syntax.
   *
   * @param expression what the user wrote
   * @param zone an IANA zone id; null means UTC
   * @param anchor the instant {@code @every} counts from (due at anchor + k * period, k >= 1);
   *     required for {@code @every}, unused (may be null) otherwise
   * @throws IllegalArgumentException naming the bad expression or zone and what to write instead
   */
  public static CronSchedule parse(String expression, String zone, Instant anchor) {
    ZoneId zoneId = zone(zone);
    CronSyntax.Parsed parsed = CronSyntax.parse(expression);
    if (parsed.every() != null && anchor == null) {
      throw new IllegalArgumentException(
          "cron expression '"
              + expression
              + "' needs an anchor, the instant its period counts from: pass the schedule's creation"
              + " time");
    }
    return new CronSchedule(expression, zoneId, anchor, parsed);
  }

  private static ZoneId zone(String zone) {
    if (zone == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(zone.trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "time zone '"
              + zone
              + "' is not known: use an IANA id"
              + " such as 'Europe/Paris', 'America/New_York' or 'UTC'");
    }
  }

  /** The expression as the user wrote it. */
  public String expression() {
    return expression;
  }

  /** The zone calendar schedules are read in; UTC when none was given. */
  public ZoneId zone() {
    return zone;
  }

  /** The instant {@code @every} counts from, as given (may be null for calendar schedules). */
  public Instant anchor() {
    return anchor;
  }

  /** The first due time strictly after {@code t}, or empty if none ever. */
  public Optional<Instant> nextAfter(Instant t) {
    return times.nextAfter(Objects.requireNonNull(t, "t"));
  }

  /**
   * Due times in {@code (afterExclusive, untilInclusive]}, oldest first, at most {@code limit} of
   * them (the oldest ones).
   */
  public List<Instant> dueBetween(Instant afterExclusive, Instant untilInclusive, int limit) {
    Objects.requireNonNull(untilInclusive, "untilInclusive");
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + " must not be negative");
    }
    List<Instant> due = new ArrayList<>();
    Optional<Instant> next = nextAfter(afterExclusive);
    while (due.size() < limit && next.isPresent() && !next.get().isAfter(untilInclusive)) {
      due.add(next.get());
      next = nextAfter(next.get());
    }
    return due;
  }

  /** The equivalent Quartz expression (seconds first) for calendar schedules; empty for @every. */
  public Optional<String> quartzExpression() {
    return Optional.ofNullable(quartz);
  }

  /** The period of {@code @every} schedules; empty otherwise. */
  public Optional<Duration> every() {
    return Optional.ofNullable(every);
  }

  /** How many due times lie in {@code (afterExclusive, untilInclusive]}, without listing them. */
  long count(Instant afterExclusive, Instant untilInclusive) {
    return times.count(afterExclusive, untilInclusive);
  }

  /**
   * The latest {@code k} due times in {@code (afterExclusive, untilInclusive]}, oldest first: a
   * bisection on {@link #count} finds where they start, so nothing before them is listed.
   */
  List<Instant> latest(Instant afterExclusive, Instant untilInclusive, int k) {
    if (k <= 0 || !untilInclusive.isAfter(afterExclusive)) {
      return List.of();
    }
    if (count(afterExclusive, untilInclusive) <= k) {
      return dueBetween(afterExclusive, untilInclusive, k);
    }
    // count(lo, until) > k >= count(hi, until); due times are at least a millisecond apart.
    Instant lo = afterExclusive;
    Instant hi = untilInclusive;
    while (Duration.between(lo, hi).compareTo(Duration.ofMillis(1)) > 0) {
      Instant mid = lo.plus(Duration.between(lo, hi).dividedBy(2));
      if (count(mid, untilInclusive) > k) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return dueBetween(hi, untilInclusive, k);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule c
        && expression.equals(c.expression)
        && zone.equals(c.zone)
        && Objects.equals(anchor, c.anchor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(expression, zone, anchor);
  }

  @Override
  public String toString() {
    return "CronSchedule["
        + expression
        + " in "
        + zone
        + (every != null ? " from " + anchor : " = " + quartz)
        + "]";
  }
}
