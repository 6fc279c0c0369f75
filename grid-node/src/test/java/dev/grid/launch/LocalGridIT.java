package dev.grid.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real node processes from the built jar: started, killed, paused, restarted and stopped. */
@Tag("slow")
class LocalGridIT {
  private static final Duration READY = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void when_a_local_grid_starts_then_every_node_is_healthy_and_sigterm_stops_them_cleanly() {
    try (LocalGrid grid = new LocalGrid(dir, 3, 2).start(READY)) {
      assertThat(grid.nodes()).allSatisfy(node -> assertThat(node.isAlive()).isTrue());

      grid.node(2).kill();
      assertThat(grid.node(2).isAlive()).isFalse();
      grid.node(1).pause();
      grid.node(1).resume();
      NodeProcess restarted = grid.restart(2, READY);

      assertThat(restarted.isAlive()).isTrue();
      assertThat(grid.node(0).terminate()).as(grid.node(0).logTail()).isZero();
      assertThat(grid.node(1).terminate()).as(grid.node(1).logTail()).isZero();
      assertThat(grid.node(2).terminate()).as(grid.node(2).logTail()).isZero();
    }
  }

  @Test
  void when_a_grid_is_closed_then_no_node_process_is_left() {
    LocalGrid grid = new LocalGrid(dir, 2, 1).start(READY);
    grid.node(0).pause();

    grid.close();

    assertThat(grid.nodes()).allSatisfy(node -> assertThat(node.isAlive()).isFalse());
  }
}
