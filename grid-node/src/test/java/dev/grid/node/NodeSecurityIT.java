package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.NoDataMemberInClusterException;
import dev.grid.api.GridAuthException;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stranger can reach of a real node process. On the member port: it knows the node's
 * address, and maybe the grid's name, but not its cluster secret. As a Hazelcast member it is
 * refused at the join and ends up alone in a cluster of its own, seeing none of the grid's maps; as
 * a Hazelcast client it is refused whatever cluster name it gives, the node's real one included. A
 * member that holds the secret does join: the refusals are the secret's doing, not a port that
 * takes nobody. On disk: the node's data dir, its token and its secret are its owner's alone.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSecurityIT {
  private static final Duration READY = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private LocalGrid grid;
  private NodeSettings node;

  @BeforeAll
  void startOneNode() throws Exception {
    grid = new LocalGrid(dir.resolve("grid"), 1, 1).start(READY);
    node = grid.settings().get(0);
    try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      client.submit(JobSpec.command("true")); // something in the maps to be read, if one could
    }
  }

  @AfterAll
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  private String realName() throws Exception {
    String secret = Files.readString(node.secretFile()).strip();
    return ClusterSecret.memberClusterName(node.clusterName(), secret);
  }

  @Test
  void a_member_without_the_secret_is_refused_with_the_grids_name_or_any_other() throws Exception {
    String wrongSecret =
        ClusterSecret.memberClusterName(node.clusterName(), "not-the-secret-at-all");
    for (String name : List.of(node.clusterName(), "grid", wrongSecret)) {
      HazelcastInstance stranger = Hazelcast.newHazelcastInstance(stranger(name));
      try {
        assertThat(stranger.getCluster().getMembers())
            .as("members seen by a stranger calling itself %s", name)
            .hasSize(1);
        // Alone, a lite member holds no data: what it asks of the grid's maps fails.
        assertThatThrownBy(() -> stranger.getMap("jobs").size())
            .isInstanceOf(NoDataMemberInClusterException.class);
      } finally {
        stranger.getLifecycleService().terminate();
      }
    }
  }

  @Test
  void the_data_dir_the_token_and_the_secret_are_the_owners_alone() throws Exception {
    assertThat(perms(node.dataDir())).isEqualTo("rwx------");
    assertThat(perms(node.tokenFile())).isEqualTo("rw-------");
    assertThat(perms(node.secretFile())).isEqualTo("rw-------");
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void a_job_gets_only_the_named_part_of_the_nodes_environment() throws Exception {
    try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId id = client.submit(JobSpec.command("env").withEnv(Map.of("MINE", "1")));
      assertThat(client.completion(id).get(60, TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
      List<String> names =
          new String(client.stdout(id), StandardCharsets.UTF_8)
              .lines()
              .map(l -> l.substring(0, l.indexOf('=')))
              .toList();
      assertThat(names).contains("PATH", "MINE", "GRID_JOB_ID");
      // What sh itself sets (PWD, SHLVL, _) aside, nothing but the allow-list, the job's own and
      // the grid's: the node's process has more (what the test run's environment holds).
      assertThat(names)
          .allMatch(
              n ->
                  NodeConfig.DEFAULT_JOB_ENV.contains(n)
                      || n.startsWith("GRID_")
                      || List.of("MINE", "PWD", "OLDPWD", "SHLVL", "_").contains(n),
              "a name of the allow-list, the job's or the grid's");
      assertThat(System.getenv().keySet())
          .as("the test run's environment, which the node inherits, has more than that")
          .anyMatch(n -> !NodeConfig.DEFAULT_JOB_ENV.contains(n) && !n.startsWith("GRID_"));
    }
  }

  @Test
  void a_member_with_the_secret_joins() throws Exception {
    HazelcastInstance insider = Hazelcast.newHazelcastInstance(stranger(realName()));
    try {
      assertThat(insider.getCluster().getMembers()).hasSize(2);
    } finally {
      insider.getLifecycleService().terminate();
    }
  }

  @Test
  void a_hazelcast_client_is_refused_whatever_cluster_name_it_gives() throws Exception {
    for (String name : List.of(node.clusterName(), "grid", realName())) {
      ClientConfig config = new ClientConfig();
      config.setClusterName(name);
      config.setProperty("hazelcast.logging.type", "slf4j");
      config.getNetworkConfig().addAddress("127.0.0.1:" + node.port());
      config
          .getConnectionStrategyConfig()
          .getConnectionRetryConfig()
          .setClusterConnectTimeoutMillis(3_000);
      assertThatThrownBy(
              () -> HazelcastClient.newHazelcastClient(config).getLifecycleService().terminate())
          .as("a client calling the cluster %s", name)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Unable to connect");
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * A lite member (it takes no partitions, so an insider does not pull the grid's data in) that
   * knows only the node's member address.
   */
  private Config stranger(String clusterName) throws IOException {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setLiteMember(true);
    config.getJetConfig().setEnabled(false);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.max.join.seconds", "10");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.partition.count", "31");
    config
        .getNetworkConfig()
        .setPort(freePort())
        .setPortAutoIncrement(false)
        .getInterfaces()
        .setEnabled(true)
        .addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config
        .getNetworkConfig()
        .getJoin()
        .getTcpIpConfig()
        .setEnabled(true)
        .setConnectionTimeoutSeconds(2)
        .setMembers(List.of("127.0.0.1:" + node.port()));
    return config;
  }

  @Test
  void named_tokens_from_the_file_take_effect_on_change_and_on_sighup() throws Exception {
    String admin = grid.token(); // kept as the admin line: the other tests use it
    String viewer = "viewer-0123456789abcdef";
    String alice = "alice-0123456789abcdef";
    Path file = grid.tokenFile();
    Files.writeString(
        file,
        "ops admin " + admin + "\nviewer read   " + viewer + "\nalice submit " + alice + "\n");
    try (GridClient asViewer = GridClient.connect(grid.urls(), viewer);
        GridClient asAlice = GridClient.connect(grid.urls(), alice)) {
      // read again within seconds of the change
      await().atMost(Duration.ofSeconds(30)).until(() -> accepted(asViewer));
      assertThatThrownBy(() -> asViewer.submit(JobSpec.command("true")))
          .isInstanceOf(GridAuthException.class)
          .hasMessageContaining("token 'viewer' has the read role");
      JobId id = asAlice.submit(JobSpec.command("true"));
      assertThat(asViewer.status(id).spec().submittedBy()).isEqualTo("alice");

      // The same length and modification time: only SIGHUP makes the node read it again.
      FileTime before = Files.getLastModifiedTime(file);
      String swapped =
          "ops admin " + admin + "\nviewer submit " + viewer + "\nalice submit " + alice + "\n";
      assertThat(swapped).hasSameSizeAs(Files.readString(file));
      Files.writeString(file, swapped);
      Files.setLastModifiedTime(file, before);
      // Refused all along, for longer than the node's looks at the file (every 2 s): it sees no
      // change.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> refusedToSubmit(asViewer));
      new ProcessBuilder("kill", "-HUP", Long.toString(grid.node(0).pid()))
          .inheritIO()
          .start()
          .waitFor();
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreException(GridAuthException.class)
          .until(() -> asViewer.submit(JobSpec.command("true")) != null);
      assertThat(grid.node(0).isAlive()).isTrue();
    }
  }

  private static boolean refusedToSubmit(GridClient client) {
    try {
      client.submit(JobSpec.command("true"));
      return false;
    } catch (GridAuthException refused) {
      return true;
    }
  }

  private static boolean accepted(GridClient client) {
    try {
      client.jobs();
      return true;
    } catch (GridAuthException refused) {
      return false;
    }
  }
}
