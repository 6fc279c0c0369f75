package dev.grid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.GridClient;
import dev.grid.launch.FreePorts;
import dev.grid.node.GridNode;
import dev.grid.node.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmitAndWaitTest {
  @TempDir Path dir;

  @Test
  void when_the_example_runs_against_a_grid_then_every_job_succeeds_and_prints_its_part()
      throws Exception {
    int port = FreePorts.one();
    NodeConfig config =
        NodeConfig.local("n1", port, dir, "secret", 2)
            .withClusterName("example-" + UUID.randomUUID());
    try (GridNode node = GridNode.start(config);
        GridClient client = GridClient.connect(List.of(URI.create(node.httpUrl())), "secret")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();

      int failed = SubmitAndWait.run(client, 3, new PrintStream(out, true, StandardCharsets.UTF_8));

      assertThat(failed).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8).lines())
          .hasSize(3)
          .anySatisfy(l -> assertThat(l).contains("SUCCEEDED").contains("part 2 of 3 on n1"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
