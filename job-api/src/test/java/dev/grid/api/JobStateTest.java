package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class JobStateTest {

  @Test
  void when_a_state_is_terminal_then_it_has_no_next_state() {
    for (JobState s : JobState.values()) {
      assertThat(s.isTerminal()).as(s.name()).isEqualTo(s.next().isEmpty());
    }
    assertThat(EnumSet.allOf(JobState.class).stream().filter(JobState::isTerminal))
        .containsExactlyInAnyOrder(
            JobState.SUCCEEDED,
            JobState.FAILED,
            JobState.TIMED_OUT,
            JobState.CANCELLED,
            JobState.LOST);
  }

  @Test
  void when_moving_along_the_happy_path_then_every_step_is_allowed() {
    assertThat(JobState.WAITING.canMoveTo(JobState.QUEUED)).isTrue();
    assertThat(JobState.WAITING.canMoveTo(JobState.DISPATCHED)).isFalse();
    assertThat(JobState.QUEUED.canMoveTo(JobState.WAITING)).isFalse();
    assertThat(JobState.QUEUED.canMoveTo(JobState.DISPATCHED)).isTrue();
    assertThat(JobState.DISPATCHED.canMoveTo(JobState.RUNNING)).isTrue();
    assertThat(JobState.RUNNING.canMoveTo(JobState.SUCCEEDED)).isTrue();
    assertThat(JobState.QUEUED.canMoveTo(JobState.RUNNING)).isFalse();
    assertThat(JobState.QUEUED.canMoveTo(JobState.LOST)).isFalse();
    assertThat(JobState.SUCCEEDED.canMoveTo(JobState.QUEUED)).isFalse();
  }

  @Test
  void when_a_user_names_a_state_then_case_does_not_matter_and_bad_names_are_named() {
    assertThat(JobState.parse("running")).isEqualTo(JobState.RUNNING);
    assertThatThrownBy(() -> JobState.parse("DONE"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'DONE'");
  }
}
