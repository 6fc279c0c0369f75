package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.InMemoryPrimary.JobWork;
import dev.grid.scheduler.InMemoryPrimary.TaskWork;
import dev.grid.scheduler.InMemoryPrimary.Work;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The primary's passes over records in memory: written as the maps would be, heard as events. */
class InMemoryPrimaryTest {
  private static final long T0 = 1_000_000;

  private final InMemoryPrimary primary =
      new InMemoryPrimary(3, PrimaryService.Settings.defaults());

  private void workers() {
    primary.addWorker("w1", "n1", 2, Set.of(), Integer.MAX_VALUE, Long.MAX_VALUE);
    primary.addWorker("w2", "n2", 1, Set.of(), Integer.MAX_VALUE, Long.MAX_VALUE);
  }

  private static long nanos(long millis) {
    return millis * 1_000_000;
  }

  @Test
  void when_jobs_outnumber_the_slots_then_a_pass_fills_the_slots_and_the_next_waits_for_an_end() {
    workers();
    for (int i = 0; i < 5; i++) {
      primary.submit(JobId.of("j" + i), JobSpec.command("true"), T0 + i);
    }

    List<Work> first = primary.pass(T0 + 10, nanos(T0 + 10));
    first.forEach(w -> primary.start(w, T0 + 11));
    List<Work> full = primary.pass(T0 + 20, nanos(T0 + 20));

    assertThat(first).hasSize(3).allMatch(w -> w instanceof JobWork);
    assertThat(first)
        .extracting(w -> ((JobWork) w).job().value())
        .containsExactly("j0", "j1", "j2");
    assertThat(primary.record(JobId.of("j0")).state()).isEqualTo(JobState.RUNNING);
    assertThat(full).isEmpty();

    primary.finish(first.get(0), T0 + 11, T0 + 25);
    List<Work> next = primary.pass(T0 + 30, nanos(T0 + 30));

    assertThat(primary.record(JobId.of("j0")).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(next).extracting(w -> ((JobWork) w).job().value()).containsExactly("j3");
    assertThat(next.get(0).workerId()).isEqualTo(first.get(0).workerId());
  }

  @Test
  void when_an_array_is_queued_then_its_tasks_go_out_in_slices_written_to_its_blocks() {
    workers();
    JobId array = JobId.of("a");
    primary.submit(array, JobSpec.command("true").withArray(ArraySpec.parse("0-9")), T0);

    List<Work> handed = primary.pass(T0 + 10, nanos(T0 + 10));

    assertThat(handed).allMatch(w -> w instanceof TaskWork);
    assertThat(handed.stream().mapToInt(Work::size).sum()).isEqualTo(3); // one a slot, at first
    TaskBlock b = primary.block(TaskBlock.key(array, 0));
    assertThat(b.state(0)).isEqualTo(JobState.DISPATCHED);
    assertThat(b.state(9)).isEqualTo(JobState.QUEUED);
  }
}
