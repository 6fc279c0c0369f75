package dev.grid.scheduler.cron;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * Calendar due times: Quartz decides which wall-clock times match; this class maps wall-clock times
 * to instants in the zone.
 *
 * <p>Why not Quartz's own {@code setTimeZone}: in the hour a fall-back repeats, Quartz 2.5.2 only
 * ever returns the second occurrence (an hourly expression in New York jumps 00:00 EDT to 01:00
 * EST, two hours), and asked from inside the first occurrence it skips the rest of that day. So
 * Quartz here runs in UTC, where wall-clock times and instants coincide, and the zone is applied
 * segment by segment between the zone's offset transitions:
 *
 * <ul>
 *   <li>A wall-clock time a spring-forward skips never happens: it is skipped, as Quartz does.
 *   <li>A wall-clock time a fall-back repeats fires once, at its first occurrence, when the hour
 *       field names hours ({@code 30 1 * * *}); it fires at both occurrences when the hour field is
 *       a wildcard ({@code *}, {@code *}{@code /2}), so an hourly schedule stays an hour apart.
 * </ul>
 *
 * <p>Counting does not list: a day's matches are the product of Quartz's second, minute and hour
 * sets, taken once at parse time, so {@link #count} walks matching days, not due times.
 *
 * <p>Concurrency: Quartz's {@code CronExpression} is not documented as thread-safe; every use of
 * the two held here is under this object's lock.
 */
final class CalendarTimes implements DueTimes {
  private static final long DAY = 86_400;
  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  /** Beyond any zone offset's reach (offsets are within +-18 h). */
  private static final long MAX_OFFSET_SPAN = 2 * 18 * 3600;

  private final ZoneRules rules;
  private final CronExpression full;
  private final CronExpression days;
  private final boolean hourWildcard;
  private final int[] seconds;
  private final int[] minutes;
  private final int[] hours;
  private final long perDay;

  CalendarTimes(String quartz, ZoneId zone) {
    String[] f = quartz.split(" ");
    this.rules = zone.getRules();
    this.full = utc(quartz);
    this.days = utc("0 0 0 " + f[3] + " " + f[4] + " " + f[5] + (f.length > 6 ? " " + f[6] : ""));
    this.hourWildcard = f[2].startsWith("*");
    this.seconds = values(utc(f[0] + " 0 0 * * ?"), 1, 60);
    this.minutes = values(utc("0 " + f[1] + " 0 * * ?"), 60, 60);
    this.hours = values(utc("0 0 " + f[2] + " * * ?"), 3600, 24);
    this.perDay = (long) seconds.length * minutes.length * hours.length;
  }

  @Override
  public synchronized Optional<Instant> nextAfter(Instant t) {
    long s = t.getEpochSecond() + 1;
    while (true) {
      long o = offset(s);
      long end = transitionAfter(s);
      OptionalLong local = localAtOrAfter(full, s + o);
      if (local.isEmpty()) {
        if (end == Long.MAX_VALUE || localAtOrAfter(full, s + o - MAX_OFFSET_SPAN).isEmpty()) {
          return Optional.empty();
        }
        s = end;
        continue;
      }
      long i = local.getAsLong() - o;
      if (i >= end) {
        s = end;
      } else if (!hourWildcard && repeatEnd(i) > i) {
        s = repeatEnd(i);
      } else {
        return Optional.of(Instant.ofEpochSecond(i));
      }
    }
  }

  @Override
  public synchronized long count(Instant afterExclusive, Instant untilInclusive) {
    long to = untilInclusive.getEpochSecond() + 1;
    long total = 0;
    for (long s = afterExclusive.getEpochSecond() + 1; s < to; ) {
      long o = offset(s);
      long end = Math.min(transitionAfter(s), to);
      total += localCount(s + o, end + o);
      long repeat = hourWildcard ? s : Math.min(repeatEnd(s), end);
      if (repeat > s) {
        total -= localCount(s + o, repeat + o);
      }
      s = end;
    }
    return total;
  }

  private long offset(long epochSecond) {
    return rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
  }

  /** The next offset change strictly after {@code s}, or {@code Long.MAX_VALUE}. */
  private long transitionAfter(long s) {
    ZoneOffsetTransition next = rules.nextTransition(Instant.ofEpochSecond(s));
    return next == null ? Long.MAX_VALUE : next.toEpochSecond();
  }

  /**
   * If {@code i} is a second occurrence of a wall-clock time a fall-back repeats, the end of that
   * repeated stretch; otherwise {@code i} itself.
   */
  private long repeatEnd(long i) {
    ZoneOffsetTransition last = rules.previousTransition(Instant.ofEpochSecond(i, 1));
    if (last == null || !last.isOverlap()) {
      return i;
    }
    long end = last.toEpochSecond() - last.getDuration().getSeconds();
    return i < end ? end : i;
  }

  /** Matching wall-clock seconds in {@code [from, to)} (as epoch seconds read in UTC). */
  private long localCount(long from, long to) {
    if (from >= to) {
      return 0;
    }
    long fromDay = Math.floorDiv(from, DAY);
    long toDay = Math.floorDiv(to, DAY);
    long fromTime = Math.floorMod(from, DAY);
    long toTime = Math.floorMod(to, DAY);
    if (fromDay == toDay) {
      return dayMatches(fromDay) ? before(toTime) - before(fromTime) : 0;
    }
    long n = dayMatches(fromDay) ? perDay - before(fromTime) : 0;
    n += matchingDays(fromDay + 1, toDay) * perDay;
    return n + (toTime > 0 && dayMatches(toDay) ? before(toTime) : 0);
  }

  private boolean dayMatches(long day) {
    OptionalLong next = localAtOrAfter(days, day * DAY);
    return next.isPresent() && next.getAsLong() == day * DAY;
  }

  /** Matching days in {@code [fromDay, toDay)}. */
  private long matchingDays(long fromDay, long toDay) {
    long n = 0;
    for (OptionalLong d = localAtOrAfter(days, fromDay * DAY);
        d.isPresent() && d.getAsLong() < toDay * DAY;
        d = localAtOrAfter(days, d.getAsLong() + DAY)) {
      n++;
    }
    return n;
  }

  /** Matching times of day strictly before {@code secondOfDay}. */
  private long before(long secondOfDay) {
    int h = (int) (secondOfDay / 3600);
    int m = (int) (secondOfDay % 3600 / 60);
    int s = (int) (secondOfDay % 60);
    long n = (long) below(hours, h) * minutes.length * seconds.length;
    if (contains(hours, h)) {
      n += (long) below(minutes, m) * seconds.length;
      if (contains(minutes, m)) {
        n += below(seconds, s);
      }
    }
    return n;
  }

  private static int below(int[] sorted, int v) {
    int i = Arrays.binarySearch(sorted, v);
    return i >= 0 ? i : -i - 1;
  }

  private static boolean contains(int[] sorted, int v) {
    return Arrays.binarySearch(sorted, v) >= 0;
  }

  /** The first match at or after a wall-clock second; Quartz looks strictly after its argument. */
  private static OptionalLong localAtOrAfter(CronExpression e, long localSecond) {
    Date next = e.getTimeAfter(new Date((localSecond - 1) * 1000));
    return next == null ? OptionalLong.empty() : OptionalLong.of(next.getTime() / 1000);
  }

  /** The values of one field: matches in the first {@code span * count} seconds of 1970. */
  private static int[] values(CronExpression e, int unit, int count) {
    List<Integer> found = new ArrayList<>();
    for (OptionalLong t = localAtOrAfter(e, 0);
        t.isPresent() && t.getAsLong() < (long) unit * count;
        t = localAtOrAfter(e, t.getAsLong() + unit)) {
      found.add((int) (t.getAsLong() / unit));
    }
    return found.stream().mapToInt(Integer::intValue).toArray();
  }

  private static CronExpression utc(String quartz) {
    try {
      CronExpression e = new CronExpression(quartz);
      e.setTimeZone(UTC);
      return e;
    } catch (ParseException e) {
      throw new IllegalArgumentException("Quartz refused '" + quartz + "': " + e.getMessage(), e);
    }
  }
}
