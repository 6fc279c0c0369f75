package dev.grid.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the grid home, picking ports, validating settings and laying out a local grid. */
class LaunchSupportTest {
  @TempDir Path dir;

  private Path fakeHome() throws IOException {
    Path jar = dir.resolve("home").resolve(GridHome.NODE_JAR);
    Files.createDirectories(jar.getParent());
    Files.write(jar, new byte[0]);
    return dir.resolve("home");
  }

  @Test
  void when_started_below_the_home_then_walking_up_finds_it() throws IOException {
    Path home = fakeHome();
    Path deep = Files.createDirectories(home.resolve("bench/target/classes"));

    assertThat(GridHome.findFrom(deep)).hasValue(home.toAbsolutePath());
    assertThat(GridHome.findFrom(dir)).isEmpty();
  }

  @Test
  void when_the_home_has_no_built_jar_then_it_is_refused_with_what_to_do() {
    assertThatThrownBy(() -> GridHome.check(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("mvn -q -DskipTests package");
  }

  @Test
  void when_ports_are_picked_then_they_differ_and_can_be_bound() throws IOException {
    List<Integer> ports = FreePorts.pick(8);

    assertThat(new HashSet<>(ports)).hasSize(8);
    for (int port : ports) {
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(socket.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void when_ports_are_picked_again_then_none_is_handed_out_twice() {
    List<Integer> first = FreePorts.pick(20);
    List<Integer> second = FreePorts.pick(20);

    assertThat(second).doesNotContainAnyElementsOf(first);
  }

  @Test
  void when_processes_take_slices_then_their_ranges_do_not_overlap_and_cover_the_range() {
    int[] first = FreePorts.range("1/2");
    int[] second = FreePorts.range("2/2");

    assertThat(first).containsExactly(FreePorts.LOW, 26000);
    assertThat(second).containsExactly(26000, FreePorts.HIGH);
    assertThat(FreePorts.range(null)).containsExactly(FreePorts.LOW, FreePorts.HIGH);
    assertThat(FreePorts.range("1/1")).containsExactly(FreePorts.LOW, FreePorts.HIGH);
    for (String bad : List.of("2", "0/2", "3/2", "a/b", "1/2/3")) {
      assertThatThrownBy(() -> FreePorts.range(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("grid.ports.slice=" + bad);
    }
  }

  @Test
  void when_settings_are_bad_then_the_bad_value_is_named() {
    Path data = dir.resolve("d");
    Path token = dir.resolve("t");
    assertThatThrownBy(() -> new NodeSettings("n 1", 1, 2, List.of(), data, token, 1))
        .hasMessageContaining("'n 1'");
    assertThatThrownBy(() -> new NodeSettings("n1", 70000, 2, List.of(), data, token, 1))
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> new NodeSettings("n1", 5, 5, List.of(), data, token, 1))
        .hasMessageContaining("both 5");
    assertThatThrownBy(() -> new NodeSettings("n1", 1, 2, List.of(), data, token, 0))
        .hasMessageContaining("slots 0");
  }

  @Test
  void when_a_local_grid_is_laid_out_then_nodes_share_members_and_a_private_token()
      throws IOException {
    try (LocalGrid grid = new LocalGrid(fakeHome(), dir.resolve("grid"), 3, 4, List.of())) {
      List<NodeSettings> nodes = grid.settings();

      assertThat(nodes).extracting(NodeSettings::name).containsExactly("n1", "n2", "n3");
      assertThat(nodes).allSatisfy(n -> assertThat(n.members()).isEqualTo(nodes.get(0).members()));
      assertThat(nodes.get(0).members())
          .containsExactly(
              "127.0.0.1:" + nodes.get(0).port(),
              "127.0.0.1:" + nodes.get(1).port(),
              "127.0.0.1:" + nodes.get(2).port());
      assertThat(nodes)
          .extracting(NodeSettings::dataDir)
          .containsExactly(
              grid.baseDir().resolve("n1"),
              grid.baseDir().resolve("n2"),
              grid.baseDir().resolve("n3"));
      assertThat(grid.urls()).hasSize(3).doesNotHaveDuplicates();
      assertThat(nodes).extracting(NodeSettings::joinTimeout).containsOnly(LocalGrid.JOIN_TIMEOUT);
      assertThat(Files.readString(grid.tokenFile()).strip()).isEqualTo(grid.token()).hasSize(48);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(grid.tokenFile())))
          .isEqualTo("rw-------");
      assertThatThrownBy(() -> grid.node(0)).hasMessageContaining("start()");
      assertThatThrownBy(() -> grid.restartAll(Duration.ofSeconds(1)))
          .hasMessageContaining("start()");
    }
  }

  @Test
  void when_two_grids_are_laid_out_then_their_tokens_and_cluster_names_differ() throws IOException {
    Path home = fakeHome();
    try (LocalGrid a = new LocalGrid(home, dir.resolve("a"), 2, 1, List.of());
        LocalGrid b = new LocalGrid(home, dir.resolve("b"), 2, 1, List.of())) {
      assertThat(a.token()).isNotEqualTo(b.token());
      // Nor do they merge: each grid's nodes share a cluster name of their own.
      String nameOfA = a.settings().get(0).clusterName();
      assertThat(a.settings()).extracting(NodeSettings::clusterName).containsOnly(nameOfA);
      assertThat(nameOfA).isNotEqualTo(NodeSettings.DEFAULT_CLUSTER_NAME);
      assertThat(b.settings().get(0).clusterName()).isNotEqualTo(nameOfA);
    }
  }
}
