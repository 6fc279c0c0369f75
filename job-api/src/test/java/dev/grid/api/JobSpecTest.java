package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecTest {

  @Test
  void when_built_from_argv_then_arguments_are_kept_as_given() {
    JobSpec spec = JobSpec.command("printf", "%s\n", "a b", "'q'", "$HOME;*");
    assertThat(spec.argv()).containsExactly("printf", "%s\n", "a b", "'q'", "$HOME;*");
    assertThat(spec.shell()).isNull();
    assertThat(spec.maxRetries()).isEqualTo(JobSpec.DEFAULT_MAX_RETRIES);
  }

  @Test
  void when_values_are_bad_then_the_message_names_them() {
    assertThatThrownBy(
            () -> new JobSpec(List.of("a"), "b", Map.of(), null, null, 0, null, null, null))
        .hasMessageContaining("several");
    assertThatThrownBy(
            () -> new JobSpec(List.of(), null, Map.of(), null, null, 0, null, null, null))
        .hasMessageContaining("none");
    assertThatThrownBy(() -> JobSpec.shell("  ")).hasMessageContaining("blank");
    assertThatThrownBy(() -> JobSpec.command("x").withTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> JobSpec.command("x").withMaxRetries(-2)).hasMessageContaining("-2");
    assertThatThrownBy(() -> JobSpec.command("x").withEnv(Map.of("A=B", "c")))
        .hasMessageContaining("'A=B'");
  }

  @Test
  void when_a_java_job_is_built_then_it_has_no_command_and_keeps_its_with_ers() {
    JobSpec spec =
        JobSpec.java(SHA, "com.example.Pi", "1000", "a b")
            .withTimeout(Duration.ofSeconds(5))
            .withMaxRetries(0);
    assertThat(spec.java()).isEqualTo(new JavaTask(SHA, "com.example.Pi", List.of("1000", "a b")));
    assertThat(spec.argv()).isEmpty();
    assertThat(spec.shell()).isNull();
    assertThat(spec.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(spec.display()).startsWith("java com.example.Pi 1000 a b (jar 0123456789ab");
    assertThat(JobSpec.shell("true").withJava(null).shell()).isEqualTo("true");
  }

  @Test
  void when_a_java_job_is_also_a_command_or_names_badly_then_it_is_refused_by_value() {
    assertThatThrownBy(() -> JobSpec.shell("true").withJava(new JavaTask(SHA, "a.B", List.of())))
        .hasMessageContaining("several")
        .hasMessageContaining("java a.B");
    assertThatThrownBy(() -> JobSpec.java("abc", "a.B")).hasMessageContaining("'abc'");
    assertThatThrownBy(() -> JobSpec.java(SHA, "a..B")).hasMessageContaining("'a..B'");
    assertThat(JobSpec.java(SHA.toUpperCase(), "a.B$C").java().jarSha256()).isEqualTo(SHA);
  }

  private static final String SHA =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @Test
  void when_ids_are_made_later_then_they_sort_later() {
    JobId a = JobId.next(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC));
    JobId b = JobId.next(Clock.fixed(Instant.ofEpochMilli(2_000_000), ZoneOffset.UTC));
    assertThat(a).isLessThan(b);
    assertThatThrownBy(() -> JobId.of("a b")).hasMessageContaining("'a b'");
  }

  @Test
  void timeouts_retries_and_dependencies_have_upper_bounds_named_in_the_refusal() {
    JobSpec spec = JobSpec.command("true");
    spec.withTimeout(JobSpec.MAX_TIMEOUT).withMaxRetries(JobSpec.MAX_RETRIES).checkLimits();
    assertThatThrownBy(() -> spec.withTimeout(JobSpec.MAX_TIMEOUT.plusSeconds(1)).checkLimits())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("365 days");
    assertThatThrownBy(() -> spec.withMaxRetries(101).checkLimits())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRetries 101 is out of range: give 0 to 100");
    List<JobId> many = new ArrayList<>();
    for (int i = 0; i < Dependencies.MAX_JOBS; i++) {
      many.add(JobId.of("j" + i));
    }
    spec.withAfter(new Dependencies(many, null)).checkLimits();
    many.add(JobId.of("one-more"));
    JobSpec tooMany =
        spec.withAfter(new Dependencies(many.subList(0, 600), many.subList(600, 1001)));
    assertThatThrownBy(tooMany::checkLimits)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1001 jobs, over the 1000");
    // A job stored before the limits still loads: the constructor takes it.
    assertThat(spec.withMaxRetries(500).maxRetries()).isEqualTo(500);
  }
}
