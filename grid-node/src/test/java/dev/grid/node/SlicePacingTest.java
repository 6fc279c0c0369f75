package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SlicePacingTest {
  @Test
  void when_the_run_time_is_unknown_or_long_then_one_task_is_started_at_a_time() {
    assertThat(SlicePacing.startBatch(Double.NaN, 4)).isEqualTo(1);
    assertThat(SlicePacing.startBatch(50, 4)).isEqualTo(1);
    assertThat(SlicePacing.startBatch(5_000, 4)).isEqualTo(1);
  }

  @Test
  void when_tasks_are_short_then_as_many_start_as_the_threads_begin_within_50_ms() {
    assertThat(SlicePacing.startBatch(25, 2)).isEqualTo(4);
    assertThat(SlicePacing.startBatch(10, 2)).isEqualTo(10);
    assertThat(SlicePacing.startBatch(49, 1)).isEqualTo(1);
  }

  @Test
  void however_short_the_tasks_at_most_eight_a_thread_start_at_once() {
    assertThat(SlicePacing.startBatch(1, 2)).isEqualTo(16);
    assertThat(SlicePacing.startBatch(0, 3)).isEqualTo(24);
    assertThat(SlicePacing.startBatch(0.001, 1)).isEqualTo(8);
  }

  @Test
  void when_the_run_time_is_unknown_or_few_wait_then_no_started_task_is_handed_back() {
    assertThat(SlicePacing.excess(Double.NaN, 2, 100)).isZero();
    assertThat(SlicePacing.excess(10_000, 2, 2)).isZero();
  }

  @Test
  void started_tasks_beyond_what_the_threads_begin_within_200_ms_are_handed_back() {
    // 2 threads at 100 ms a task begin 4 within 200 ms: of 10 waiting, 6 go back.
    assertThat(SlicePacing.excess(100, 2, 10)).isEqualTo(6);
    // At 1 s a task, a thread keeps one all the same.
    assertThat(SlicePacing.excess(1_000, 2, 10)).isEqualTo(8);
    // Short tasks: 2 threads at 10 ms begin 40 within 200 ms; 16 waiting are all kept.
    assertThat(SlicePacing.excess(10, 2, 16)).isZero();
  }

  @Test
  void the_expected_run_time_is_the_mean_or_the_last_if_longer() {
    SlicePacing pacing = new SlicePacing(2);
    assertThat(pacing.expectedTaskMillis()).isNaN();
    assertThat(pacing.startBatch()).isEqualTo(1);

    pacing.learn(10_000_000); // 10 ms
    assertThat(pacing.expectedTaskMillis()).isCloseTo(10, within(1e-9));
    assertThat(pacing.startBatch()).isEqualTo(10);

    pacing.learn(1_000_000); // 1 ms: the mean moves a tenth of the way
    assertThat(pacing.expectedTaskMillis()).isCloseTo(9.1, within(1e-9));

    pacing.learn(100_000_000); // 100 ms: seen at once, through the last
    assertThat(pacing.expectedTaskMillis()).isCloseTo(100, within(1e-9));
    assertThat(pacing.startBatch()).isEqualTo(1);
    assertThat(SlicePacing.excess(pacing.expectedTaskMillis(), 2, 10)).isEqualTo(6);
  }
}
