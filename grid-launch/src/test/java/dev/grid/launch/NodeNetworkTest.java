package dev.grid.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a machine can make the partition tests' network namespaces, decided from a process status
 * file and an {@code ip} command: the reason the partition tests skip with for a user who is not
 * root or has no iproute2 (NodeNetworkIT, PartitionProcessIT, ChaosProcessIT's partitions).
 */
class NodeNetworkTest {
  private static final List<String> IP_WORKS = List.of("true");
  private static final List<String> IP_MISSING = List.of("no-such-ip-command-for-this-test");

  @TempDir Path dir;

  /** A {@code /proc/self/status} with these real and effective uids. */
  private Path status(int real, int effective) throws IOException {
    return Files.writeString(
        dir.resolve("status"),
        "Name:\tjava\nUid:\t"
            + real
            + "\t"
            + effective
            + "\t"
            + effective
            + "\t"
            + effective
            + "\n");
  }

  @Test
  void when_not_root_then_the_reason_names_the_uid_and_says_to_run_as_root() throws IOException {
    assertThat(NodeNetwork.whyUnavailable(status(1000, 1000), IP_WORKS))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("need root", "uid 1000", "as root (sudo)")
                    .doesNotContain("\n"));
  }

  @Test
  void the_effective_uid_decides() throws IOException {
    assertThat(NodeNetwork.whyUnavailable(status(1000, 0), IP_WORKS)).isEmpty();
    assertThat(NodeNetwork.whyUnavailable(status(0, 1000), IP_WORKS)).isPresent();
  }

  @Test
  void when_root_without_ip_then_the_reason_says_to_install_iproute2() throws IOException {
    assertThat(NodeNetwork.whyUnavailable(status(0, 0), IP_MISSING))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("'ip' command (iproute2) is missing", "apt-get install -y iproute2")
                    .doesNotContain("\n"));
  }

  @Test
  void when_not_linux_then_the_reason_says_so() {
    assertThat(NodeNetwork.whyUnavailable(dir.resolve("no-proc-status"), IP_WORKS))
        .hasValueSatisfying(why -> assertThat(why).contains("need Linux"));
  }

  @Test
  void when_root_with_ip_then_nothing_stands_in_the_way() throws IOException {
    assertThat(NodeNetwork.whyUnavailable(status(0, 0), IP_WORKS)).isEmpty();
  }
}
