package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridException;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JobWatchTest {
  private static final long SECOND = 1_000_000_000L;
  private static final JobId ARRAY = JobId.of("j0001");

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong nanos = new AtomicLong();

  private static JobInfo array(JobState state, Map<JobState, Integer> counts) {
    JobInfo job =
        new JobInfo(ARRAY, state, null, 0, null, null, null, 0, null, null, 0, 0, false, List.of());
    return job.withTasks(state, counts);
  }

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void on_a_terminal_the_progress_is_one_line_redrawn_in_place_then_a_final_line() {
    JobWatch.Progress progress = new JobWatch.Progress(ARRAY, err, true, nanos::get);

    progress.seen(array(JobState.RUNNING, Map.of(JobState.QUEUED, 8, JobState.RUNNING, 2)));
    nanos.set(SECOND);
    progress.seen(array(JobState.RUNNING, Map.of(JobState.RUNNING, 2, JobState.SUCCEEDED, 8)));
    nanos.set(2 * SECOND);
    progress.ended(array(JobState.SUCCEEDED, Map.of(JobState.SUCCEEDED, 10)));

    assertThat(written())
        .isEqualTo(
            "\rj0001: 0/10 done; 8 QUEUED, 2 RUNNING; -- tasks/s, time left unknown\033[K"
                + "\rj0001: 8/10 done; 2 RUNNING, 8 SUCCEEDED; 8.0 tasks/s, 1s left\033[K"
                + "\rj0001: 10/10 done; 10 SUCCEEDED; in 2s, 5.0 tasks/s\033[K"
                + System.lineSeparator());
  }

  @Test
  void elsewhere_the_progress_is_plain_lines_only_on_a_change_and_at_most_every_few_seconds() {
    JobWatch.Progress progress = new JobWatch.Progress(ARRAY, err, false, nanos::get);

    progress.seen(array(JobState.RUNNING, Map.of(JobState.QUEUED, 10)));
    nanos.set(SECOND); // changed, but too soon
    progress.seen(array(JobState.RUNNING, Map.of(JobState.QUEUED, 9, JobState.RUNNING, 1)));
    nanos.set(6 * SECOND); // changed and due
    progress.seen(array(JobState.RUNNING, Map.of(JobState.QUEUED, 5, JobState.SUCCEEDED, 5)));
    nanos.set(20 * SECOND); // due, but unchanged
    progress.seen(array(JobState.RUNNING, Map.of(JobState.QUEUED, 5, JobState.SUCCEEDED, 5)));
    progress.ended(array(JobState.SUCCEEDED, Map.of(JobState.SUCCEEDED, 10)));

    List<String> lines = written().lines().toList();
    assertThat(written()).doesNotContain("\r", "\033");
    assertThat(lines)
        .containsExactly(
            "j0001: 0/10 done; 10 QUEUED; -- tasks/s, time left unknown",
            "j0001: 5/10 done; 5 QUEUED, 5 SUCCEEDED; 0.8 tasks/s, 6s left",
            "j0001: 10/10 done; 10 SUCCEEDED; in 20s, 0.5 tasks/s");
  }

  @Test
  void the_watch_polls_until_the_job_ends_and_skips_a_poll_that_failed() {
    CompletableFuture<JobInfo> done = new CompletableFuture<>();
    AtomicInteger polls = new AtomicInteger();
    List<String> seen = new ArrayList<>();
    JobInfo ended = array(JobState.SUCCEEDED, Map.of(JobState.SUCCEEDED, 2));
    JobWatch.Watcher recorder =
        new JobWatch.Watcher() {
          @Override
          public void seen(JobInfo job) {
            seen.add("seen " + job.taskSummary());
          }

          @Override
          public void ended(JobInfo job) {
            seen.add("ended " + job.state());
          }
        };

    JobInfo result =
        JobWatch.untilEnd(
            done,
            () -> {
              switch (polls.incrementAndGet()) {
                case 1 -> {
                  return array(JobState.RUNNING, Map.of(JobState.RUNNING, 2));
                }
                case 2 -> throw new GridException("no node answered");
                default -> {
                  done.complete(ended);
                  return ended; // ended: the completion says so, not this poll
                }
              }
            },
            recorder,
            Duration.ofMillis(1));

    assertThat(result).isSameAs(ended);
    assertThat(seen).containsExactly("seen 2 tasks: 2 RUNNING", "ended SUCCEEDED");
  }

  @Test
  void when_the_waiting_thread_is_interrupted_then_the_watch_ends_with_a_grid_error() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(
              () ->
                  JobWatch.untilEnd(
                      new CompletableFuture<>(),
                      () -> array(JobState.RUNNING, Map.of(JobState.RUNNING, 1)),
                      new JobWatch.Events(err),
                      Duration.ofSeconds(5)))
          .isInstanceOf(GridException.class)
          .hasMessageContaining("interrupted");
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void a_single_jobs_events_are_each_shown_once() {
    JobWatch.Events events = new JobWatch.Events(err);
    JobEvent queued = new JobEvent(JobState.QUEUED, 1_000, null, 0, 0, null);
    JobEvent running = new JobEvent(JobState.RUNNING, 2_000, "n2", 1, 7, null);
    JobEvent failed = new JobEvent(JobState.FAILED, 3_000, "n2", 1, 7, "exit 3");

    events.seen(job(List.of(queued)));
    events.seen(job(List.of(queued, running)));
    events.seen(job(List.of(queued, running)));
    events.ended(job(List.of(queued, running, failed)));

    assertThat(written().lines())
        .containsExactly(
            StatusCommand.time(1_000L) + " QUEUED",
            StatusCommand.time(2_000L) + " RUNNING node n2 attempt 1",
            StatusCommand.time(3_000L) + " FAILED node n2 attempt 1: exit 3");
  }

  private static JobInfo job(List<JobEvent> history) {
    JobEvent last = history.get(history.size() - 1);
    return new JobInfo(
        JobId.of("j0002"),
        last.state(),
        last.node(),
        last.attempt(),
        null,
        null,
        null,
        0,
        null,
        null,
        0,
        0,
        false,
        history);
  }
}
