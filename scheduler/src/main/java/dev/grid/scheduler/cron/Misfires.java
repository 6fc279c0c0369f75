package dev.grid.scheduler.cron;

import dev.grid.api.MisfirePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides what becomes of the due times a schedule has not handled yet: a pure function of the
 * schedule, the last handled due time and now.
 *
 * <pre>{@code
 * Plan p = Misfires.plan(schedule, lastFire, clock.instant(), MisfirePolicy.ONCE, 100,
 *     Duration.ofSeconds(5));
 * p.run();     // fire these, oldest first
 * p.missed();  // record these as missed
 * }</pre>
 *
 * <p>Work and memory are bounded whatever the gap: due times are counted, not listed ({@link
 * CronSchedule#count}), at most {@value #LIST_LIMIT} missed ones are listed, and only the due times
 * to run are enumerated.
 */
public final class Misfires {
  /** At most this many missed due times are listed in a plan; the rest are counted. */
  public static final int LIST_LIMIT = 10_000;

  private Misfires() {}

  /**
   * What to do with due times.
   *
   * @param run due times to fire now, oldest first
   * @param missed due times to record as missed, oldest first (at most {@value #LIST_LIMIT})
   * @param missedNotListed further missed due times, newer than the listed ones and older than any
   *     run one, counted but not listed
   */
  public record Plan(List<Instant> run, List<Instant> missed, long missedNotListed) {
    public Plan {
      run = List.copyOf(run);
      missed = List.copyOf(missed);
    }

    /** Every missed due time, listed or not. */
    public long missedCount() {
      return missed.size() + missedNotListed;
    }
  }

  /**
   * What to do about the due times in {@code (lastHandled, now]}. Due times within {@code grace}
   * before now are on time and always run. Older ones follow the policy: {@code SKIP}, all missed;
   * {@code ONCE}, the latest runs and the rest are missed; {@code ALL}, the latest {@code
   * maxCatchUp} run (oldest first) and the older ones beyond that bound are missed.
   *
   * <p>{@code lastHandled} null means a new schedule: nothing is due and nothing missed; its first
   * fire is {@code schedule.nextAfter(now)}. So is {@code now} not after {@code lastHandled} (a
   * clock behind the one that handled the last fire). On-time due times beyond {@value #LIST_LIMIT}
   * (a grace far longer than the period) are treated as late.
   */
  public static Plan plan(
      CronSchedule schedule,
      Instant lastHandled,
      Instant now,
      MisfirePolicy policy,
      int maxCatchUp,
      Duration grace) {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(policy, "policy");
    if (maxCatchUp < 1) {
      throw new IllegalArgumentException("maxCatchUp " + maxCatchUp + " must be at least 1");
    }
    if (grace == null || grace.isNegative()) {
      throw new IllegalArgumentException("grace " + grace + " must be zero or more");
    }
    if (lastHandled == null || !now.isAfter(lastHandled)) {
      return new Plan(List.of(), List.of(), 0);
    }
    // A due time exactly grace before now is still on time.
    Instant lateUntil = later(lastHandled, now.minus(grace).minusNanos(1));
    List<Instant> onTime = schedule.latest(lateUntil, now, LIST_LIMIT);
    if (onTime.size() == LIST_LIMIT) {
      lateUntil = onTime.get(0).minusNanos(1);
    }
    long late = schedule.count(lastHandled, lateUntil);
    int runLate =
        (int)
            switch (policy) {
              case SKIP -> 0;
              case ONCE -> Math.min(late, 1);
              case ALL -> Math.min(late, maxCatchUp);
            };
    List<Instant> run = new ArrayList<>(schedule.latest(lastHandled, lateUntil, runLate));
    run.addAll(onTime);
    long missed = late - runLate;
    List<Instant> listed =
        schedule.dueBetween(lastHandled, lateUntil, (int) Math.min(missed, LIST_LIMIT));
    return new Plan(run, listed, missed - listed.size());
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
