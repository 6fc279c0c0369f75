package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes from the built jar, as an operator runs them: jobs spread round-robin,
 * the primary is SIGKILLed, another takes over and dispatches within seconds, a job running
 * elsewhere is adopted, and every output (also of jobs that ran on the killed node) can still be
 * read.
 */
@Tag("slow")
class GridProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);
  private static final Duration TAKEOVER = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void when_the_primary_is_sigkilled_then_another_takes_over_and_no_output_is_lost() {
    try (LocalGrid grid = new LocalGrid(dir, 3, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      await().atMost(READY).until(() -> primary(client) != null);

      List<JobId> ids = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ids.add(client.submit(JobSpec.command("echo", "job " + i)));
      }
      await()
          .atMost(JOBS)
          .until(
              () -> ids.stream().allMatch(id -> client.status(id).state() == JobState.SUCCEEDED));
      Map<String, Long> perNode =
          ids.stream()
              .map(id -> client.status(id).node())
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(perNode.values())
          .as("spread %s", perNode)
          .hasSize(3)
          .allSatisfy(n -> assertThat(n).isBetween(8L, 12L));

      NodeInfo oldPrimary = primary(client);
      NodeProcess victim =
          grid.nodes().stream()
              .filter(n -> n.name().equals(oldPrimary.name()))
              .findFirst()
              .orElseThrow();
      JobId longJob = client.submit(JobSpec.command("sleep", "4"));
      await().atMost(JOBS).until(() -> client.status(longJob).state() == JobState.RUNNING);
      boolean longJobOnVictim = client.status(longJob).node().equals(victim.name());

      victim.kill();
      long killedAt = System.nanoTime();

      JobId afterKill = client.submit(JobSpec.command("echo", "after the kill"));
      await()
          .atMost(TAKEOVER)
          .until(
              () ->
                  client.status(afterKill).state().isActive()
                      || client.status(afterKill).state().isTerminal());
      long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
      // The node list lags the takeover: until Hazelcast drops the killed member (its heartbeat
      // timeout), its record still says primary next to the new one's.
      await()
          .atMost(TAKEOVER)
          .until(
              () -> primary(client) != null && !primary(client).name().equals(oldPrimary.name()));
      NodeInfo newPrimary = primary(client);
      assertThat(newPrimary.name()).isNotEqualTo(oldPrimary.name());
      assertThat(newPrimary.epoch()).isGreaterThan(oldPrimary.epoch());
      System.out.printf(
          "primary %s SIGKILLed; %s dispatching after %d ms%n",
          oldPrimary.name(), newPrimary.name(), takeoverMillis);

      JobInfo adopted = client.completion(longJob).get(JOBS.toSeconds(), TimeUnit.SECONDS);
      assertThat(adopted.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(adopted.attempt())
          .as("run again only if it ran on the killed node")
          .isEqualTo(longJobOnVictim ? 2 : 1);
      for (int i = 0; i < ids.size(); i++) {
        assertThat(new String(client.stdout(ids.get(i)), StandardCharsets.UTF_8))
            .isEqualTo("job " + i + "\n");
      }
      assertThat(client.completion(afterKill).get(30, TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void when_a_node_is_sigkilled_then_its_job_processes_die_with_it() throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    try (LocalGrid grid = new LocalGrid(dir.resolve("grid"), 1, 2).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId id =
          client.submit(
              JobSpec.command(
                  "sh", "-c", "sleep 300 & echo $! > \"$0\"; wait", pidFile.toString()));
      await()
          .atMost(JOBS)
          .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      assertThat(alive(pid)).isTrue();

      try {
        grid.node(0).kill();

        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pid));
      } finally {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // never leave it behind
      }
    }
  }

  /** Alive and not a zombie (init here may take a while to reap). */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  private static NodeInfo primary(GridClient client) {
    List<NodeInfo> primaries = client.nodes().stream().filter(NodeInfo::primary).toList();
    return primaries.size() == 1 ? primaries.get(0) : null;
  }
}
