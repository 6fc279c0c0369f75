package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Dependencies;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyCheckTest {
  private static final JobId A = JobId.of("a");
  private static final JobId B = JobId.of("b");
  private final Map<JobId, DependencyCheck.Parent> parents = new HashMap<>();

  private void parent(JobId id, JobState state) {
    parents.put(id, new DependencyCheck.Parent(id, state, null));
  }

  private DependencyCheck.Decision decide(Dependencies after) {
    return DependencyCheck.decide(after, parents::get);
  }

  @Test
  void when_afterok_parents_have_not_all_ended_then_the_job_waits() {
    parent(A, JobState.SUCCEEDED);
    parent(B, JobState.RUNNING);
    assertThat(decide(new Dependencies(List.of(A, B), null)))
        .isEqualTo(DependencyCheck.Decision.WAIT);
  }

  @Test
  void when_every_afterok_parent_succeeded_then_the_job_is_queued_with_the_reason() {
    parent(A, JobState.SUCCEEDED);
    parent(B, JobState.SUCCEEDED);
    DependencyCheck.Decision d = decide(new Dependencies(List.of(A, B), null));
    assertThat(d.to()).isEqualTo(JobState.QUEUED);
    assertThat(d.reason()).isEqualTo("dependencies met: a SUCCEEDED, b SUCCEEDED");
  }

  @Test
  void when_one_afterok_parent_fails_then_the_job_is_cancelled_at_once_naming_it() {
    parent(A, JobState.RUNNING);
    parents.put(
        B, new DependencyCheck.Parent(B, JobState.FAILED, "10 tasks: 1 FAILED, 9 SUCCEEDED"));
    DependencyCheck.Decision d = decide(new Dependencies(List.of(A, B), null));
    assertThat(d.to()).isEqualTo(JobState.CANCELLED);
    assertThat(d.reason())
        .isEqualTo(
            "dependency never satisfied: afterok parent b FAILED (10 tasks: 1 FAILED, 9 SUCCEEDED)");
  }

  @Test
  void when_an_afterok_parent_is_gone_then_the_job_is_cancelled() {
    assertThat(decide(Dependencies.afterOk(A)).reason()).contains("a is no longer known");
  }

  @Test
  void when_afterany_parents_end_however_then_the_job_is_queued() {
    parent(A, JobState.FAILED);
    parent(B, JobState.QUEUED);
    Dependencies after = new Dependencies(null, List.of(A, B));
    assertThat(decide(after).to()).isNull();
    parent(B, JobState.CANCELLED);
    assertThat(decide(after).to()).isEqualTo(JobState.QUEUED);
    parents.remove(A); // its record expired: it had ended
    assertThat(decide(after).to()).isEqualTo(JobState.QUEUED);
  }
}
