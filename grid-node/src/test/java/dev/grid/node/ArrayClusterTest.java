package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.JobEvent;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.JobPosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes in one JVM: job arrays (one request, each index once, %N caps) and dependencies. */
class ArrayClusterTest {
  private static final Duration PRIMARY = Duration.ofSeconds(15);
  private static final Duration JOB = Duration.ofSeconds(30);
  private static final Duration THOUSAND = Duration.ofSeconds(120);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private TestGrid start(int nodes, int slots) {
    grid = new TestGrid(dir, nodes, slots).start();
    await()
        .atMost(PRIMARY)
        .until(() -> grid.primaries().size() == 1 && grid.primaries().get(0).isDispatching());
    return grid;
  }

  private GridOperations ops() {
    return grid.live().get(0).operations();
  }

  private JobInfo info(JobId id) {
    return ops().job(id).orElseThrow();
  }

  private JobInfo awaitState(JobId id, JobState state, Duration atMost) {
    await().atMost(atMost).until(() -> info(id).state() == state);
    return info(id);
  }

  private List<JobInfo> tasks(JobId array) {
    return ops().jobs(Optional.empty(), true).stream()
        .filter(j -> array.equals(j.arrayId()))
        .toList();
  }

  private String stdout(JobId id) {
    try (InputStream in = ops().output(id, GridOperations.Stream.STDOUT).orElseThrow().content()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long count(JobInfo job, JobState state) {
    return job.history().stream().filter(e -> e.state() == state).count();
  }

  private static long at(JobInfo job, JobState state) {
    return job.history().stream()
        .filter(e -> e.state() == state)
        .findFirst()
        .orElseThrow()
        .atMillis();
  }

  private long requests() {
    return grid.live().stream().mapToLong(GridNode::httpRequests).sum();
  }

  @Test
  void
      when_an_array_of_1000_true_tasks_is_submitted_then_it_is_one_request_and_each_index_runs_once() {
    start(3, 4);
    JobId array;
    try (GridClient client =
        GridClient.connect(List.of(URI.create(grid.node(1).httpUrl())), TestGrid.TOKEN)) {
      long before = requests();
      array = client.submit(JobSpec.command("true").withArray(ArraySpec.parse("0-999")));
      assertThat(requests() - before).as("HTTP requests to submit 1,000 tasks").isEqualTo(1);
    }

    JobInfo done = awaitState(array, JobState.SUCCEEDED, THOUSAND);
    assertThat(done.tasks()).containsExactly(Map.entry(JobState.SUCCEEDED, 1000));

    List<JobInfo> tasks = tasks(array);
    assertThat(tasks).hasSize(1000);
    assertThat(tasks)
        .extracting(JobInfo::arrayIndex)
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 1000).boxed().toList());
    assertThat(tasks)
        .allSatisfy(
            t -> {
              assertThat(t.id()).isEqualTo(JobId.of(array + "_" + t.arrayIndex()));
              assertThat(t.state()).isEqualTo(JobState.SUCCEEDED);
              assertThat(count(t, JobState.RUNNING))
                  .as("RUNNING events of %s", t.id())
                  .isEqualTo(1);
            });
    List<JobInfo> listed = ops().jobs(Optional.empty());
    assertThat(listed).extracting(JobInfo::id).containsExactly(array);
  }

