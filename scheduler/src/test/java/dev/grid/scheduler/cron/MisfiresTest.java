package dev.grid.scheduler.cron;

import static dev.grid.api.MisfirePolicy.ALL;
import static dev.grid.api.MisfirePolicy.ONCE;
import static dev.grid.api.MisfirePolicy.SKIP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.MisfirePolicy;
import dev.grid.scheduler.cron.Misfires.Plan;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MisfiresTest {
  private static final Instant TEN = Instant.parse("2026-11-28T10:00:00Z");

  /** Ten minutes and a half after the last handled fire at 10:00. */
  private static final Clock CLOCK = Clock.fixed(TEN.plusSeconds(630), ZoneOffset.UTC);

  private static final CronSchedule EVERY_MINUTE = CronSchedule.parse("* * * * *", null, null);
  private static final Duration GRACE = Duration.ofSeconds(45);

  private static Instant minute(int m) {
    return TEN.plusSeconds(60L * m);
  }

  private static List<Instant> minutes(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(MisfiresTest::minute).toList();
  }

  private static Plan plan(MisfirePolicy policy, int maxCatchUp) {
    return Misfires.plan(EVERY_MINUTE, TEN, CLOCK.instant(), policy, maxCatchUp, GRACE);
  }

  @Test
  void when_skip_then_only_the_on_time_fire_runs_and_the_late_ones_are_missed() {
    Plan p = plan(SKIP, 100);
    assertThat(p.run()).containsExactly(minute(10));
    assertThat(p.missed()).isEqualTo(minutes(1, 9));
    assertThat(p.missedNotListed()).isZero();
  }

  @Test
  void when_once_then_the_latest_late_fire_runs_with_the_on_time_one() {
    Plan p = plan(ONCE, 100);
    assertThat(p.run()).containsExactly(minute(9), minute(10));
    assertThat(p.missed()).isEqualTo(minutes(1, 8));
  }

  @Test
  void when_all_within_the_bound_then_every_fire_runs_oldest_first() {
    Plan p = plan(ALL, 100);
    assertThat(p.run()).isEqualTo(minutes(1, 10));
    assertThat(p.missed()).isEmpty();
  }

  @Test
  void when_all_beyond_the_bound_then_the_latest_run_and_the_oldest_are_missed() {
    Plan p = plan(ALL, 3);
    assertThat(p.run()).isEqualTo(minutes(7, 10));
    assertThat(p.missed()).isEqualTo(minutes(1, 6));
    assertThat(p.missedCount()).isEqualTo(6);
  }

  @Test
  void when_a_fire_is_exactly_grace_old_then_it_is_on_time() {
    Plan p = Misfires.plan(EVERY_MINUTE, TEN, minute(10).plus(GRACE), SKIP, 1, GRACE);
    assertThat(p.run()).containsExactly(minute(10));
    Plan late =
        Misfires.plan(EVERY_MINUTE, TEN, minute(10).plus(GRACE).plusMillis(1), SKIP, 1, GRACE);
    assertThat(late.run()).isEmpty();
    assertThat(late.missed()).isEqualTo(minutes(1, 10));
  }

  @Test
  void when_no_grace_then_only_a_fire_due_right_now_is_on_time() {
    Plan p = Misfires.plan(EVERY_MINUTE, TEN, minute(3), SKIP, 1, Duration.ZERO);
    assertThat(p.run()).containsExactly(minute(3));
    assertThat(p.missed()).containsExactly(minute(1), minute(2));
  }

  @Test
  void when_nothing_was_handled_yet_then_nothing_runs_or_is_missed() {
    Plan p = Misfires.plan(EVERY_MINUTE, null, CLOCK.instant(), ALL, 100, GRACE);
    assertThat(p).isEqualTo(new Plan(List.of(), List.of(), 0));
  }

  @Test
  void when_the_clock_is_behind_the_last_fire_then_nothing_happens() {
    Plan p = Misfires.plan(EVERY_MINUTE, minute(20), CLOCK.instant(), ALL, 100, GRACE);
    assertThat(p.run()).isEmpty();
    assertThat(p.missed()).isEmpty();
  }

  @Test
  void when_nothing_fell_due_then_the_plan_is_empty() {
    Plan p = Misfires.plan(EVERY_MINUTE, minute(10), CLOCK.instant(), ALL, 100, GRACE);
    assertThat(p.run()).isEmpty();
    assertThat(p.missedCount()).isZero();
  }

  @Test
  void when_every_then_misfires_follow_the_anchor() {
    CronSchedule s = CronSchedule.parse("@every 1m30s", null, TEN);
    Plan p = Misfires.plan(s, TEN.plusSeconds(90), CLOCK.instant(), ONCE, 100, GRACE);
    // due at 3:00, 4:30, 6:00, 7:30, 9:00, 10:30 after ten; 10:30 is on time
    assertThat(p.run()).containsExactly(TEN.plusSeconds(540), TEN.plusSeconds(630));
    assertThat(p.missed())
        .containsExactly(
            TEN.plusSeconds(180), TEN.plusSeconds(270), TEN.plusSeconds(360), TEN.plusSeconds(450));
  }

  @Test
  @Timeout(10) // bounded work takes milliseconds; an unbounded plan would take minutes
  void when_a_one_second_schedule_was_stopped_a_week_then_the_plan_is_bounded() {
    CronSchedule s = CronSchedule.parse("* * * * * ?", "Europe/Paris", null);
    Instant last = Instant.parse("2026-01-01T00:00:00Z");
    Instant now = last.plus(Duration.ofDays(7)).plusMillis(500);
    long due = 7 * 86_400;

    Plan skip = Misfires.plan(s, last, now, SKIP, 100, Duration.ZERO);
    assertThat(skip.run()).isEmpty();
    assertThat(skip.missed()).hasSize(Misfires.LIST_LIMIT).startsWith(last.plusSeconds(1));
    assertThat(skip.missedNotListed()).isEqualTo(due - Misfires.LIST_LIMIT);

    Plan all = Misfires.plan(s, last, now, ALL, 100, Duration.ZERO);
    assertThat(all.run())
        .hasSize(100)
        .startsWith(now.minusMillis(500).minusSeconds(99))
        .endsWith(now.minusMillis(500));
    assertThat(all.missedCount()).isEqualTo(due - 100);

    Plan once = Misfires.plan(s, last, now, ONCE, 100, Duration.ZERO);
    assertThat(once.run()).containsExactly(now.minusMillis(500));
    assertThat(once.missedCount()).isEqualTo(due - 1);
  }

  @Test
  @Timeout(10) // bounded work takes milliseconds; an unbounded plan would take minutes
  void when_stopped_for_years_then_counting_stays_fast() {
    CronSchedule s = CronSchedule.parse("0/5 * * * * ?", "America/New_York", null);
    Instant last = Instant.parse("2020-01-01T00:00:00Z");
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    Plan p = Misfires.plan(s, last, now, ALL, 10, Duration.ZERO);
    long days = Duration.between(last, now).toDays();
    // ten late fires caught up, and the one due right now is on time
    assertThat(p.run()).hasSize(11).startsWith(now.minusSeconds(50)).endsWith(now);
    assertThat(p.missedCount()).isEqualTo(days * 86_400 / 5 - 11);
  }

  @Test
  void when_grace_holds_more_fires_than_a_plan_lists_then_the_older_ones_are_late() {
    CronSchedule s = CronSchedule.parse("* * * * * ?", null, null);
    Instant now = TEN.plus(Duration.ofDays(2));
    Plan p = Misfires.plan(s, TEN, now, SKIP, 1, Duration.ofDays(1));
    assertThat(p.run()).hasSize(Misfires.LIST_LIMIT).endsWith(now);
    assertThat(p.missedCount()).isEqualTo(2 * 86_400 - Misfires.LIST_LIMIT);
  }

  @Test
  void when_arguments_are_wrong_then_refused_with_the_value() {
    assertThatThrownBy(() -> plan(ALL, 0)).hasMessageContaining("maxCatchUp 0 must be at least 1");
    assertThatThrownBy(
            () ->
                Misfires.plan(EVERY_MINUTE, TEN, CLOCK.instant(), SKIP, 1, Duration.ofSeconds(-1)))
        .hasMessageContaining("grace PT-1S must be zero or more");
  }
}
