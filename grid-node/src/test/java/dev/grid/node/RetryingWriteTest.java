package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RetryingWriteTest {
  private final List<Long> pauses = new ArrayList<>();
  private final List<String> told = new ArrayList<>();
  private final RetryingWrite retrying = new RetryingWrite(pauses::add);
  private final RetryingWrite.Failed tell = (n, e) -> told.add(n + ":" + e.getMessage());

  /** A write that fails the first {@code failures} times, then answers "ok". */
  private static Supplier<String> failing(int failures, AtomicInteger calls) {
    return () -> {
      int call = calls.incrementAndGet();
      if (call <= failures) {
        throw new IllegalStateException("down " + call);
      }
      return "ok";
    };
  }

  @Test
  void when_the_first_try_answers_then_nothing_is_told_and_nothing_waited() {
    AtomicInteger calls = new AtomicInteger();

    String answer = retrying.patiently(failing(0, calls), tell, e -> null, last -> "gave up");

    assertThat(answer).isEqualTo("ok");
    assertThat(calls).hasValue(1);
    assertThat(told).isEmpty();
    assertThat(pauses).isEmpty();
  }

  @Test
  void when_a_start_fails_twice_then_each_failure_is_told_and_waited_for_longer() {
    AtomicInteger calls = new AtomicInteger();

    String answer = retrying.patiently(failing(2, calls), tell, e -> null, last -> "gave up");

    assertThat(answer).isEqualTo("ok");
    assertThat(told).containsExactly("1:down 1", "2:down 2");
    assertThat(pauses).containsExactly(200_000_000L, 400_000_000L);
  }

  @Test
  void when_a_start_always_fails_then_the_last_failure_is_waited_for_too_and_given_up() {
    AtomicInteger calls = new AtomicInteger();
    List<RuntimeException> lasts = new ArrayList<>();

    String answer =
        retrying.patiently(
            failing(9, calls),
            tell,
            e -> null,
            last -> {
              lasts.add(last);
              return "gave up";
            });

    assertThat(answer).isEqualTo("gave up");
    assertThat(calls).hasValue(RetryingWrite.TRIES);
    assertThat(told).containsExactly("1:down 1", "2:down 2", "3:down 3");
    assertThat(pauses).containsExactly(200_000_000L, 400_000_000L, 600_000_000L);
    assertThat(lasts).singleElement().extracting(Throwable::getMessage).isEqualTo("down 3");
  }

  @Test
  void when_the_check_after_a_wait_finds_it_settled_then_the_write_ends_with_that() {
    AtomicInteger calls = new AtomicInteger();
    List<String> checkedAfter = new ArrayList<>();

    String answer =
        retrying.patiently(
            failing(9, calls),
            tell,
            e -> {
              checkedAfter.add(pauses.size() + " waits, " + e.getMessage());
              return "moved on";
            },
            last -> "gave up");

    assertThat(answer).isEqualTo("moved on");
    assertThat(calls).hasValue(1);
    assertThat(checkedAfter).containsExactly("1 waits, down 1");
  }

  @Test
  void when_the_check_fails_then_its_failure_is_the_latest_one() {
    AtomicInteger calls = new AtomicInteger();

    String answer =
        retrying.patiently(
            failing(9, calls),
            tell,
            e -> {
              throw new IllegalStateException("read failed after " + e.getMessage());
            },
            last -> "gave up: " + last.getMessage());

    assertThat(calls).hasValue(RetryingWrite.TRIES);
    assertThat(answer).isEqualTo("gave up: read failed after down 3");
  }

  @Test
  void when_an_end_always_fails_then_the_last_failure_is_neither_told_nor_waited_for() {
    AtomicInteger calls = new AtomicInteger();

    String answer =
        retrying.eagerly(failing(9, calls), tell, last -> "gave up " + last.getMessage());

    assertThat(answer).isEqualTo("gave up down 3");
    assertThat(calls).hasValue(RetryingWrite.TRIES);
    assertThat(told).containsExactly("1:down 1", "2:down 2");
    assertThat(pauses).containsExactly(200_000_000L, 400_000_000L);
  }

  @Test
  void when_an_end_gives_up_by_throwing_then_the_caller_sees_the_last_failure() {
    AtomicInteger calls = new AtomicInteger();

    assertThatThrownBy(
            () ->
                retrying.eagerly(
                    failing(9, calls),
                    tell,
                    last -> {
                      throw last;
                    }))
        .hasMessage("down 3");
  }

  @Test
  void when_an_end_fails_once_then_it_answers_after_one_wait() {
    AtomicInteger calls = new AtomicInteger();

    String answer = retrying.eagerly(failing(1, calls), tell, last -> "gave up");

    assertThat(answer).isEqualTo("ok");
    assertThat(told).containsExactly("1:down 1");
    assertThat(pauses).containsExactly(200_000_000L);
  }

  @Test
  void when_a_write_answers_null_then_it_is_tried_again_at_once_and_then_given_up() {
    AtomicInteger calls = new AtomicInteger();
    List<RuntimeException> lasts = new ArrayList<>();

    String answer =
        retrying.patiently(
            () -> {
              calls.incrementAndGet();
              return null;
            },
            tell,
            e -> "settled",
            last -> {
              lasts.add(last);
              return "gave up";
            });

    assertThat(answer).isEqualTo("gave up");
    assertThat(calls).hasValue(RetryingWrite.TRIES);
    assertThat(told).isEmpty();
    assertThat(pauses).isEmpty();
    assertThat(lasts).containsExactly((RuntimeException) null);
  }
}
