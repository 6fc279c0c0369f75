package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes; the node running a job is frozen (SIGSTOP) past the failure detection,
 * and the job runs again elsewhere: its two runs must not overlap (the node fence).
 *
 * <p>The freeze also tests the cluster settings: a connection to a frozen member made Hazelcast's
 * output thread spin, and with too few output threads the two healthy nodes starved each other of
 * heartbeats, split, and left the job without a majority to run it again (see {@code
 * ClusterSettings}).
 */
@Tag("slow")
class FrozenWorkerProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void when_a_worker_is_frozen_then_its_job_stops_before_it_runs_elsewhere() throws Exception {
    Path ledger = Files.createDirectories(dir.resolve("ledger"));
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 3, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);
      // Each attempt writes the time every 50 ms to a file of its own, while it runs.
      JobId id =
          client.submit(
              JobSpec.command(
                      "sh",
                      "-c",
                      "while :; do date +%s%N >> \"$0/$GRID_ATTEMPT\"; sleep 0.05; done",
                      ledger.toString())
                  .withMaxRetries(1));
      await().atMost(JOBS).until(() -> Files.exists(ledger.resolve("1")));
      String ranOn = client.status(id).node();
      NodeProcess victim =
          grid.nodes().stream().filter(n -> n.name().equals(ranOn)).findFirst().orElseThrow();

      victim.pause(); // SIGSTOP: its JVM stops, the job's process does not
      try {
        await()
            .atMost(JOBS)
            .until(
                () -> Files.exists(ledger.resolve("2")) && lines(ledger.resolve("2")).size() >= 5);
      } catch (ConditionTimeoutException e) {
        StringBuilder logs = new StringBuilder();
        grid.nodes()
            .forEach(
                n -> logs.append("\n--- ").append(n.name()).append(" ---\n").append(n.logTail()));
        throw new AssertionError("job " + id + " did not run again: " + logs, e);
      } finally {
        victim.resume();
      }

      List<Long> first = lines(ledger.resolve("1"));
      List<Long> second = lines(ledger.resolve("2"));
      assertThat(first.get(first.size() - 1))
          .as("the first run's last write comes before the" + " second run's first")
          .isLessThan(second.get(0));
      client.cancel(id);
    }
  }

  /**
   * The worker wakes after the others dropped it (3 s) but before the primary takes its job back (4
   * s later). It stops the job and hands it back; when the job's record lived on the frozen node,
   * that hand-back lands on the node's own stale copy and reaches the primary as an event, and the
   * merge then drops it. The primary must still take the job back and run it again.
   */
  @Test
  void when_a_worker_wakes_just_before_its_job_is_taken_back_then_the_job_still_runs_again()
      throws Exception {
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 3, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);
      String primary = primary(client).name();
      List<JobId> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(client.submit(JobSpec.command("sleep", "30").withMaxRetries(2)));
      }
      await()
          .atMost(JOBS)
          .until(() -> ids.stream().allMatch(i -> client.status(i).state() == JobState.RUNNING));
      JobId id =
          ids.stream()
              .filter(i -> !client.status(i).node().equals(primary))
              .findFirst()
              .orElseThrow();
      String ranOn = client.status(id).node();
      NodeProcess victim =
          grid.nodes().stream().filter(n -> n.name().equals(ranOn)).findFirst().orElseThrow();

      // Asked only of the other two nodes: a call to the frozen one would hang.
      try (GridClient others =
          GridClient.connect(
              grid.nodes().stream().filter(n -> n != victim).map(NodeProcess::url).toList(),
              grid.token())) {
        victim.pause();
        try {
          await()
              .atMost(JOBS)
              .until(() -> others.nodes().stream().noneMatch(n -> n.name().equals(ranOn)));
          await()
              .during(Duration.ofSeconds(2))
              .atMost(Duration.ofSeconds(3))
              .until(() -> others.status(id).attempt() == 1);
        } finally {
          victim.resume();
        }

        await()
            .atMost(JOBS)
            .untilAsserted(
                () ->
                    assertThat(others.status(id).attempt())
                        .as("attempts of %s: %s", id, others.status(id).history())
                        .isEqualTo(2));
      }
      ids.forEach(client::cancel);
    }
  }

  private static List<Long> lines(Path file) throws IOException {
    // Nanoseconds since 1970 have 19 digits; a line being written may not be whole yet.
    return Files.readAllLines(file).stream()
        .filter(l -> l.matches("\\d{19}"))
        .map(Long::parseLong)
        .toList();
  }

  private static NodeInfo primary(GridClient client) {
    List<NodeInfo> primaries = client.nodes().stream().filter(NodeInfo::primary).toList();
    return primaries.size() == 1 ? primaries.get(0) : null;
  }
}
