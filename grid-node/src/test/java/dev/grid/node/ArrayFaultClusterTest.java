package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.TaskBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in one JVM running arrays in slices under faults: a worker crashing or stopping
 * mid-array, and cancels of one task and of the whole array. Each index must end once, as the
 * guarantees say: what succeeded stays succeeded, what ran on a dead worker uses a retry, what a
 * stopping worker gives back runs again without one.
 */
class ArrayFaultClusterTest {
  private static final Duration PRIMARY = Duration.ofSeconds(15);
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir Path dir;
  private TestGrid grid;
  private final List<Long> pids = new ArrayList<>();

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
    // Never leave a task's process behind, whatever the test came to.
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private void start(int nodes, int slots) {
    grid = new TestGrid(dir.resolve("grid"), nodes, slots).start();
    await()
        .atMost(PRIMARY)
        .until(() -> grid.primaries().size() == 1 && grid.primaries().get(0).isDispatching());
  }

  private GridOperations ops() {
    return grid.live().get(0).operations();
  }

  private JobInfo info(JobId id) {
    return ops().job(id).orElseThrow();
  }

  /** A task's columns as its block holds them. */
  private record Task(int index, JobState state, int attempt, int retriesUsed, String node) {}

  /** Every task of the array, by index, read from its blocks on a live node. */
  private Map<Integer, Task> tasks(JobId array, int size) {
    IMap<String, TaskBlock> blocks =
        grid.live().get(0).hazelcast().getMap(ClusterSettings.TASK_BLOCKS_MAP);
    Map<Integer, Task> out = new TreeMap<>();
    for (int n = 0; n <= TaskBlock.blockOf(size - 1); n++) {
      TaskBlock b = blocks.get(TaskBlock.key(array, n));
      for (int slot = 0; b != null && slot < TaskBlock.SIZE; slot++) {
        if (b.has(slot)) {
          out.put(
              b.indexOf(slot),
              new Task(
                  b.indexOf(slot),
                  b.state(slot),
                  b.attempts()[slot],
                  b.retriesUsed()[slot],
                  b.node(slot)));
        }
      }
    }
    return out;
  }

  private static List<Task> where(Map<Integer, Task> tasks, JobState state, String node) {
    return tasks.values().stream()
        .filter(t -> t.state() == state && (node == null || node.equals(t.node())))
        .toList();
  }

  /** A non-primary node with at least this many tasks of the array running, or null. */
  private GridNode workerRunning(JobId array, int size, int atLeast) {
    return workerRunning(array, size, 0, atLeast);
  }

  /** The same, counting only tasks from that index on. */
  private GridNode workerRunning(JobId array, int size, int fromIndex, int atLeast) {
    Map<String, Long> running =
        tasks(array, size).values().stream()
            .filter(t -> t.state() == JobState.RUNNING && t.index() >= fromIndex)
            .collect(Collectors.groupingBy(Task::node, Collectors.counting()));
    return grid.live().stream()
        .filter(n -> !n.isPrimary() && running.getOrDefault(n.name(), 0L) >= atLeast)
        .findFirst()
        .orElse(null);
  }

