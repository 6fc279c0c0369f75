package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobPositionTest {
  private static final JobId ARRAY = JobId.of("j00mf3k2x9-0004f2k1");

  @Test
  void a_position_reads_back_from_its_cursor() {
    for (JobPosition p :
        List.of(
            new JobPosition(1_765_000_000_000L, ARRAY, -1),
            new JobPosition(1_765_000_000_000L, ARRAY, 0),
            new JobPosition(0, JobId.of("nightly.2026-12-07T02:30:00Z"), 999_999))) {
      assertThat(JobPosition.parse(p.text())).isEqualTo(p);
      assertThat(p.text()).matches("[A-Za-z0-9._:-]+");
    }
  }

  @Test
  void an_array_comes_before_its_tasks_and_they_before_the_next_job() {
    List<JobPosition> sorted =
        new ArrayList<>(
            List.of(
                new JobPosition(2, JobId.of("a"), -1),
                new JobPosition(1, JobId.of("b"), 10),
                new JobPosition(1, JobId.of("b"), -1),
                new JobPosition(1, JobId.of("b"), 2),
                new JobPosition(1, JobId.of("c"), -1)));
    sorted.sort(null);
    assertThat(sorted)
        .extracting(p -> p.group().value() + p.index())
        .containsExactly("b-1", "b2", "b10", "c-1", "a-1");
    assertThat(new JobPosition(1, JobId.of("b"), 2).groupStart())
        .isLessThan(new JobPosition(1, JobId.of("b"), -1));
  }

  @Test
  void when_a_cursor_is_not_one_then_the_error_names_it() {
    for (String bad :
        List.of("", "x", "1.2", "-1.0.j1", "1.-3.j1", "1.99999999999.j1", "1.0.a b", "!.0.j1")) {
      assertThatThrownBy(() -> JobPosition.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cursor '" + bad + "' is not valid");
    }
  }
}
