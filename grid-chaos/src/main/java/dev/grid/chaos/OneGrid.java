package dev.grid.chaos;

import dev.grid.api.GridClient;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import java.time.Duration;
import java.util.List;

/**
 * Whether a local grid is whole: every node answers, lists every node as a member, and all name the
 * same one primary. A fault is over only then, not when its cause is: after a partition heals the
 * cut-off node stays a grid of its own until Hazelcast merges it back (seconds later), and a node
 * that woke or restarted has to join again.
 */
final class OneGrid {
  private OneGrid() {}

  /** Polls until the grid is whole or {@code max} passed; true if it is. */
  static boolean await(LocalGrid grid, Duration max) throws InterruptedException {
    long deadline = System.currentTimeMillis() + max.toMillis();
    List<GridClient> each =
        grid.urls().stream()
            .map(
                url ->
                    grid.clientBuilder()
                        .nodes(List.of(url))
                        .connectTimeout(Duration.ofSeconds(1))
                        .requestTimeout(Duration.ofSeconds(2))
                        .build())
            .toList();
    try {
      while (System.currentTimeMillis() < deadline) {
        if (whole(each)) {
          return true;
        }
        Thread.sleep(200);
      }
      return false;
    } finally {
      each.forEach(GridClient::close);
    }
  }

  private static boolean whole(List<GridClient> each) {
    String primary = null;
    for (GridClient c : each) {
      try {
        List<NodeInfo> nodes = c.nodes();
        List<NodeInfo> primaries = nodes.stream().filter(NodeInfo::primary).toList();
        if (nodes.size() != each.size() || primaries.size() != 1) {
          return false;
        }
        if (primary != null && !primary.equals(primaries.get(0).name())) {
          return false;
        }
        primary = primaries.get(0).name();
      } catch (RuntimeException e) {
        return false;
      }
    }
    return true;
  }
}
