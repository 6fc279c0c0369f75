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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Voters apart from workers, with real node processes: three voters hold the lease, workers join
 * through any live member (a worker's address will do) and run jobs round-robin with the voters; a
 * voter's death moves the lease to another voter, never to a worker; a node started with a voter
 * list of its own (here a lone node's, itself alone) takes no part in the vote and says so, instead
 * of electing itself beside the grid's primary.
 */
@Tag("slow")
class VotersProcessIT {
  private static final Duration READY = Duration.ofSeconds(90);
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final long JOB_SECONDS = 90;

  @TempDir Path dir;

  @Test
  void three_voters_hold_the_lease_and_workers_that_join_run_jobs() throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 5, 2).withVoters(3).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      Set<String> voters = Set.of("n1", "n2", "n3");
      await().atMost(SETTLE).untilAsserted(() -> assertRoles(client, voters, 5));

      // a worker joins through another worker: it learns the grid (and its voters) from it
      String worker = grid.node(3).settings().host() + ":" + grid.node(3).settings().port();
      NodeProcess late = grid.addNode(self -> List.of("--join", worker), READY);
      await().atMost(SETTLE).untilAsserted(() -> assertRoles(client, voters, 6));

      assertThat(nodesThatRan(client, 24)).as("round-robin reaches every node").hasSize(6);
      assertThat(late.logTail()).contains("role: worker");

      // the primary dies: another voter takes the lease, jobs go on
      NodeProcess primary = grid.node(indexOf(primaryName(client)));
      primary.kill();
      Set<String> left = new HashSet<>(voters);
      left.remove(primary.name());
      try (GridClient others = GridClient.connect(urlsBut(grid, primary), grid.token())) {
        await()
            .atMost(SETTLE)
            .untilAsserted(() -> assertThat(primaryName(others)).isIn(left.toArray()));
        assertThat(nodesThatRan(others, 10)).isNotEmpty();
      }
    }
  }

  @Test
  void a_node_started_with_another_voter_list_takes_no_part_in_the_vote() throws Exception {
    try (LocalGrid grid = new LocalGrid(dir, 3, 1).withVoters(3).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      Set<String> voters = Set.of("n1", "n2", "n3");
      await().atMost(SETTLE).untilAsserted(() -> assertRoles(client, voters, 3));
      String primary = primaryName(client);
      String n1 = grid.node(0).settings().host() + ":" + grid.node(0).settings().port();

      // its own list names only itself: alone, it would be a one-node grid electing itself
      NodeProcess stray = grid.addNode(self -> List.of("--join", n1, "--voters", self), READY);

      await()
          .atMost(SETTLE)
          .untilAsserted(
              () ->
                  assertThat(client.nodes())
                      .filteredOn(n -> n.name().equals(stray.name()))
                      .extracting(NodeInfo::role)
                      .containsExactly(NodeInfo.REFUSED));
      assertThat(Files.readString(stray.settings().logFile()))
          .contains("takes no part in electing the primary")
          .doesNotContain("role: primary");
      // still one primary, the same, for a few lease times
      await()
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(client.nodes()).filteredOn(NodeInfo::primary).hasSize(1);
                assertThat(primaryName(client)).isEqualTo(primary);
              });
      assertThat(nodesThatRan(client, 8)).contains(stray.name());
    }
  }

  /** Every node is listed once, with its role; exactly one primary, a voter. */
  private static void assertRoles(GridClient client, Set<String> voters, int nodes) {
    List<NodeInfo> all = client.nodes();
    assertThat(all).hasSize(nodes);
    for (NodeInfo node : all) {
      assertThat(node.role())
          .as(node.name())
          .isEqualTo(voters.contains(node.name()) ? NodeInfo.VOTER : NodeInfo.WORKER);
    }
    assertThat(all)
        .filteredOn(NodeInfo::primary)
        .singleElement()
        .extracting(NodeInfo::name)
        .isIn(voters.toArray());
  }

  private static String primaryName(GridClient client) {
    return client.nodes().stream()
        .filter(NodeInfo::primary)
        .map(NodeInfo::name)
        .findFirst()
        .orElse("none");
  }

  /** Runs {@code count} short jobs at once; the nodes they ran on. */
  private static Set<String> nodesThatRan(GridClient client, int count) throws Exception {
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(client.submit(JobSpec.shell("sleep 0.5")));
    }
    Map<String, Long> perNode = new java.util.HashMap<>();
    for (JobId id : ids) {
      JobInfo done = client.completion(id).get(JOB_SECONDS, TimeUnit.SECONDS);
      assertThat(done.state()).as(done.message()).isEqualTo(JobState.SUCCEEDED);
      perNode.merge(done.node(), 1L, Long::sum);
    }
    return perNode.keySet();
  }

  private static int indexOf(String name) {
    return Integer.parseInt(name.substring(1)) - 1;
  }

  private static List<java.net.URI> urlsBut(LocalGrid grid, NodeProcess dead) {
    return grid.nodes().stream()
        .filter(n -> n != dead)
        .map(NodeProcess::url)
        .collect(Collectors.toList());
  }
}
