package dev.grid.scheduler;

import static dev.grid.api.JobState.CANCELLED;
import static dev.grid.api.JobState.FAILED;
import static dev.grid.api.JobState.QUEUED;
import static dev.grid.api.JobState.RUNNING;
import static dev.grid.api.JobState.SUCCEEDED;
import static dev.grid.api.JobState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrayProgressTest {
  private static JobState of(JobState... tasks) {
    return ArrayProgress.state(ArrayProgress.count(List.of(tasks)));
  }

  @Test
  void an_array_sums_up_its_tasks() {
    assertThat(of(QUEUED, QUEUED)).isEqualTo(QUEUED);
    assertThat(of(WAITING, WAITING)).isEqualTo(WAITING);
    assertThat(of(SUCCEEDED, QUEUED)).isEqualTo(RUNNING);
    assertThat(of(SUCCEEDED, SUCCEEDED)).isEqualTo(SUCCEEDED);
    assertThat(of(SUCCEEDED, CANCELLED)).isEqualTo(CANCELLED);
    assertThat(of(CANCELLED, FAILED, SUCCEEDED)).isEqualTo(FAILED);
    assertThat(of()).isEqualTo(QUEUED);
  }

  @Test
  void counts_read_in_state_order() {
    assertThat(ArrayProgress.describe(ArrayProgress.count(List.of(SUCCEEDED, RUNNING, SUCCEEDED))))
        .isEqualTo("3 tasks: 1 RUNNING, 2 SUCCEEDED");
  }

  private static JobState held(JobState... tasks) {
    return ArrayProgress.state(JobState.HELD, ArrayProgress.count(List.of(tasks)));
  }

  @Test
  void a_held_array_shows_held_until_nothing_of_it_runs_and_its_end_once_all_ended() {
    assertThat(held(QUEUED, QUEUED)).isEqualTo(JobState.HELD);
    assertThat(held(SUCCEEDED, QUEUED)).isEqualTo(JobState.HELD);
    assertThat(held(RUNNING, QUEUED)).isEqualTo(RUNNING);
    assertThat(held(SUCCEEDED, SUCCEEDED)).isEqualTo(SUCCEEDED);
    assertThat(ArrayProgress.state(QUEUED, ArrayProgress.count(List.of(QUEUED)))).isEqualTo(QUEUED);
  }
}
