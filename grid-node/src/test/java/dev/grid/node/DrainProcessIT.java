package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.DrainState;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking a node out for maintenance with real node processes, as an operator would: drain it while
 * it runs a job, see it DRAINING and then DRAINED while new jobs and an array's tasks go only to
 * the other nodes, stop it with SIGTERM and lose nothing, start it again still drained, and undrain
 * it to get work to it again.
 */
@Tag("slow")
class DrainProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void a_drained_node_finishes_its_jobs_gets_nothing_new_stops_cleanly_and_comes_back_undrained()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 3, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      int x = notPrimary(grid, client);
      NodeProcess node = grid.node(x);
      String name = node.name();
      List<JobId> accepted = new ArrayList<>();

      // Long-ish jobs, round-robin: at least one runs on X.
      List<JobId> long_ = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        long_.add(client.submit(JobSpec.command("sleep", "6")));
      }
      accepted.addAll(long_);
      JobId onX =
          await()
              .atMost(JOBS)
              .until(() -> runningOn(client, long_, name), Optional::isPresent)
              .orElseThrow();

      assertThat(client.drain(name).state()).isEqualTo(DrainState.DRAINING);
      assertThat(drainOf(client, name)).isEqualTo(DrainState.DRAINING);

      List<JobId> afterDrain = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        afterDrain.add(client.submit(JobSpec.command("true")));
      }
      JobId array = client.submit(JobSpec.shell("true").withArray(ArraySpec.parse("0-5")));
      accepted.addAll(afterDrain);
      accepted.add(array);

      JobInfo ran =
          client.completion(onX).get(JOBS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      assertThat(ran.state())
          .as("the job running on the drained node ends normally")
          .isEqualTo(JobState.SUCCEEDED);
      assertThat(ran.node()).isEqualTo(name);
      await().atMost(JOBS).until(() -> drainOf(client, name) == DrainState.DRAINED);
      for (JobId id : afterDrain) {
        JobInfo done =
            client.completion(id).get(JOBS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(nodesOf(done)).as("job %s", id).doesNotContain(name);
      }
      await().atMost(JOBS).until(() -> client.status(array).state().isTerminal());
      assertThat(client.status(array).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(tasksOf(client, array))
          .hasSize(6)
          .allSatisfy(t -> assertThat(nodesOf(t)).as("task %s", t.id()).doesNotContain(name));

      // Stopped for maintenance with work in flight on the others: nothing is lost.
      List<JobId> inFlight = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        inFlight.add(client.submit(JobSpec.command("sleep", "1")));
      }
      accepted.addAll(inFlight);
      assertThat(node.terminate()).as("a clean stop on SIGTERM").isZero();
      for (JobId id : accepted) {
        JobInfo done =
            client.completion(id).get(JOBS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.state()).as("job %s: %s", id, done.message()).isEqualTo(JobState.SUCCEEDED);
      }

      // Started again, it is still drained.
      grid.restart(x, READY);
      await().atMost(JOBS).until(() -> drainOf(client, name) == DrainState.DRAINED);
      List<JobId> whileBack = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        whileBack.add(client.submit(JobSpec.command("true")));
      }
      for (JobId id : whileBack) {
        JobInfo done =
            client.completion(id).get(JOBS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(nodesOf(done)).as("job %s", id).doesNotContain(name);
      }

      // Undrained: work reaches it again.
      assertThat(client.undrain(name).state()).isNull();
      assertThat(drainOf(client, name)).isNull();
      List<JobId> afterUndrain = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        afterUndrain.add(client.submit(JobSpec.command("sleep", "1")));
      }
      List<String> where = new ArrayList<>();
      for (JobId id : afterUndrain) {
        JobInfo done =
            client.completion(id).get(JOBS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        where.add(done.node());
      }
      assertThat(where).as("round-robin reaches the undrained node").contains(name);
    }
  }

  /** A node that is not the primary now: stopping it tests draining, not a failover. */
  private static int notPrimary(LocalGrid grid, GridClient client) {
    String primary =
        await()
            .atMost(READY)
            .until(
                () ->
                    client.nodes().stream()
                        .filter(NodeInfo::primary)
                        .map(NodeInfo::name)
                        .findFirst(),
                Optional::isPresent)
            .orElseThrow();
    for (int i = 0; i < grid.size(); i++) {
      if (!grid.node(i).name().equals(primary)) {
        return i;
      }
    }
    throw new AssertionError("every node is primary");
  }

  private static Optional<JobId> runningOn(GridClient client, List<JobId> ids, String node) {
    for (JobId id : ids) {
      JobInfo j = client.status(id);
      if (j.state() == JobState.RUNNING && node.equals(j.node())) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  private static DrainState drainOf(GridClient client, String node) {
    return client.nodes().stream()
        .filter(n -> n.name().equals(node))
        .findFirst()
        .map(NodeInfo::drain)
        .orElse(null);
  }

  /** Every node the job was dispatched to or ran on. */
  private static List<String> nodesOf(JobInfo job) {
    return job.history().stream().map(e -> e.node()).filter(n -> n != null).toList();
  }

  private static List<JobInfo> tasksOf(GridClient client, JobId array) {
    return client.jobs(Optional.empty(), true).stream()
        .filter(j -> array.equals(j.arrayId()))
        .toList();
  }
}
