package dev.grid.scheduler.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {
  private static final Instant NOON = Instant.parse("2026-11-28T12:00:00Z"); // a Saturday
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static CronSchedule utc(String expression) {
    return CronSchedule.parse(expression, null, null);
  }

  private static Instant at(String utc) {
    return Instant.parse(utc);
  }

  private static List<Instant> due(CronSchedule s, String after, String until) {
    return s.dueBetween(at(after), at(until), 1_000);
  }

  private static List<Duration> gaps(List<Instant> times) {
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(Duration.between(times.get(i - 1), times.get(i)));
    }
    return gaps;
  }

  @Test
  void when_quartz_syntax_with_seconds_then_it_fires_every_five_seconds() {
    CronSchedule s = utc("0/5 * * * * ?");
    assertThat(s.quartzExpression()).contains("0/5 * * * * ?");
    assertThat(s.every()).isEmpty();
    assertThat(s.zone()).isEqualTo(ZoneOffset.UTC);
    assertThat(s.dueBetween(NOON.minusMillis(1), NOON.plusSeconds(10), 10))
        .containsExactly(NOON, NOON.plusSeconds(5), NOON.plusSeconds(10));
  }

  @Test
  void when_quartz_syntax_has_a_year_field_then_it_stops_after_that_year() {
    CronSchedule s = utc("0 0 0 1 1 ? 2027");
    assertThat(s.nextAfter(NOON)).contains(at("2027-01-01T00:00:00Z"));
    assertThat(s.nextAfter(at("2027-01-01T00:00:00Z"))).isEmpty();
  }

  @Test
  void when_unix_five_fields_then_minutes_come_first_and_seconds_are_zero() {
    CronSchedule s = utc("*/5 * * * *");
    assertThat(s.quartzExpression()).contains("0 */5 * * * ?");
    assertThat(s.dueBetween(NOON.minusSeconds(1), NOON.plusSeconds(600), 10))
        .containsExactly(NOON, NOON.plusSeconds(300), NOON.plusSeconds(600));
    assertThat(utc("30 2 1 JAN *").nextAfter(NOON)).contains(at("2027-01-01T02:30:00Z"));
    assertThat(utc("0 12 15 * *").quartzExpression()).contains("0 0 12 15 * ?");
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "@hourly, 0 0 * * * ?, 2026-11-28T13:00:00Z",
    "@daily, 0 0 0 * * ?, 2026-11-29T00:00:00Z",
    "@midnight, 0 0 0 * * ?, 2026-11-29T00:00:00Z",
    "@weekly, 0 0 0 ? * SUN, 2026-11-29T00:00:00Z",
    "@monthly, 0 0 0 1 * ?, 2026-12-01T00:00:00Z",
    "@yearly, 0 0 0 1 1 ?, 2027-01-01T00:00:00Z"
  })
  void when_a_macro_then_it_is_the_usual_quartz_expression(
      String macro, String quartz, String next) {
    CronSchedule s = utc(macro);
    assertThat(s.quartzExpression()).contains(quartz);
    assertThat(s.nextAfter(NOON)).contains(at(next));
  }

  @Test
  void when_every_then_due_times_count_from_the_anchor_and_never_at_it() {
    Instant anchor = at("2026-11-28T10:00:00.250Z");
    CronSchedule s = CronSchedule.parse("@every 10s", "Europe/Paris", anchor);
    assertThat(s.every()).contains(Duration.ofSeconds(10));
    assertThat(s.quartzExpression()).isEmpty();
    assertThat(s.anchor()).isEqualTo(anchor);
    assertThat(s.nextAfter(anchor.minusSeconds(3600))).contains(anchor.plusSeconds(10));
    assertThat(s.nextAfter(anchor)).contains(anchor.plusSeconds(10));
    assertThat(s.nextAfter(anchor.plusSeconds(25))).contains(anchor.plusSeconds(30));
    assertThat(s.nextAfter(anchor.plusSeconds(20))).contains(anchor.plusSeconds(30));
    assertThat(s.dueBetween(anchor, anchor.plusSeconds(30), 10))
        .containsExactly(anchor.plusSeconds(10), anchor.plusSeconds(20), anchor.plusSeconds(30));
    assertThat(s.count(anchor.plusSeconds(5), anchor.plusSeconds(3605))).isEqualTo(360);
  }

  @Test
  void when_every_combines_units_then_they_add_up() {
    assertThat(CronSchedule.parse("@every 1m30s", null, NOON).every())
        .contains(Duration.ofSeconds(90));
    assertThat(CronSchedule.parse("@every 1d2h", null, NOON).every())
        .contains(Duration.ofHours(26));
    assertThat(CronSchedule.parse("@every 1500ms", null, NOON).nextAfter(NOON))
        .contains(NOON.plusMillis(1500));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "61 * * * *      | minute 61 is out of range 0-59",
        "0 24 * * *      | hour 24 is out of range 0-23",
        "0 0 32 * *      | day-of-month 32 is out of range 1-31",
        "0 0 * 13 *      | month 13 is out of range 1-12",
        "0 0 * * 8       | day-of-week 8 is out of range 0-7",
        "0 0 * * FOO     | day-of-week 'FOO' is not a number or one of",
        "1-70 * * * *    | minute 70 is out of range 0-59",
        "0 0 * * 5-1     | day-of-week range 5-1 runs backwards",
        "0 0 * * 7/2     | day-of-week '7/2' selects no day",
        "0 0 * * MON#2   | day-of-week 'MON#2' is not a number or one of",
        "*/0 * * * *     | minute step '0' must be a whole number of at least 1",
        "0 0 1 * MON     | restricts both day-of-month (1) and day-of-week (MON)",
        "* * * *         | it has 4 fields",
        "0 0 0 * * *     | put '?' in one of day-of-month and day-of-week",
        "0 0 0 ? * 0     | day-of-week 0 is out of range 1-7",
        "60 0 0 * * ?    | second 60 is out of range 0-59",
        "@every 0s       | period '0s' is shorter than the 1s minimum",
        "@every 500ms    | period '500ms' is shorter than the 1s minimum",
        "@every 10x      | period '10x' is not understood",
        "@every 367d     | period '367d' is longer than the 366d maximum",
        "@every 999999999999d | is longer than the 366d maximum",
        "@every 999999999999h999999999999d | is longer than the 366d maximum",
        "@every 99999999999999999999s | is not understood",
        "@every          | @every needs a period",
        "@fortnightly    | @fortnightly' is not a known macro"
      })
  void when_an_expression_is_bad_then_the_message_names_it_and_says_what_to_write(
      String expression, String why) {
    assertThatThrownBy(() -> CronSchedule.parse(expression, null, NOON))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron expression '" + expression + "' is not valid")
        .hasMessageContaining(why)
        .hasMessageContaining("write Quartz syntax with seconds");
  }

  @Test
  void when_both_unix_day_fields_are_restricted_then_the_refusal_explains_the_or() {
    assertThatThrownBy(() -> utc("0 9 1 * 1-5"))
        .hasMessageContaining("runs on days matching either, which Quartz cannot express")
        .hasMessageContaining("Quartz syntax with '?'");
  }

  @Test
  void when_empty_or_blank_then_refused() {
    assertThatThrownBy(() -> utc("")).hasMessageContaining("cron expression is empty");
    assertThatThrownBy(() -> utc("   ")).hasMessageContaining("cron expression is empty");
    assertThatThrownBy(() -> utc(null)).hasMessageContaining("cron expression is empty");
  }

  @Test
  void when_the_zone_is_unknown_then_the_message_names_it() {
    assertThatThrownBy(() -> CronSchedule.parse("@daily", "Mars/Base", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time zone 'Mars/Base' is not known")
        .hasMessageContaining("IANA id such as 'Europe/Paris'");
  }

  @Test
  void when_every_has_no_anchor_then_refused() {
    assertThatThrownBy(() -> utc("@every 10s")).hasMessageContaining("needs an anchor");
  }

  private static List<DayOfWeek> daysOf(String unixExpression) {
    return utc(unixExpression).dueBetween(NOON, NOON.plus(Duration.ofDays(7)), 10).stream()
        .map(t -> t.atZone(ZoneOffset.UTC).getDayOfWeek())
        .toList();
  }

  @Test
  void when_unix_day_of_week_then_0_and_7_are_sunday_and_1_to_5_is_monday_to_friday() {
    // 2026-11-28 is a Saturday; the next week runs Sunday 29 November to Saturday 5 December.
    assertThat(daysOf("0 9 * * 0")).containsExactly(DayOfWeek.SUNDAY);
    assertThat(daysOf("0 9 * * 7")).containsExactly(DayOfWeek.SUNDAY);
    assertThat(utc("0 9 * * 0").nextAfter(NOON)).contains(at("2026-11-29T09:00:00Z"));
    assertThat(daysOf("0 9 * * 1-5"))
        .containsExactly(
            DayOfWeek.MONDAY,
            DayOfWeek.TUESDAY,
            DayOfWeek.WEDNESDAY,
            DayOfWeek.THURSDAY,
            DayOfWeek.FRIDAY);
    assertThat(daysOf("0 9 * * 5-7"))
        .containsExactly(DayOfWeek.SUNDAY, DayOfWeek.FRIDAY, DayOfWeek.SATURDAY);
    assertThat(daysOf("0 9 * * mon,WED")).containsExactly(DayOfWeek.MONDAY, DayOfWeek.WEDNESDAY);
    assertThat(daysOf("0 9 * * */2"))
        .containsExactly(
            DayOfWeek.SUNDAY, DayOfWeek.TUESDAY, DayOfWeek.THURSDAY, DayOfWeek.SATURDAY);
    assertThat(utc("0 9 * * 1-5").quartzExpression()).contains("0 0 9 ? * MON,TUE,WED,THU,FRI");
  }

  @Test
  void when_0230_daily_meets_spring_forward_in_paris_then_that_day_is_skipped() {
    // 29 March 2026: Paris clocks jump from 02:00 to 03:00; 02:30 does not exist.
    CronSchedule s = CronSchedule.parse("30 2 * * *", "Europe/Paris", null);
    assertThat(due(s, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"))
        .containsExactly(
            at("2026-03-27T01:30:00Z"), at("2026-03-28T01:30:00Z"), at("2026-03-30T00:30:00Z"));
    assertThat(s.nextAfter(at("2026-03-28T01:30:00Z"))).contains(at("2026-03-30T00:30:00Z"));
  }

  @Test
  void when_0130_daily_meets_fall_back_in_new_york_then_it_fires_once_at_the_first() {
    // 1 November 2026: New York clocks go from 02:00 EDT back to 01:00 EST; 01:30 happens twice.
    CronSchedule s = CronSchedule.parse("0 30 1 * * ?", "America/New_York", null);
    List<Instant> fires = due(s, "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z");
    assertThat(fires)
        .containsExactly(
            at("2026-10-31T05:30:00Z"), at("2026-11-01T05:30:00Z"), at("2026-11-02T06:30:00Z"));
    assertThat(fires.get(1).atZone(NEW_YORK).getOffset()).isEqualTo(ZoneOffset.ofHours(-4));
    // Asked from inside the repeated hour, either occurrence, the next fire is the next day's.
    assertThat(s.nextAfter(at("2026-11-01T05:45:00Z"))).contains(at("2026-11-02T06:30:00Z"));
    assertThat(s.nextAfter(at("2026-11-01T06:15:00Z"))).contains(at("2026-11-02T06:30:00Z"));
  }

  @Test
  void when_hourly_crosses_daylight_saving_then_fires_stay_one_hour_apart() {
    CronSchedule ny = CronSchedule.parse("@hourly", "America/New_York", null);
    List<Instant> fallBack = due(ny, "2026-11-01T02:30:00Z", "2026-11-01T10:00:00Z");
    assertThat(fallBack).hasSize(8);
    assertThat(gaps(fallBack)).containsOnly(Duration.ofHours(1));
    List<Instant> springNy = due(ny, "2026-03-08T03:30:00Z", "2026-03-08T10:00:00Z");
    assertThat(springNy).hasSize(7);
    assertThat(gaps(springNy)).containsOnly(Duration.ofHours(1));
    CronSchedule paris = CronSchedule.parse("0 0 * * * ?", "Europe/Paris", null);
    List<Instant> spring = due(paris, "2026-03-28T21:30:00Z", "2026-03-29T04:00:00Z");
    assertThat(spring).hasSize(7);
    assertThat(gaps(spring)).containsOnly(Duration.ofHours(1));
  }

  @Test
  void when_due_between_then_start_is_exclusive_end_inclusive_and_limit_keeps_the_oldest() {
    CronSchedule s = utc("* * * * * ?");
    assertThat(s.dueBetween(NOON, NOON.plusSeconds(3), 10))
        .containsExactly(NOON.plusSeconds(1), NOON.plusSeconds(2), NOON.plusSeconds(3));
    assertThat(s.dueBetween(NOON, NOON.plusSeconds(3600), 2))
        .containsExactly(NOON.plusSeconds(1), NOON.plusSeconds(2));
    assertThat(s.dueBetween(NOON, NOON.plusSeconds(3), 0)).isEmpty();
    assertThat(s.dueBetween(NOON, NOON, 10)).isEmpty();
    assertThat(s.dueBetween(NOON, NOON.minusSeconds(5), 10)).isEmpty();
    assertThat(s.dueBetween(NOON.minusMillis(500), NOON.plusMillis(500), 10)).containsExactly(NOON);
    assertThatThrownBy(() -> s.dueBetween(NOON, NOON, -1)).hasMessageContaining("limit -1");
  }

  @ParameterizedTest(name = "{0} in {1}")
  @CsvSource({
    "0/7 * 1-3 * * ?, America/New_York, 2026-10-31T20:00:00Z, 2026-11-02T12:00:00Z",
    "0 */15 * * * ?, America/New_York, 2026-10-31T20:00:00Z, 2026-11-02T12:00:00Z",
    "30 1 * * *, America/New_York, 2026-10-31T20:00:00Z, 2026-11-02T12:00:00Z",
    "@hourly, Europe/Paris, 2026-03-28T10:17:03Z, 2026-03-30T03:00:00Z",
    "30 2 * * *, Europe/Paris, 2026-03-20T00:00:00Z, 2026-04-02T00:00:00Z",
    "0 0/30 * ? * MON-FRI, Australia/Lord_Howe, 2026-04-01T00:00:00Z, 2026-04-10T00:00:00Z",
    "0 0 12 L * ?, UTC, 2026-01-01T00:00:00Z, 2027-06-01T00:00:00Z",
    "15 10 * * 1-5, Asia/Kolkata, 2026-11-01T00:00:07Z, 2026-12-01T00:00:09Z"
  })
  void when_counting_then_the_count_equals_the_listed_due_times(
      String expression, String zone, String after, String until) {
    CronSchedule s = CronSchedule.parse(expression, zone, null);
    Instant a = at(after);
    Instant b = at(until);
    for (int shift = 0; shift < 3; shift++) {
      Instant from = a.plusSeconds(3607L * shift);
      assertThat(s.count(from, b)).isEqualTo(s.dueBetween(from, b, 1_000_000).size());
    }
  }

  @Test
  void when_a_year_of_seconds_is_counted_then_it_is_exact_without_listing() {
    CronSchedule s = CronSchedule.parse("* * * * * ?", "Europe/Paris", null);
    Instant a = at("2026-01-01T00:00:00Z");
    assertThat(s.count(a, a.plus(Duration.ofDays(365)))).isEqualTo(365L * 86_400);
    CronSchedule wallClock = CronSchedule.parse("* * 1 * * ?", "America/New_York", null);
    // 01:xx happens twice on 1 November but fires once; on 8 March it exists normally.
    assertThat(wallClock.count(a, a.plus(Duration.ofDays(365)))).isEqualTo(365L * 3600);
  }

  @Test
  void when_parsed_twice_then_equal_and_described() {
    assertThat(CronSchedule.parse("@daily", "Europe/Paris", null))
        .isEqualTo(CronSchedule.parse("@daily", "Europe/Paris", null))
        .isNotEqualTo(CronSchedule.parse("@daily", null, null))
        .hasToString("CronSchedule[@daily in Europe/Paris = 0 0 0 * * ?]");
    assertThat(CronSchedule.parse("@daily", " Europe/Paris ", null).zone()).isEqualTo(PARIS);
    assertThat(utc("0 0 0 30 2 ?").nextAfter(NOON)).isEqualTo(Optional.empty());
  }
}
