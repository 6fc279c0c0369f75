package dev.grid.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's machinery, with stand-in processes ({@code sh}, {@code sleep}) and a stand-in
 * health endpoint instead of a real node.
 */
class NodeProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private NodeProcess process;
  private HttpServer server;

  @AfterEach
  void stop() {
    if (process != null) {
      process.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  private NodeSettings settings(int httpPort) throws IOException {
    Path token = dir.resolve("token");
    Files.writeString(token, "s3cret\n");
    return new NodeSettings(
        "n1",
        15701,
        httpPort,
        List.of("127.0.0.1:15701", "127.0.0.1:15702"),
        dir.resolve("n1"),
        token,
        4);
  }

  private static char state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  @Test
  void when_building_the_command_then_it_is_the_documented_java_line() throws IOException {
    Path home = Path.of("/opt/grid");
    NodeSettings settings = settings(18701).withJvmOptions(List.of("-Xmx256m"));

    List<String> command = NodeProcess.command(home, settings);

    assertThat(command.get(0)).endsWith("/bin/java");
    int base = NodeProcess.BASE_JVM_OPTIONS.size();
    assertThat(command.subList(1, 1 + base))
        .containsExactlyElementsOf(NodeProcess.BASE_JVM_OPTIONS)
        .contains("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
    assertThat(command.subList(1 + base, command.size()))
        .containsExactly(
            "-Xmx256m",
            "-cp",
            "/opt/grid/grid-node/target/grid-node.jar:/opt/grid/grid-node/target/lib/*",
            "dev.grid.node.NodeMain",
            "--name",
            "n1",
            "--port",
            "15701",
            "--http-port",
            "18701",
            "--members",
            "127.0.0.1:15701,127.0.0.1:15702",
            "--data-dir",
            dir.resolve("n1").toString(),
            "--token-file",
            dir.resolve("token").toString(),
            "--slots",
            "4");
  }

  @Test
  void when_a_node_runs_in_a_network_namespace_then_ip_starts_it_there_bound_to_its_address()
      throws IOException {
    NodeSettings s = settings(18701);
    NodeSettings inNamespace =
        new NodeSettings(
            "n1",
            15701,
            18701,
            List.of("10.234.0.1:15701"),
            s.dataDir(),
            s.tokenFile(),
            1,
            List.of(),
            "10.234.0.1",
            "gridnet-1-1-n1");

    List<String> command = NodeProcess.command(Path.of("/g"), inNamespace);

    assertThat(command.subList(0, 4)).containsExactly("ip", "netns", "exec", "gridnet-1-1-n1");
    assertThat(command.get(4)).endsWith("/bin/java");
    assertThat(String.join(" ", command)).contains("--bind 10.234.0.1 --port 15701");
  }

  @Test
  void when_a_node_has_a_join_timeout_of_its_own_then_it_gets_the_flag() throws IOException {
    NodeSettings s = settings(18701);

    assertThat(NodeProcess.command(Path.of("/g"), s)).doesNotContain("--join-timeout");
    assertThat(
            String.join(
                " ", NodeProcess.command(Path.of("/g"), s.withJoinTimeout(Duration.ofSeconds(1)))))
        .endsWith("--join-timeout 1s");
    assertThatThrownBy(() -> s.withJoinTimeout(Duration.ofMillis(500)))
        .hasMessageContaining("join timeout PT0.5S");
  }

  @Test
  void when_a_node_has_a_cluster_name_of_its_own_then_it_gets_the_flag() throws IOException {
    NodeSettings s = settings(18701);

    assertThat(NodeProcess.command(Path.of("/g"), s)).doesNotContain("--cluster-name");
    assertThat(String.join(" ", NodeProcess.command(Path.of("/g"), s.withClusterName("local-1"))))
        .contains("--cluster-name local-1");
    assertThatThrownBy(() -> s.withClusterName("a b")).hasMessageContaining("cluster name 'a b'");
  }

  @Test
  void when_a_node_has_no_members_then_the_flag_is_left_out() throws IOException {
    NodeSettings s = settings(18701);
    NodeSettings lone =
        new NodeSettings("n1", 15701, 18701, List.of(), s.dataDir(), s.tokenFile(), 1);

    assertThat(NodeProcess.command(Path.of("/g"), lone)).doesNotContain("--members");
  }

  @Test
  void when_the_process_dies_before_ready_then_waiting_fails_with_its_log() throws IOException {
    process =
        NodeProcess.launch(
            settings(FreePorts.pick(1).get(0)),
            List.of("sh", "-c", "echo 'error: port 15701 is taken'; exit 3"));

    assertThatThrownBy(() -> process.awaitReady(WAIT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("node n1")
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("error: port 15701 is taken");
  }

  @Test
  void when_health_answers_200_to_the_token_then_the_node_is_ready() throws IOException {
    server = healthServer("s3cret");
    process = NodeProcess.launch(settings(server.getAddress().getPort()), List.of("sleep", "60"));

    process.awaitReady(WAIT);

    assertThat(process.isAlive()).isTrue();
    assertThat(process.url().toString())
        .isEqualTo("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void when_health_refuses_the_token_then_waiting_fails_saying_so() throws IOException {
    server = healthServer("another-token");
    process = NodeProcess.launch(settings(server.getAddress().getPort()), List.of("sleep", "60"));

    assertThatThrownBy(() -> process.awaitReady(WAIT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refused the token")
        .hasMessageContaining("HTTP 401");
  }

  @Test
  void when_nothing_listens_then_waiting_gives_up_in_time() throws IOException {
    process = NodeProcess.launch(settings(FreePorts.pick(1).get(0)), List.of("sleep", "60"));

    assertThatThrownBy(() -> process.awaitReady(Duration.ofMillis(500)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was not ready within PT0.5S")
        .hasMessageContaining("not listening");
  }

  @Test
  void when_paused_and_resumed_then_the_process_stops_and_runs_again() throws IOException {
    process = NodeProcess.launch(settings(18701), List.of("sleep", "60"));

    process.pause();
    await().atMost(WAIT).until(() -> state(process.pid()) == 'T');
    assertThat(process.isPaused()).isTrue();
    process.resume();

    await().atMost(WAIT).until(() -> state(process.pid()) != 'T');
    assertThat(process.isPaused()).isFalse();
  }

  @Test
  void when_killed_then_it_is_gone_with_sigkill_status() throws IOException {
    process = NodeProcess.launch(settings(18701), List.of("sleep", "60"));

    process.kill();

    assertThat(process.isAlive()).isFalse();
    assertThat(process.exitCode()).hasValue(128 + 9);
    assertThat(ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive))
        .isNotEqualTo(Optional.of(true));
  }

  @Test
  void when_terminated_while_paused_then_it_still_stops_on_sigterm() throws IOException {
    process = NodeProcess.launch(settings(18701), List.of("sleep", "60"));
    process.pause();

    int exit = process.terminate(WAIT);

    assertThat(exit).isEqualTo(128 + 15);
  }

  @Test
  void when_sigterm_is_ignored_then_terminate_kills_it_and_says_so() throws IOException {
    process =
        NodeProcess.launch(
            settings(18701),
            List.of("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"));
    await().atMost(WAIT).until(() -> process.logTail().contains("ready"));

    assertThatThrownBy(() -> process.terminate(Duration.ofMillis(500)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not stop within PT0.5S of SIGTERM");
    assertThat(process.isAlive()).isFalse();
  }

  @Test
  void when_a_node_is_started_again_then_its_log_is_appended_not_replaced() throws IOException {
    NodeSettings settings = settings(18701);
    NodeProcess first = NodeProcess.launch(settings, List.of("sh", "-c", "echo first run"));
    first.awaitStopped(WAIT);

    process = NodeProcess.launch(settings, List.of("sh", "-c", "echo second run"));
    process.awaitStopped(WAIT);

    assertThat(process.logTail()).isEqualTo("first run\nsecond run");
  }

  @Test
  void when_the_log_is_long_then_the_tail_is_its_last_lines() throws IOException {
    Path log = dir.resolve("long.log");
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 5000; i++) {
      text.append("line ").append(i).append('\n');
    }
    Files.writeString(log, text);

    assertThat(NodeProcess.tail(log, 3)).isEqualTo("line 4998\nline 4999\nline 5000");
    assertThat(NodeProcess.tail(dir.resolve("absent.log"), 3)).startsWith("(no log");
  }

  private static HttpServer healthServer(String token) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/health",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          int status = ("Bearer " + token).equals(auth) ? 200 : 401;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
    return server;
  }
}
