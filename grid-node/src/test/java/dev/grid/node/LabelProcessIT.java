package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.api.Scheduling;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node labels and constraints with real node processes: jobs and arrays that need a label run
 * round-robin on the nodes that declared it, and never elsewhere; a label no node has is refused at
 * submit unless the job says to wait for it, and then it waits with the reason; other jobs go on.
 */
@Tag("slow")
class LabelProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final long JOBS_SECONDS = 60;

  @TempDir Path dir;

  private static JobSpec needing(JobSpec spec, boolean waitForLabel, String... labels) {
    return spec.withScheduling(Scheduling.DEFAULT.withConstraints(List.of(labels), waitForLabel));
  }

  @Test
  void jobs_that_need_labels_run_only_on_nodes_that_declared_them() throws Exception {
    try (LocalGrid grid =
            new LocalGrid(dir, 3, 2)
                .withNodeOptions(0, List.of("--labels", "gpu,zone=a"))
                .withNodeOptions(2, List.of("--labels", "gpu"))
                .start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      String gpu0 = grid.node(0).name();
      String gpu2 = grid.node(2).name();
      assertThat(client.nodes())
          .filteredOn(n -> n.name().equals(gpu0))
          .extracting(NodeInfo::labels)
          .containsExactly(List.of("gpu", "zone=a"));

      List<JobId> gpuJobs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        gpuJobs.add(client.submit(needing(JobSpec.command("true"), false, "gpu")));
      }
      JobId zoned = client.submit(needing(JobSpec.command("true"), false, "gpu", "zone=a"));
      JobId array =
          client.submit(
              needing(JobSpec.shell("true").withArray(ArraySpec.parse("0-5")), false, "gpu"));
      assertThatThrownBy(() -> client.submit(needing(JobSpec.command("true"), false, "tpu")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no node of the grid has declared label 'tpu'");
      JobId waiting = client.submit(needing(JobSpec.command("true"), true, "tpu"));
      JobId plain = client.submit(JobSpec.command("true"));

      Map<String, Long> perNode = new java.util.HashMap<>();
      for (JobId id : gpuJobs) {
        JobInfo done = client.completion(id).get(JOBS_SECONDS, TimeUnit.SECONDS);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        perNode.merge(done.node(), 1L, Long::sum);
      }
      assertThat(perNode).as("round-robin among the gpu nodes").containsOnlyKeys(gpu0, gpu2);
      assertThat(perNode.values()).allSatisfy(n -> assertThat(n).isBetween(2L, 6L));
      assertThat(client.completion(zoned).get(JOBS_SECONDS, TimeUnit.SECONDS).node())
          .isEqualTo(gpu0);
      assertThat(client.completion(array).get(JOBS_SECONDS, TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
      Map<String, Long> tasksPerNode =
          client.jobs(java.util.Optional.empty(), true).stream()
              .filter(j -> array.equals(j.arrayId()))
              .collect(Collectors.groupingBy(JobInfo::node, Collectors.counting()));
      assertThat(tasksPerNode.keySet()).isSubsetOf(gpu0, gpu2);
      assertThat(client.completion(plain).get(JOBS_SECONDS, TimeUnit.SECONDS).state())
          .as("the job no node can take keeps nobody waiting")
          .isEqualTo(JobState.SUCCEEDED);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(client.status(waiting).message())
                      .startsWith("waiting for a node with labels tpu"));
      assertThat(client.status(waiting).state()).isEqualTo(JobState.QUEUED);
    }
  }
}
