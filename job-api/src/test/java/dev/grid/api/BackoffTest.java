package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Backoff TEN_SECONDS_UP_TO_A_MINUTE =
      new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(1));

  @Test
  void each_wait_doubles_gets_up_to_a_fifth_more_and_stays_within_the_cap() {
    long[] floors = {10_000, 20_000, 40_000, 60_000, 60_000};
    for (int retry = 1; retry <= floors.length; retry++) {
      long wait = TEN_SECONDS_UP_TO_A_MINUTE.delayMillis(retry, "j1");
      assertThat(wait)
          .as("retry %d", retry)
          .isBetween(floors[retry - 1], Math.min(60_000, floors[retry - 1] * 6 / 5));
    }
    assertThat(TEN_SECONDS_UP_TO_A_MINUTE.delayMillis(1000, "j1")).isEqualTo(60_000);
  }

  @Test
  void the_spread_is_fixed_by_the_job_and_differs_between_jobs() {
    assertThat(TEN_SECONDS_UP_TO_A_MINUTE.delayMillis(1, "j1"))
        .isEqualTo(TEN_SECONDS_UP_TO_A_MINUTE.delayMillis(1, "j1"));
    Set<Long> waits = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      waits.add(TEN_SECONDS_UP_TO_A_MINUTE.delayMillis(1, "job-" + i));
    }
    assertThat(waits).as("fifty jobs failing together come back spread out").hasSizeGreaterThan(40);
  }

  @Test
  void a_zero_backoff_retries_at_once() {
    assertThat(new Backoff(Duration.ZERO, Duration.ZERO).delayMillis(3, "j1")).isZero();
  }

  @Test
  void bad_values_are_named() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(-1), Duration.ofMinutes(1)))
        .hasMessageContaining("backoff PT-1S is negative");
    assertThatThrownBy(() -> new Backoff(Duration.ofMinutes(5), Duration.ofMinutes(1)))
        .hasMessageContaining("backoff-max PT1M is shorter than the backoff PT5M");
    assertThatThrownBy(() -> new Backoff(Duration.ofMinutes(5), Duration.ofDays(2)))
        .hasMessageContaining("backoff-max PT48H is over the 24 hours");
  }

  @Test
  void retry_on_always_includes_lost_and_names_a_bad_word() {
    assertThat(RetryOn.parseList("failed,TIMEOUT"))
        .containsExactly(RetryOn.LOST, RetryOn.FAILED, RetryOn.TIMEOUT);
    assertThat(RetryOn.parseList("lost")).containsExactly(RetryOn.LOST);
    assertThatThrownBy(() -> RetryOn.parseList("failed,crash"))
        .hasMessage(
            "retry-on 'crash' is not known: give a comma-separated list of [lost, failed, timeout]");
  }

  @Test
  void an_array_may_be_retried_on_failure() {
    JobSpec array =
        JobSpec.shell("exit 1")
            .withArray(ArraySpec.parse("0-9"))
            .withMaxRetries(2)
            .withRetryOn(List.of(RetryOn.FAILED));
    array.checkLimits();
    assertThat(array.retriesOn(RetryOn.FAILED)).isTrue();
  }

  @Test
  void a_schedule_cannot_retry_its_fires_on_failure() {
    JobSpec retried = JobSpec.shell("backup").withRetryOn(List.of(RetryOn.FAILED));
    assertThatThrownBy(() -> ScheduleSpec.of("nightly", "0 0 2 * * ?", retried))
        .hasMessageContaining("schedule 'nightly' asks for retries on failure")
        .hasMessageContaining("leave out --retry-on");
  }

  @Test
  void indices_are_written_back_as_ranges() {
    assertThat(ArraySpec.ofIndices(List.of(1, 2, 3, 7, 9, 10), 5).display())
        .isEqualTo("1-3,7,9-10%5");
    assertThat(ArraySpec.ofIndices(List.of(4), null).indexList()).containsExactly(4);
  }

  @Test
  void a_null_or_bad_label_is_named() {
    java.util.List<String> withNull = new java.util.ArrayList<>(List.of("gpu"));
    withNull.add(null);
    assertThatThrownBy(() -> Scheduling.DEFAULT.withConstraints(withNull, false))
        .hasMessageContaining("hold a null: give labels like gpu or zone=a");
    assertThatThrownBy(() -> Scheduling.DEFAULT.withConstraints(List.of("zone=a=b"), false))
        .hasMessageContaining("label 'zone=a=b' is not valid");
    assertThat(Scheduling.DEFAULT.withConstraints(List.of("zone=a", "gpu"), false).constraints())
        .containsExactly("gpu", "zone=a");
  }
}
