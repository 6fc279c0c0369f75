package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ArraySpecTest {

  @Test
  void when_a_range_with_a_cap_is_parsed_then_every_index_and_the_cap_are_kept() {
    ArraySpec a = ArraySpec.parse("0-999%50");
    assertThat(a.indexList()).hasSize(1000).startsWith(0, 1).endsWith(999);
    assertThat(a.limit()).isEqualTo(50);
    assertThat(a.display()).isEqualTo("0-999%50");
  }

  @Test
  void when_a_list_is_parsed_then_its_indices_come_ascending() {
    assertThat(ArraySpec.parse("7,1,3,5-6").indexList()).containsExactly(1, 3, 5, 6, 7);
    assertThat(ArraySpec.parse("4").limit()).isNull();
  }

  @Test
  void when_an_array_is_bad_then_the_message_names_the_bad_part() {
    assertThatThrownBy(() -> ArraySpec.parse("0-x")).hasMessageContaining("'x'");
    assertThatThrownBy(() -> ArraySpec.parse("9-3"))
        .hasMessageContaining("'9-3'")
        .hasMessageContaining("goes down");
    assertThatThrownBy(() -> ArraySpec.parse("1,1")).hasMessageContaining("index 1 is given twice");
    assertThatThrownBy(() -> ArraySpec.parse("0-9%0")).hasMessageContaining("%0");
    assertThatThrownBy(() -> ArraySpec.parse("0-9%z")).hasMessageContaining("'%z'");
    assertThatThrownBy(() -> ArraySpec.parse("-3")).hasMessageContaining("'-3'");
    assertThatThrownBy(() -> ArraySpec.parse("0-100000")).hasMessageContaining("more than 100000");
    assertThatThrownBy(() -> ArraySpec.parse("")).hasMessageContaining("missing");
  }

  @Test
  void when_ranges_overlap_or_pass_the_task_limit_then_they_are_refused_whatever_their_order() {
    assertThatThrownBy(() -> ArraySpec.parse("5-7,3-6"))
        .hasMessageContaining("index 5 is given twice in '5-7,3-6'");
    assertThatThrownBy(() -> ArraySpec.parse("10-20,0-9,20")).hasMessageContaining("index 20");
    assertThatThrownBy(() -> ArraySpec.parse("0-99999,200000"))
        .hasMessageContaining("more than 100000");
    assertThat(ArraySpec.parse("0-99999").indexList()).hasSize(ArraySpec.MAX_TASKS);
    assertThat(ArraySpec.parse("10-12,0-1,5").indexList()).containsExactly(0, 1, 5, 10, 11, 12);
  }

  /**
   * Every task's record carries its array's spec, and reading a record back builds the spec again:
   * a check that walked all indices made 100,000 tasks cost 10^10 steps (minutes).
   */
  @Test
  @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fail at 10 s, not after
  void checking_a_spec_costs_its_ranges_not_its_indices() {
    for (int i = 0; i < ArraySpec.MAX_TASKS; i++) {
      assertThat(new ArraySpec("0-99999", null).limit()).isNull();
    }
  }

  @Test
  void when_dependencies_name_no_job_or_one_twice_then_they_are_refused() {
    JobId a = JobId.of("a");
    assertThatThrownBy(() -> new Dependencies(List.of(), null)).hasMessageContaining("no job");
    assertThatThrownBy(() -> new Dependencies(List.of(a), List.of(a)))
        .hasMessageContaining("job a is both");
    assertThat(new Dependencies(List.of(a, a), null).ok()).containsExactly(a);
  }
}
