package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanGuardTest {
  /** Session ids no process can have (above Linux's largest pid): nothing real is ever killed. */
  private static final long FAKE = 90_000_000L;

  @TempDir Path dataDir;

  @Test
  void the_log_replays_to_the_sessions_added_and_not_removed() {
    assertThat(
            OrphanGuard.replay(
                List.of("+ 10 100", "+ 11 110", "- 10", "12 120", "+ 13", "x y", "- 99", "+ 1")))
        .isEqualTo(Map.of(11L, 110L, 12L, 120L));
  }

  @Test
  void starts_and_ends_are_appended_and_the_log_is_compacted_before_it_grows_long()
      throws IOException {
    try (OrphanGuard guard = OrphanGuard.start(dataDir, Duration.ofHours(1))) {
      for (int i = 0; i < OrphanGuard.COMPACT_AFTER; i++) {
        guard.track(FAKE + i);
        if (i % 3 != 0) {
          guard.untrack(FAKE + i);
        }
      }
      Map<Long, Long> listed = guard.listed();
      assertThat(listed).hasSize(OrphanGuard.COMPACT_AFTER / 3 + 1).containsKey(FAKE);
      assertThat(listed).doesNotContainKey(FAKE + 1);
      assertThat(Files.readAllLines(dataDir.resolve("job-sessions")))
          .as("lines after compaction")
          .hasSizeLessThan(OrphanGuard.COMPACT_AFTER + 1);
    }
    assertThat(Files.readAllLines(dataDir.resolve("job-sessions"))).isEmpty();
  }

  @Test
  void a_quiet_node_s_watcher_kills_the_sessions_it_lists_and_spares_the_ended_ones()
      throws Exception {
    Process listed = new ProcessBuilder("setsid", "sleep", "60").start();
    Process ended = new ProcessBuilder("setsid", "sleep", "60").start();
    try {
      long listedSid = awaitOwnSession(listed);
      long endedSid = awaitOwnSession(ended);
      try (OrphanGuard guard = OrphanGuard.start(dataDir, Duration.ofMillis(500))) {
        guard.track(endedSid);
        guard.track(listedSid);
        guard.untrack(endedSid);
        // No beats: after half a second the watcher takes the node for frozen.
        await().atMost(Duration.ofSeconds(10)).until(() -> !listed.isAlive());
        // The watcher has acted; the session that ended before must outlive it.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(ended::isAlive);
      }
    } finally {
      listed.destroyForcibly();
      ended.destroyForcibly();
    }
  }

  /** setsid forks when it leads a group already; the session then is the sleep's own pid. */
  private static long awaitOwnSession(Process p) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> p.children().findAny().isPresent() || sessionOf(p.pid()) == p.pid());
    return p.children().findAny().map(ProcessHandle::pid).orElse(p.pid());
  }

  private static long sessionOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