  @Test
  void when_an_array_has_ended_then_its_status_is_read_from_its_task_blocks_without_a_scan() {
    start(3, 4);
    // Indices 1000-1099 fall in two blocks of 256 (768-1023 and 1024-1279).
    JobId array = ops().submit(JobSpec.command("true").withArray(ArraySpec.parse("1000-1099")));
    awaitState(array, JobState.SUCCEEDED, JOB);
    assertThat(blocksOf(array)).isEqualTo(2);

    long before = jobQueries();
    for (int i = 0; i < 5; i++) {
      JobInfo read = info(array);
      assertThat(read.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(read.tasks()).containsExactly(Map.entry(JobState.SUCCEEDED, 100));
    }
    assertThat(jobQueries() - before).as("queries over the jobs map for 5 status reads").isZero();
  }

  /** Queries run over the jobs map on every member so far. */
  private long jobQueries() {
    return grid.live().stream()
        .mapToLong(
            n -> n.hazelcast().getMap(ClusterSettings.JOBS_MAP).getLocalMapStats().getQueryCount())
        .sum();
  }

  private long blocksOf(JobId array) {
    return grid.live().get(0).hazelcast().getMap(ClusterSettings.TASK_BLOCKS_MAP).keySet().stream()
        .filter(k -> k.toString().startsWith(array.value() + ":"))
        .count();
  }

  @Test
  void when_an_array_is_cancelled_then_its_unfinished_tasks_are_cancelled() {
    start(3, 2);
    JobId array = ops().submit(JobSpec.command("sleep", "30").withArray(ArraySpec.parse("0-49%4")));
    await().atMost(JOB).until(() -> info(array).tasks().getOrDefault(JobState.RUNNING, 0) == 4);

    ops().cancel(array);

    JobInfo done = awaitState(array, JobState.CANCELLED, JOB);
    assertThat(done.tasks()).containsExactly(Map.entry(JobState.CANCELLED, 50));
  }

  @Test
  void when_a_parent_fails_then_afterok_dependants_are_cancelled_naming_it_and_afterany_ones_run() {
    start(3, 2);
    JobId parent = ops().submit(JobSpec.shell("sleep 0.3; exit 3"));
    JobId array =
        ops()
            .submit(
                JobSpec.shell("test $GRID_ARRAY_INDEX -ne 1").withArray(ArraySpec.parse("0-2")));
    JobId okOnParent =
        ops().submit(JobSpec.command("true").withAfter(Dependencies.afterOk(parent)));
    JobId okOnArray = ops().submit(JobSpec.command("true").withAfter(Dependencies.afterOk(array)));
    JobId anyOnBoth =
        ops().submit(JobSpec.command("true").withAfter(Dependencies.afterAny(parent, array)));

    JobInfo cancelled = awaitState(okOnParent, JobState.CANCELLED, JOB);
    assertThat(cancelled.message())
        .isEqualTo("dependency never satisfied: afterok parent " + parent + " FAILED");
    assertThat(cancelled.history())
        .extracting(JobEvent::state)
        .containsExactly(JobState.WAITING, JobState.CANCELLED);
    assertThat(awaitState(okOnArray, JobState.CANCELLED, JOB).message())
        .isEqualTo(
            "dependency never satisfied: afterok parent "
                + array
                + " FAILED (3 tasks: 2 SUCCEEDED, 1 FAILED)");
    JobInfo ran = awaitState(anyOnBoth, JobState.SUCCEEDED, JOB);
    assertThat(ran.startedAtMillis()).isGreaterThanOrEqualTo(info(parent).endedAtMillis());
  }

  @Test
  void when_a_dependency_is_no_job_then_the_submit_is_refused_naming_it() {
    start(1, 2);
    JobId ghost = JobId.of("j-no-such-job");
    assertThatThrownBy(
            () -> ops().submit(JobSpec.command("true").withAfter(Dependencies.afterAny(ghost))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no job with id 'j-no-such-job' to run after");
    try (GridClient client =
        GridClient.connect(List.of(URI.create(grid.node(0).httpUrl())), TestGrid.TOKEN)) {
      assertThatThrownBy(
              () -> client.submit(JobSpec.command("true").withAfter(Dependencies.afterOk(ghost))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'j-no-such-job'");
    }
    assertThat(ops().jobs(Optional.empty())).isEmpty();
  }

  @Test
  void when_the_primary_crashes_while_a_job_waits_then_the_new_primary_decides_it() {
    start(3, 2);
    GridNode old = grid.primaries().get(0);
    JobId parent = ops().submit(JobSpec.shell("sleep 2"));
    JobId child = ops().submit(JobSpec.command("true").withAfter(Dependencies.afterOk(parent)));
    awaitState(parent, JobState.RUNNING, JOB);
    long oldEpoch = old.epoch();

    old.halt();

    JobInfo done =
        await()
            .atMost(JOB)
            .until(
                () -> grid.live().get(0).operations().job(child).orElseThrow(),
                j -> j.state() == JobState.SUCCEEDED);
    JobEvent queued = done.history().get(1);
    assertThat(queued.state()).isEqualTo(JobState.QUEUED);
    assertThat(queued.epoch()).as("decided by the new primary").isGreaterThan(oldEpoch);
  }

  @Test
  void
      when_every_node_stops_and_starts_again_then_waiting_jobs_and_tasks_come_back_and_run_in_order() {
    start(3, 2);
    JobId first = ops().submit(JobSpec.shell("sleep 2"));
    JobId second = ops().submit(JobSpec.command("true").withAfter(Dependencies.afterOk(first)));
    JobId array =
        ops()
            .submit(
                JobSpec.shell("echo $GRID_ARRAY_INDEX")
                    .withArray(ArraySpec.parse("0-4%2"))
                    .withAfter(Dependencies.afterAny(second)));
    awaitState(first, JobState.RUNNING, JOB);
    assertThat(info(array).state()).isEqualTo(JobState.WAITING);

    grid.closeAllAtOnce();
    grid.startAgain();
    await()
        .atMost(PRIMARY)
        .until(() -> grid.primaries().size() == 1 && grid.primaries().get(0).isDispatching());

    JobInfo done = awaitState(array, JobState.SUCCEEDED, JOB);
    assertThat(done.spec().array().limit()).isEqualTo(2);
    assertThat(info(second).startedAtMillis()).isGreaterThanOrEqualTo(info(first).endedAtMillis());
    for (JobInfo t : tasks(array)) {
      assertThat(stdout(t.id())).isEqualTo(t.arrayIndex() + "\n");
      assertThat(t.startedAtMillis()).isGreaterThanOrEqualTo(info(second).endedAtMillis());
    }
  }

  @Test
  void when_listing_then_an_arrays_tasks_show_only_when_asked() {
    start(1, 4);
    JobId single = ops().submit(JobSpec.command("true"));
    JobId array = ops().submit(JobSpec.command("true").withArray(ArraySpec.parse("1,3,5")));
    awaitState(array, JobState.SUCCEEDED, JOB);

    assertThat(ops().jobs(Optional.empty())).extracting(JobInfo::id).containsExactly(single, array);
    Set<String> withTasks =
        ops().jobs(Optional.empty(), true).stream()
            .map(j -> j.id().value())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(withTasks)
        .containsExactlyInAnyOrder(
            single.value(), array.value(), array + "_1", array + "_3", array + "_5");
    assertThat(ops().jobs(Optional.of(JobState.SUCCEEDED), false))
        .extracting(JobInfo::id)
        .containsExactly(single, array);
    for (int limit = 1; limit <= 3; limit++) {
      assertThat(pages(Optional.empty(), true, limit))
          .as("pages of %s", limit)
          .isEqualTo(ops().jobs(Optional.empty(), true));
      assertThat(pages(Optional.of(JobState.SUCCEEDED), false, limit))
          .isEqualTo(ops().jobs(Optional.of(JobState.SUCCEEDED), false));
    }
  }

  /** The listing read a page at a time from the jobs map, as {@code GET /api/jobs} reads it. */
  private List<JobInfo> pages(Optional<JobState> state, boolean withTasks, int limit) {
    List<JobInfo> all = new ArrayList<>();
    JobPosition after = null;
    while (true) {
      List<JobInfo> page = ops().jobs(JobFilter.of(state), withTasks, after, limit + 1);
      all.addAll(page.subList(0, Math.min(limit, page.size())));
      if (page.size() <= limit) {
        return all;
      }
      after = JobPosition.of(page.get(limit - 1));
    }
  }
}