  /** How many times each index ran, from the lines the tasks appended to their files. */
  private Map<Integer, Integer> runs(Path runs, int size) {
    Map<Integer, Integer> out = new TreeMap<>();
    for (int i = 0; i < size; i++) {
      Path f = runs.resolve(Integer.toString(i));
      try {
        out.put(i, Files.exists(f) ? Files.readAllLines(f).size() : 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  @Test
  void when_a_worker_crashes_mid_array_then_its_running_tasks_use_a_retry_and_ended_ones_stay()
      throws IOException {
    start(3, 2);
    Path runs = Files.createDirectories(dir.resolve("runs"));
    int size = 30;
    JobId array =
        ops()
            .submit(
                JobSpec.shell("echo $GRID_NODE >> '" + runs + "'/$GRID_ARRAY_INDEX; sleep 1")
                    .withArray(ArraySpec.parse("0-" + (size - 1)))
                    .withMaxRetries(1));
    // Both its slots busy: between this look and the crash, a task may end, not both (each runs 1
    // s: with 0.3 s, a busy machine once let both end in that gap).
    GridNode victim =
        await()
            .atMost(JOB)
            .until(
                () ->
                    where(tasks(array, size), JobState.SUCCEEDED, null).size() >= 4
                        ? workerRunning(array, size, 2)
                        : null,
                n -> n != null);

    victim.halt();

    // What the grid holds at the crash: the dead worker writes nothing more.
    Map<Integer, Task> atCrash = tasks(array, size);
    List<Task> endedBefore = where(atCrash, JobState.SUCCEEDED, null);
    List<Task> onVictim = where(atCrash, JobState.RUNNING, victim.name());
    assertThat(onVictim).as("tasks running on %s when it crashed", victim.name()).isNotEmpty();

    await().atMost(JOB).until(() -> info(array).state() == JobState.SUCCEEDED);
    Map<Integer, Task> done = tasks(array, size);
    assertThat(done).hasSize(size);
    assertThat(done.values())
        .allSatisfy(
            t -> assertThat(t.state()).as("task %d", t.index()).isEqualTo(JobState.SUCCEEDED));
    for (Task before : endedBefore) {
      assertThat(done.get(before.index()))
          .as("task %d, ended before the crash", before.index())
          .isEqualTo(before);
    }
    for (Task lost : onVictim) {
      Task t = done.get(lost.index());
      assertThat(t.retriesUsed()).as("retries used by task %d", t.index()).isEqualTo(1);
      assertThat(t.attempt()).as("attempt of task %d", t.index()).isEqualTo(lost.attempt() + 1);
      assertThat(t.node()).as("node of task %d", t.index()).isNotEqualTo(victim.name());
    }
    List<Integer> rerun = onVictim.stream().map(Task::index).toList();
    Map<Integer, Integer> ran = runs(runs, size);
    assertThat(ran)
        .allSatisfy(
            (index, times) -> {
              if (rerun.contains(index)) {
                // Its first run may have been killed before it wrote its line.
                assertThat(times).as("runs of task %d", index).isBetween(1, 2);
              } else {
                assertThat(times).as("runs of task %d", index).isEqualTo(1);
              }
            });
    assertThat(done.values())
        .filteredOn(t -> !rerun.contains(t.index()))
        .allSatisfy(t -> assertThat(t.retriesUsed()).isZero());
  }

  /** Indices below 200 return at once, the others nap 400 ms (an interrupt ends the nap). */
  private static final String NAP =
      """
      package com.example;
      import dev.grid.api.*;
      public class Nap implements GridJob<Long> {
        public Long run(JobContext context) throws InterruptedException {
          int index = context.arrayIndex().orElseThrow();
          if (index >= 200) {
            Thread.sleep(400);
          }
          return null; // no result to store: a fast task takes a millisecond
        }
      }
      """;

  @Test
  void when_a_worker_stops_cleanly_mid_array_then_its_started_tasks_run_again_without_a_retry() {
    start(3, 2);
    Path jar = TestJars.build(dir, "nap", Map.of("com.example.Nap", NAP));
    String sha;
    try (GridClient client =
        GridClient.connect(List.of(URI.create(grid.node(0).httpUrl())), TestGrid.TOKEN)) {
      sha = client.uploadJar(jar);
    }
    int size = 260;
    // The first 200 tasks end in a millisecond: the primary then hands out deep slices, and a
    // node holds more of the slow ones than it has slots, waiting to be started (it may be the
    // primary: then another takes over, by the same rules).
    JobId array =
        ops()
            .submit(
                JobSpec.java(sha, "com.example.Nap")
                    .withArray(ArraySpec.parse("0-" + (size - 1)))
                    .withMaxRetries(0));
    GridNode victim =
        await()
            .atMost(JOB)
            .until(
                () -> {
                  Map<Integer, Task> now = tasks(array, size);
                  // Once one of them ended there, it starts them one at a time: most are still
                  // unstarted
                  // when its worker stops, after the rest of the node's stop.
                  return grid.live().stream()
                      .filter(
                          n ->
                              where(now, JobState.DISPATCHED, n.name()).stream()
                                          .filter(t -> t.index() >= 200)
                                          .count()
                                      >= 6
                                  && where(now, JobState.SUCCEEDED, n.name()).stream()
                                      .anyMatch(t -> t.index() >= 200))
                      .findFirst()
                      .orElse(null);
                },
                n -> n != null);
    Map<Integer, Task> atStop = tasks(array, size);
    List<Task> held = new ArrayList<>(where(atStop, JobState.DISPATCHED, victim.name()));
    held.addAll(where(atStop, JobState.RUNNING, victim.name()));
    held.removeIf(t -> t.index() < 200);

    victim.close();

    await().atMost(JOB).until(() -> info(array).state().isTerminal());
    Map<Integer, Task> done = tasks(array, size);
    assertThat(done.values())
        .allSatisfy(
            t -> {
              assertThat(t.state()).as("task %d", t.index()).isEqualTo(JobState.SUCCEEDED);
              assertThat(t.retriesUsed()).as("retries used by task %d", t.index()).isZero();
            });
    assertThat(info(array).state()).isEqualTo(JobState.SUCCEEDED);
    // Those it held and had not ended when it stopped were handed back and ran elsewhere.
    List<Task> handedBack =
        held.stream()
            .map(t -> done.get(t.index()))
            .filter(t -> !t.node().equals(victim.name()))
            .toList();
    assertThat(handedBack)
        .as("of %s held by %s", held, victim.name())
        .isNotEmpty()
        .allSatisfy(
            t -> assertThat(t.attempt()).as("attempt of task %d", t.index()).isGreaterThan(1));
  }

  /**
   * A worker holds more of a fast array's tasks than it has slots: they wait DISPATCHED on it and
   * are marked RUNNING a batch at a time just before they run. When it crashes, those it had not
   * started go back without using a retry; only those marked RUNNING count as interrupted (with no
   * retries, LOST).
   */
  @Test
  void when_a_worker_crashes_holding_unstarted_tasks_then_they_run_elsewhere_without_a_retry() {
    start(3, 2);
    Path jar = TestJars.build(dir, "nap", Map.of("com.example.Nap", NAP));
    String sha;
    try (GridClient client =
        GridClient.connect(List.of(URI.create(grid.node(0).httpUrl())), TestGrid.TOKEN)) {
      sha = client.uploadJar(jar);
    }
    int size = 260;
    JobId array =
        ops()
            .submit(
                JobSpec.java(sha, "com.example.Nap")
                    .withArray(ArraySpec.parse("0-" + (size - 1)))
                    .withMaxRetries(0));
    GridNode victim =
        await()
            .atMost(JOB)
            .until(
                () -> {
                  Map<Integer, Task> now = tasks(array, size);
                  // Slow tasks (from 200 on) it holds unstarted, once one of them ended there: it
                  // has seen
                  // that they are slow and starts them one at a time now. The primary may be the
                  // one: a new
                  // primary then takes its tasks back, by the same rules.
                  return grid.live().stream()
                      .filter(
                          n ->
                              where(now, JobState.DISPATCHED, n.name()).stream()
                                          .filter(t -> t.index() >= 200)
                                          .count()
                                      >= 3
                                  && where(now, JobState.SUCCEEDED, n.name()).stream()
                                      .anyMatch(t -> t.index() >= 200))
                      .findFirst()
                      .orElse(null);
                },
                n -> n != null);

    victim.halt();

    Map<Integer, Task> atCrash = tasks(array, size);
    List<Integer> unstarted =
        where(atCrash, JobState.DISPATCHED, victim.name()).stream().map(Task::index).toList();
    List<Integer> marked =
        where(atCrash, JobState.RUNNING, victim.name()).stream().map(Task::index).toList();
    assertThat(unstarted).as("tasks waiting unstarted on %s", victim.name()).isNotEmpty();

    await().atMost(JOB).until(() -> info(array).state().isTerminal());
    Map<Integer, Task> done = tasks(array, size);
    for (int index : unstarted) {
      Task t = done.get(index);
      assertThat(t.state())
          .as("task %d, unstarted at the crash", index)
          .isEqualTo(JobState.SUCCEEDED);
      assertThat(t.retriesUsed()).as("retries used by task %d", index).isZero();
    }
    assertThat(where(done, JobState.LOST, null))
        .extracting(Task::index)
        .as("only tasks marked RUNNING on %s end LOST", victim.name())
        .allSatisfy(index -> assertThat(marked).contains(index));
    assertThat(done.values())
        .filteredOn(t -> !marked.contains(t.index()))
        .allSatisfy(
            t -> assertThat(t.state()).as("task %d", t.index()).isEqualTo(JobState.SUCCEEDED));
  }

  @Test
  void when_a_task_and_then_its_array_are_cancelled_then_running_and_queued_ones_end_cancelled()
      throws IOException {
    start(3, 2);
    Path pidDir = Files.createDirectories(dir.resolve("pids"));
    int size = 20;
    // Indices 0-3 end at once; the others run until killed.
    JobId array =
        ops()
            .submit(
                JobSpec.shell(
                        "echo $$ > '"
                            + pidDir
                            + "'/$GRID_ARRAY_INDEX;"
                            + " [ $GRID_ARRAY_INDEX -lt 4 ] || exec sleep 60")
                    .withArray(ArraySpec.parse("0-" + (size - 1))));
    await()
        .atMost(JOB)
        .until(
            () -> {
              Map<Integer, Task> now = tasks(array, size);
              return where(now, JobState.SUCCEEDED, null).size() == 4
                  && runningProcesses(now, pidDir).size() >= 4;
            });
    Map<Integer, Task> before = tasks(array, size);
    List<Integer> running = runningProcesses(before, pidDir);
    int chosen = running.get(0);

    ops().cancel(JobId.of(array + "_" + chosen));

    await().atMost(JOB).until(() -> tasks(array, size).get(chosen).state() == JobState.CANCELLED);
    long chosenPid = pid(pidDir, chosen);
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(chosenPid));
    Map<Integer, Task> afterOne = tasks(array, size);
    assertThat(afterOne.get(chosen).attempt()).isEqualTo(before.get(chosen).attempt());
    for (int other : running.subList(1, running.size())) {
      assertThat(afterOne.get(other).state()).as("task %d", other).isEqualTo(JobState.RUNNING);
      assertThat(alive(pid(pidDir, other))).as("process of task %d", other).isTrue();
    }
    assertThat(info(array).state().isTerminal()).isFalse();

    ops().cancel(array);

    await().atMost(JOB).until(() -> info(array).state().isTerminal());
    Map<Integer, Task> done = tasks(array, size);
    for (Task t : done.values()) {
      if (t.index() < 4) {
        assertThat(t)
            .as("task %d, ended before the cancel", t.index())
            .isEqualTo(before.get(t.index()));
      } else {
        assertThat(t.state()).as("task %d", t.index()).isEqualTo(JobState.CANCELLED);
      }
    }
    for (int index : running) {
      long pid = pid(pidDir, index);
      await("process of task " + index + " killed")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !alive(pid));
    }
    assertThat(info(array).tasks())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(JobState.SUCCEEDED, 4, JobState.CANCELLED, size - 4));
  }

  /** Indices RUNNING in the grid whose process is up (it wrote its pid). */
  private List<Integer> runningProcesses(Map<Integer, Task> tasks, Path pidDir) {
    List<Integer> out = new ArrayList<>();
    for (Task t : where(tasks, JobState.RUNNING, null)) {
      Path f = pidDir.resolve(Integer.toString(t.index()));
      try {
        if (Files.exists(f) && !Files.readString(f).isBlank()) {
          pids.add(pid(pidDir, t.index()));
          out.add(t.index());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  private static long pid(Path pidDir, int index) {
    try {
      return Long.parseLong(Files.readString(pidDir.resolve(Integer.toString(index))).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Alive and not a zombie. */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }
}
