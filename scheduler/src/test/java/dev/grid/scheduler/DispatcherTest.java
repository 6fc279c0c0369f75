package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DispatcherTest {

  private static List<JobId> jobs(int n) {
    return IntStream.range(0, n).mapToObj(i -> JobId.of("j" + i)).toList();
  }

  private static Map<String, Long> perWorker(Dispatcher.Plan plan) {
    return plan.assignments().stream()
        .collect(Collectors.groupingBy(Dispatcher.Assignment::worker, Collectors.counting()));
  }

  @Test
  void when_workers_are_idle_then_jobs_go_round_robin_in_name_order() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            Dispatcher.Snapshot.ofJobs(
                jobs(5),
                List.of(
                    new Dispatcher.Worker("n2", 4, 0),
                    new Dispatcher.Worker("n1", 4, 0),
                    new Dispatcher.Worker("n3", 4, 0)),
                null));

    assertThat(plan.assignments())
        .extracting(Dispatcher.Assignment::worker)
        .containsExactly("n1", "n2", "n3", "n1", "n2");
    assertThat(plan.assignments())
        .extracting(Dispatcher.Assignment::job)
        .containsExactlyElementsOf(jobs(5));
    assertThat(plan.lastWorker()).isEqualTo("n2");
  }

  @Test
  void when_a_plan_continues_then_it_starts_after_the_last_worker() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            Dispatcher.Snapshot.ofJobs(
                jobs(2),
                List.of(
                    new Dispatcher.Worker("n1", 4, 0),
                    new Dispatcher.Worker("n2", 4, 0),
                    new Dispatcher.Worker("n3", 4, 0)),
                "n2"));

    assertThat(plan.assignments())
        .extracting(Dispatcher.Assignment::worker)
        .containsExactly("n3", "n1");
  }

  @Test
  void when_the_last_worker_has_left_then_the_next_name_in_order_is_next() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            Dispatcher.Snapshot.ofJobs(
                jobs(1),
                List.of(new Dispatcher.Worker("n1", 1, 0), new Dispatcher.Worker("n3", 1, 0)),
                "n2"));

    assertThat(plan.assignments()).extracting(Dispatcher.Assignment::worker).containsExactly("n3");
  }

  @Test
  void when_a_worker_is_full_then_it_is_skipped_and_the_rest_wait() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            Dispatcher.Snapshot.ofJobs(
                jobs(10),
                List.of(
                    new Dispatcher.Worker("n1", 2, 2),
                    new Dispatcher.Worker("n2", 2, 0),
                    new Dispatcher.Worker("n3", 2, 1)),
                null));

    assertThat(perWorker(plan)).containsOnly(Map.entry("n2", 2L), Map.entry("n3", 1L));
    assertThat(plan.assignments()).hasSize(3);
    assertThat(plan.assignments())
        .extracting(Dispatcher.Assignment::job)
        .containsExactlyElementsOf(jobs(3));
  }

  @Test
  void when_there_are_no_free_slots_or_no_workers_then_nothing_is_assigned() {
    assertThat(Dispatcher.plan(Dispatcher.Snapshot.ofJobs(jobs(3), List.of(), null)).assignments())
        .isEmpty();
    assertThat(
            Dispatcher.plan(
                    Dispatcher.Snapshot.ofJobs(
                        jobs(3), List.of(new Dispatcher.Worker("n1", 1, 5)), null))
                .assignments())
        .isEmpty();
  }

  @Test
  void when_thirty_jobs_meet_three_idle_workers_over_several_rounds_then_each_gets_ten() {
    List<JobId> queue = new ArrayList<>(jobs(30));
    Map<String, Integer> total = new TreeMap<>();
    String last = null;
    while (!queue.isEmpty()) {
      // each round the workers have finished what they got before
      Dispatcher.Plan plan =
          Dispatcher.plan(
              Dispatcher.Snapshot.ofJobs(
                  queue,
                  List.of(
                      new Dispatcher.Worker("n1", 4, 0),
                      new Dispatcher.Worker("n2", 4, 0),
                      new Dispatcher.Worker("n3", 4, 0)),
                  last));
      plan.assignments()
          .forEach(
              a -> {
                total.merge(a.worker(), 1, Integer::sum);
                queue.remove(a.job());
              });
      last = plan.lastWorker();
    }
    assertThat(total)
        .containsExactly(Map.entry("n1", 10), Map.entry("n2", 10), Map.entry("n3", 10));
  }

  @Test
  void when_an_array_is_capped_then_no_more_than_its_room_is_handed_out_and_jobs_behind_it_go_on() {
    JobId array = JobId.of("arr");
    List<Dispatcher.Worker> workers =
        List.of(new Dispatcher.Worker("n1", 8, 0), new Dispatcher.Worker("n2", 8, 0));

    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(
                    new Dispatcher.Array(array, 10, 2, 1), new Dispatcher.Job(JobId.of("single"))),
                workers,
                null));

    assertThat(plan.slices()).containsExactly(new Dispatcher.Slice(array, "n1", 2));
    assertThat(plan.assignments())
        .containsExactly(new Dispatcher.Assignment(JobId.of("single"), "n2"));
  }

  @Test
  void when_a_capped_array_is_full_then_none_of_its_tasks_are_dispatched() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(new Dispatcher.Array(JobId.of("arr"), 5, 0, 1)),
                List.of(new Dispatcher.Worker("n1", 8, 2)),
                null));

    assertThat(plan.slices()).isEmpty();
  }

  @Test
  void an_array_of_unknown_run_time_fills_only_free_slots_round_robin() {
    JobId array = JobId.of("arr");
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(new Dispatcher.Array(array, 100, Integer.MAX_VALUE, 1)),
                List.of(
                    new Dispatcher.Worker("n1", 4, 1),
                    new Dispatcher.Worker("n2", 4, 4),
                    new Dispatcher.Worker("n3", 4, 0)),
                null));

    assertThat(plan.slices())
        .containsExactly(
            new Dispatcher.Slice(array, "n1", 3), new Dispatcher.Slice(array, "n3", 4));
    assertThat(plan.lastWorker()).isEqualTo("n3");
  }

  @Test
  void a_fast_array_gives_each_worker_a_deep_slice_but_none_to_a_worker_over_half_full() {
    JobId array = JobId.of("arr");
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(new Dispatcher.Array(array, 1000, Integer.MAX_VALUE, 64)),
                List.of(
                    new Dispatcher.Worker("n1", 4, 100),
                    new Dispatcher.Worker("n2", 4, 129),
                    new Dispatcher.Worker("n3", 4, 0)),
                null));

    assertThat(plan.slices())
        .containsExactly(
            new Dispatcher.Slice(array, "n1", 156), new Dispatcher.Slice(array, "n3", 256));
  }

  @Test
  void a_job_behind_a_fast_array_waits_for_a_free_slot() {
    JobId array = JobId.of("arr");
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(
                    new Dispatcher.Array(array, 1000, Integer.MAX_VALUE, 64),
                    new Dispatcher.Job(JobId.of("single"))),
                List.of(new Dispatcher.Worker("n1", 4, 0)),
                null));

    assertThat(plan.slices()).containsExactly(new Dispatcher.Slice(array, "n1", 256));
    assertThat(plan.assignments()).isEmpty();
  }

  /**
   * A worker of a fast array holds over its slots in tasks (deep slices) and is refilled at half
   * its allowance, so it never gets back under its slots while the array has queued tasks: a job
   * queued before the array finds no free slot round after round, and waits for the whole array.
   */
  @Test
  void a_job_older_than_a_fast_array_is_not_passed_over_by_new_slices() {
    JobId array = JobId.of("arr");
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(
                    new Dispatcher.Job(JobId.of("older")),
                    new Dispatcher.Array(array, 100_000, Integer.MAX_VALUE, 64)),
                List.of(new Dispatcher.Worker("n1", 4, 100)),
                null));

    // Either the job gets the worker, or the worker gets no new slice so that it drains to a
    // free slot for the job: the array must not be refilled past an older job.
    assertThat(plan.assignments().isEmpty() && !plan.slices().isEmpty())
        .as("slices %s given past an older queued job", plan.slices())
        .isFalse();
  }

  @Test
  void when_a_queue_holds_its_limit_then_its_work_is_skipped_and_the_other_queues_go_on() {
    List<Dispatcher.Demand> queue =
        List.of(
            new Dispatcher.Job(JobId.of("b1"), "batch"),
            new Dispatcher.Job(JobId.of("b2"), "batch"),
            new Dispatcher.Array(JobId.of("arr"), 10, Integer.MAX_VALUE, 1, "batch"),
            new Dispatcher.Job(JobId.of("i1"), "interactive"),
            new Dispatcher.Array(JobId.of("arr2"), 3, Integer.MAX_VALUE, 1, "interactive"),
            new Dispatcher.Job(JobId.of("d1")));

    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                queue,
                List.of(new Dispatcher.Worker("n1", 8, 0)),
                null,
                Map.of("batch", 2, "interactive", 3)));

    assertThat(plan.assignments())
        .extracting(a -> a.job().value())
        .containsExactly("b1", "b2", "i1", "d1");
    assertThat(plan.slices())
        .as("the batch queue's room is taken by its jobs; interactive has two left")
        .containsExactly(new Dispatcher.Slice(JobId.of("arr2"), "n1", 2));
  }

  @Test
  void when_a_queue_has_no_room_then_its_array_is_skipped_not_waited_for() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(
                    new Dispatcher.Array(JobId.of("arr"), 10, Integer.MAX_VALUE, 1, "batch"),
                    new Dispatcher.Job(JobId.of("j1"))),
                List.of(new Dispatcher.Worker("n1", 1, 0)),
                null,
                Map.of("batch", 0)));

    assertThat(plan.slices()).isEmpty();
    assertThat(plan.assignments()).extracting(a -> a.job().value()).containsExactly("j1");
  }

  @Test
  void a_job_that_needs_labels_goes_round_robin_among_the_workers_that_have_them() {
    List<Dispatcher.Demand> queue = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queue.add(new Dispatcher.Job(JobId.of("g" + i), "default", List.of("gpu")));
    }
    queue.add(new Dispatcher.Job(JobId.of("tpu"), "default", List.of("tpu")));
    queue.add(new Dispatcher.Job(JobId.of("any")));

    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                queue,
                List.of(
                    new Dispatcher.Worker("n1", 4, 0, java.util.Set.of("gpu", "zone=a")),
                    new Dispatcher.Worker("n2", 4, 0),
                    new Dispatcher.Worker("n3", 4, 0, java.util.Set.of("gpu"))),
                null));

    assertThat(plan.assignments())
        .extracting(a -> a.job().value() + "@" + a.worker())
        .as("the tpu job, which no worker can take, keeps nobody waiting")
        .containsExactly("g0@n1", "g1@n3", "g2@n1", "g3@n3", "any@n1");
  }

  private static final long GIB = 1L << 30;

  /** A worker offering {@code cpus} CPUs and {@code gib} GiB, with that much reserved already. */
  private static Dispatcher.Worker sized(
      String name, int slots, int active, int cpus, long gib, int cpusTaken, long gibTaken) {
    return new Dispatcher.Worker(
        name, slots, active, Set.of(), cpus, gib * GIB, cpusTaken, gibTaken * GIB);
  }

  private static Dispatcher.Job reserving(String id, int cpus, long gib) {
    return new Dispatcher.Job(
        JobId.of(id), Scheduling.DEFAULT_QUEUE, List.of(), new Resources(cpus, gib * GIB));
  }

  @Test
  void when_a_job_reserves_cpus_then_it_goes_where_they_are_free_and_round_robin_goes_on() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(reserving("big", 2, 0), reserving("small", 1, 0)),
                List.of(sized("n1", 4, 1, 2, 8, 1, 0), sized("n2", 4, 0, 2, 8, 0, 0)),
                null));

    assertThat(plan.assignments())
        .containsExactly(
            new Dispatcher.Assignment(JobId.of("big"), "n2"),
            new Dispatcher.Assignment(JobId.of("small"), "n1"));
  }

  @Test
  void when_jobs_reserve_memory_then_a_worker_takes_only_what_fits_beside_its_others() {
    List<Dispatcher.Demand> queue = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queue.add(reserving("m" + i, 0, 3));
    }
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                queue,
                List.of(sized("n1", 8, 0, 4, 8, 0, 0), sized("n2", 8, 1, 4, 8, 0, 2)),
                null));

    // n1: 8 GiB holds two 3 GiB jobs; n2 has 6 GiB left: two too. The fifth waits.
    assertThat(perWorker(plan)).containsEntry("n1", 2L).containsEntry("n2", 2L);
    assertThat(plan.assignments()).hasSize(4);
  }

  @Test
  void when_a_job_fits_nowhere_now_then_what_is_behind_it_waits_for_it() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(reserving("big", 4, 0), new Dispatcher.Job(JobId.of("plain"))),
                List.of(sized("n1", 4, 2, 4, 8, 2, 0)),
                null));

    assertThat(plan.assignments())
        .as("the plain job would take the room 'big' waits for")
        .isEmpty();
  }

  @Test
  void when_a_job_could_not_fit_on_any_live_worker_then_it_is_skipped_and_the_rest_goes_on() {
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(reserving("huge", 16, 0), reserving("tiny", 0, 1)),
                List.of(sized("n1", 4, 0, 4, 8, 0, 0)),
                null));

    assertThat(plan.assignments())
        .containsExactly(new Dispatcher.Assignment(JobId.of("tiny"), "n1"));
  }

  @Test
  void when_an_arrays_tasks_reserve_cpus_then_a_slice_holds_only_as_many_as_fit() {
    Dispatcher.Array array =
        new Dispatcher.Array(
            JobId.of("a"),
            100,
            Integer.MAX_VALUE,
            1,
            Scheduling.DEFAULT_QUEUE,
            List.of(),
            new Resources(2, 0));
    Dispatcher.Plan plan =
        Dispatcher.plan(
            new Dispatcher.Snapshot(
                List.of(array),
                List.of(sized("n1", 8, 0, 4, 8, 0, 0), sized("n2", 8, 1, 4, 8, 1, 0)),
                null));

    // n1: 4 CPUs hold two tasks of 2; n2 has 3 CPUs left: one.
    assertThat(plan.slices())
        .containsExactly(
            new Dispatcher.Slice(JobId.of("a"), "n1", 2),
            new Dispatcher.Slice(JobId.of("a"), "n2", 1));
  }
}
