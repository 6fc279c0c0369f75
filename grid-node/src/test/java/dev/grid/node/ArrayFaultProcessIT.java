package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes run an array of 600 short shell tasks, sliced several to a worker; a
 * worker node is SIGKILLed mid-array. Every index ends SUCCEEDED, none is left RUNNING or LOST. A
 * task is run at least once: an index runs a second time only if its first run was on the killed
 * node and its end was not recorded (the test prints how many did).
 */
@Tag("slow")
class ArrayFaultProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration ARRAY = Duration.ofSeconds(60);
  private static final int SIZE = 600;

  @TempDir Path dir;

  @Test
  void when_a_worker_is_sigkilled_mid_array_then_every_index_succeeds_and_only_its_tasks_ran_twice()
      throws Exception {
    Path ran = dir.resolve("ran.txt");
    Files.createFile(ran);
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 3, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);
      NodeInfo primary = primary(client);
      NodeProcess victim =
          grid.nodes().stream()
              .filter(n -> !n.name().equals(primary.name()))
              .findFirst()
              .orElseThrow();

      JobId array =
          client.submit(
              JobSpec.shell("echo \"$GRID_ARRAY_INDEX $GRID_NODE\" >> '" + ran + "'")
                  .withArray(ArraySpec.parse("0-" + (SIZE - 1)))
                  .withMaxRetries(2));
      // Killed while tasks run on it, after a tenth of the array ended.
      List<JobInfo> runningOnVictim =
          await()
              .atMost(ARRAY)
              .pollInterval(Duration.ofMillis(20))
              .until(
                  () ->
                      succeeded(client.status(array)) < SIZE / 10
                          ? List.<JobInfo>of()
                          : client.jobs(Optional.of(JobState.RUNNING), true).stream()
                              .filter(
                                  t -> array.equals(t.arrayId()) && victim.name().equals(t.node()))
                              .toList(),
                  l -> !l.isEmpty());

      victim.kill();
      JobInfo atKill = client.status(array);
      assertThat(succeeded(atKill))
          .as("tasks ended when %s was killed: %s", victim.name(), atKill.taskSummary())
          .isLessThan(SIZE);

      await().atMost(ARRAY).until(() -> client.status(array).state().isTerminal());
      JobInfo done = client.status(array);
      List<JobInfo> tasks =
          client.jobs(Optional.empty(), true).stream()
              .filter(j -> array.equals(j.arrayId()))
              .toList();
      assertThat(tasks)
          .extracting(JobInfo::arrayIndex)
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, SIZE).boxed().toList());
      assertThat(tasks)
          .as("tasks not SUCCEEDED")
          .filteredOn(t -> t.state() != JobState.SUCCEEDED)
          .extracting(t -> t.arrayIndex() + " " + t.state() + ": " + t.message())
          .isEmpty();
      assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(done.tasks()).containsExactly(Map.entry(JobState.SUCCEEDED, SIZE));

      // Runs per index, by node: more than one only through the killed node.
      Map<Integer, List<String>> runs = new TreeMap<>();
      for (String line : Files.readAllLines(ran)) {
        String[] f = line.split(" ");
        runs.computeIfAbsent(Integer.parseInt(f[0]), i -> new ArrayList<>()).add(f[1]);
      }
      assertThat(runs.keySet())
          .as("indices that ran")
          .containsExactlyElementsOf(IntStream.range(0, SIZE).boxed().toList());
      List<Integer> twice = new ArrayList<>();
      runs.forEach(
          (index, nodes) -> {
            if (nodes.size() > 1) {
              twice.add(index);
              assertThat(nodes.stream().filter(n -> !n.equals(victim.name())).count())
                  .as("runs of task %d on nodes that lived (%s)", index, nodes)
                  .isLessThanOrEqualTo(1);
            }
          });
      long onVictim = runs.values().stream().filter(n -> n.contains(victim.name())).count();
      List<String> retried =
          tasks.stream()
              .filter(t -> t.attempt() > 1)
              .map(t -> t.arrayIndex() + "@" + t.node() + "#" + t.attempt())
              .toList();
      System.out.printf(
          "%s SIGKILLed at %s, running %s there; %d indices ran on it, %d ran"
              + " twice %s; %d ended in a later attempt: %s%n",
          victim.name(),
          atKill.taskSummary(),
          runningOnVictim.stream().map(JobInfo::arrayIndex).toList(),
          onVictim,
          twice.size(),
          twice,
          retried.size(),
          retried);
    }
  }

  private static long succeeded(JobInfo array) {
    return array.tasks() == null ? 0 : array.tasks().getOrDefault(JobState.SUCCEEDED, 0);
  }

  private static NodeInfo primary(GridClient client) {
    List<NodeInfo> primaries = client.nodes().stream().filter(NodeInfo::primary).toList();
    return primaries.size() == 1 ? primaries.get(0) : null;
  }
}
