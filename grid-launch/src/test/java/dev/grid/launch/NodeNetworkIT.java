package dev.grid.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The namespaces and links a partition test runs on, probed with TCP connects to a closed port
 * (port 9): "connection refused" means the packets got there and back, "network unreachable" (or no
 * answer) that they did not. Needs root and iproute2's {@code ip}, as CI has; skipped elsewhere,
 * with a line saying why ({@link NodeNetworkTest} checks the reason).
 */
@Tag("slow")
class NodeNetworkIT {
  private static final int CLOSED_PORT = 9;

  @BeforeAll
  static void needsRootAndIp() {
    NodeNetwork.whyUnavailable()
        .ifPresent(
            why -> {
              System.out.println("SKIPPED NodeNetworkIT: " + why);
              Assumptions.abort(why);
            });
  }

  @Test
  void when_a_node_is_cut_off_then_no_packet_crosses_while_the_caller_still_reaches_every_node()
      throws Exception {
    try (NodeNetwork network = NodeNetwork.create(3)) {
      assertThat(probe(network, 0, 1)).isEqualTo("reached");
      assertThat(probe(network, 2, 0)).isEqualTo("reached");

      network.cut(Set.of(0));
      assertThat(probe(network, 0, 1)).isEqualTo("dropped");
      assertThat(probe(network, 1, 0)).isEqualTo("dropped");
      assertThat(probe(network, 0, 2)).isEqualTo("dropped");
      assertThat(probe(network, 1, 2)).as("inside the majority").isEqualTo("reached");
      for (int i = 0; i < 3; i++) {
        assertThat(reachedFromCaller(network.address(i))).as("node %s from the caller", i).isTrue();
      }

      network.heal();
      assertThat(network.cutSide()).isEmpty();
      assertThat(probe(network, 0, 1)).isEqualTo("reached");
      assertThat(probe(network, 2, 0)).isEqualTo("reached");
    }
  }

  @Test
  void when_networks_are_made_at_the_same_moment_then_each_gets_a_subnet_of_its_own()
      throws Exception {
    // Two test JVMs, or a test beside bin/chaos, may make theirs at once: six at once here.
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<NodeNetwork>> made = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      made.add(pool.submit(() -> NodeNetwork.create(2)));
    }
    List<NodeNetwork> networks = new ArrayList<>();
    try {
      for (Future<NodeNetwork> f : made) {
        networks.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(networks).extracting(NodeNetwork::clientAddress).doesNotHaveDuplicates();
      for (NodeNetwork n : networks) {
        assertThat(probe(n, 0, 1)).isEqualTo("reached");
      }
    } finally {
      pool.shutdown();
      for (Future<NodeNetwork> f : made) {
        try {
          f.get(60, TimeUnit.SECONDS).close();
        } catch (ExecutionException e) {
          // it failed to make its network: nothing to close
        }
      }
    }
  }

  @Test
  void when_closed_then_its_namespaces_and_addresses_are_gone() {
    NodeNetwork network = NodeNetwork.create(2);
    String ns = network.namespace(0);
    String address = network.clientAddress();
    network.close();
    network.close(); // idempotent

    assertThat(run("ip", "netns", "list")).doesNotContain(ns);
    assertThat(run("ip", "-o", "addr", "show")).doesNotContain(address + "/");
  }

  @Test
  void when_an_earlier_run_was_killed_then_its_namespaces_and_processes_are_cleaned()
      throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor(10, TimeUnit.SECONDS);
    String stale = NodeNetwork.PREFIX + gone.pid() + "-1-n1";
    run("ip", "netns", "add", stale);
    Process left = new ProcessBuilder("ip", "netns", "exec", stale, "sleep", "600").start();
    try {
      NodeNetwork.create(1).close();

      assertThat(run("ip", "netns", "list")).doesNotContain(stale);
      assertThat(left.waitFor(10, TimeUnit.SECONDS))
          .as("the process left in it was killed")
          .isTrue();
    } finally {
      left.destroyForcibly();
      new ProcessBuilder("ip", "netns", "del", stale).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A connect from node {@code from}'s namespace to node {@code to}'s address. */
  private static String probe(NodeNetwork network, int from, int to) {
    String said =
        run(
            "ip",
            "netns",
            "exec",
            network.namespace(from),
            "timeout",
            "3",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/" + network.address(to) + "/" + CLOSED_PORT + " || true");
    if (said.contains("refused")) {
      return "reached";
    }
    if (said.contains("unreachable") || said.isBlank()) {
      return "dropped";
    }
    return "unexpected: " + said;
  }

  private static boolean reachedFromCaller(String address) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, CLOSED_PORT), 3000);
      return true;
    } catch (ConnectException e) {
      return e.getMessage().contains("refused");
    }
  }

  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + List.of(command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
