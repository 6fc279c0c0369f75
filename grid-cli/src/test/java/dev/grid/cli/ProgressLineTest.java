package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  private static final long SECOND = 1_000_000_000L;
  private static final JobId ARRAY = JobId.of("j0001");

  @Test
  void when_tasks_end_at_a_steady_pace_then_the_rate_and_time_left_follow_from_it() {
    ProgressLine line = new ProgressLine(ARRAY, 0);
    line.update(Map.of(JobState.QUEUED, 1000), 0);
    String text =
        line.update(
            Map.of(
                JobState.QUEUED, 538,
                JobState.RUNNING, 50,
                JobState.SUCCEEDED, 400,
                JobState.FAILED, 12),
            4 * SECOND);

    // 412 ended in 4 s: 103 a second; 588 left: 5.7 s, shown as 6s
    assertThat(text)
        .isEqualTo(
            "j0001: 412/1000 done; 538 QUEUED, 50 RUNNING, 400 SUCCEEDED, 12 FAILED;"
                + " 103.0 tasks/s, 6s left");
  }

  @Test
  void when_samples_are_older_than_the_window_then_the_rate_is_of_the_recent_ones() {
    ProgressLine line = new ProgressLine(ARRAY, 0);
    line.update(Map.of(JobState.QUEUED, 100), 0);
    line.update(Map.of(JobState.QUEUED, 10, JobState.SUCCEEDED, 90), 1 * SECOND); // a burst
    line.update(Map.of(JobState.QUEUED, 9, JobState.SUCCEEDED, 91), 11 * SECOND);
    line.update(Map.of(JobState.QUEUED, 8, JobState.SUCCEEDED, 92), 12 * SECOND);

    // at 12 s the window reaches back to 2 s: the samples at 0 and 1 s (the burst) are out
    assertThat(line.rate()).isEqualTo(1.0);
  }

  @Test
  void when_nothing_is_known_yet_then_the_line_says_so() {
    ProgressLine line = new ProgressLine(ARRAY, 0);

    assertThat(line.update(Map.of(JobState.QUEUED, 5), 0))
        .isEqualTo("j0001: 0/5 done; 5 QUEUED; -- tasks/s, time left unknown");
    assertThat(line.update(Map.of(JobState.QUEUED, 5), SECOND))
        .isEqualTo("j0001: 0/5 done; 5 QUEUED; 0.0 tasks/s, time left unknown");
  }

  @Test
  void time_left_reads_in_seconds_minutes_or_hours() {
    assertThat(ProgressLine.timeLeft(30, 2.0)).isEqualTo("15s left");
    assertThat(ProgressLine.timeLeft(185, 1.0)).isEqualTo("3m05s left");
    assertThat(ProgressLine.timeLeft(3720, 1.0)).isEqualTo("1h02m left");
    assertThat(ProgressLine.timeLeft(0, Double.NaN)).isEqualTo("none left");
  }

  @Test
  void when_the_array_ended_then_the_final_line_has_the_time_it_took_and_the_rate() {
    ProgressLine line = new ProgressLine(ARRAY, 2 * SECOND);

    assertThat(line.finish(Map.of(JobState.SUCCEEDED, 990, JobState.FAILED, 10), 27 * SECOND))
        .isEqualTo("j0001: 1000/1000 done; 990 SUCCEEDED, 10 FAILED; in 25s, 40.0 tasks/s");
  }
}
