package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import dev.grid.storage.LocalDiskStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob store with real node processes: job output is on two nodes' disks; after a node is
 * SIGKILLed every output is still readable and is copied again until two disks hold it; a copy
 * damaged on disk is read around and repaired.
 */
@Tag("slow")
class StorageProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOBS = Duration.ofSeconds(60);

  /** Repair starts a second after the member is gone (seen within ~0.5 s of a SIGKILL). */
  private static final Duration REPAIRED = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void
      when_a_node_is_killed_or_a_copy_damaged_then_every_output_stays_readable_and_two_copies_return()
          throws IOException {
    try (LocalGrid grid = new LocalGrid(dir, 3, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      Map<JobId, String> expected = new LinkedHashMap<>();
      for (int i = 0; i < 24; i++) {
        // 300 KB of output for some jobs: more than one call's worth, so copies are pulled
        int lines = i % 4 == 0 ? 50_000 : 10 + i;
        JobId id = client.submit(JobSpec.command("seq", "1", Integer.toString(lines)));
        expected.put(id, seq(lines));
      }
      await()
          .atMost(JOBS)
          .until(
              () ->
                  expected.keySet().stream()
                      .allMatch(id -> client.status(id).state() == JobState.SUCCEEDED));
      for (JobId id : expected.keySet()) {
        assertThat(holders(grid, stdoutKey(id))).as("copies of %s", id).hasSize(2);
      }

      NodeProcess victim = grid.node(2);
      victim.kill();

      for (Map.Entry<JobId, String> job : expected.entrySet()) {
        assertThat(new String(client.stdout(job.getKey()), StandardCharsets.UTF_8))
            .as("output of %s after the kill", job.getKey())
            .isEqualTo(job.getValue());
      }
      await()
          .atMost(REPAIRED)
          .untilAsserted(
              () -> {
                for (JobId id : expected.keySet()) {
                  assertThat(holders(grid, stdoutKey(id)))
                      .as("copies of %s", id)
                      .containsExactlyInAnyOrder("n1", "n2");
                }
              });

      JobId big = expected.keySet().iterator().next();
      Path damaged = LocalDiskStore.fileOf(grid.settings().get(0).dataDir(), stdoutKey(big));
      Path good = LocalDiskStore.fileOf(grid.settings().get(1).dataDir(), stdoutKey(big));
      flipByte(damaged, 100_000);
      assertThat(Files.mismatch(damaged, good)).isNotNegative();

      try (GridClient viaDamaged = GridClient.connect(List.of(grid.node(0).url()), grid.token())) {
        assertThat(new String(viaDamaged.stdout(big), StandardCharsets.UTF_8))
            .isEqualTo(expected.get(big));
      }
      await()
          .atMost(REPAIRED)
          .untilAsserted(
              () -> assertThat(Files.mismatch(damaged, good)).as("repaired copy").isEqualTo(-1L));
    }
  }

  private static String stdoutKey(JobId id) {
    return OutputKeys.prefix(id, 1) + OutputKeys.STDOUT;
  }

  /** The nodes whose disks (of those still running) hold a copy of the key. */
  private static List<String> holders(LocalGrid grid, String key) {
    List<String> holders = new ArrayList<>();
    for (int i = 0; i < grid.size(); i++) {
      if (grid.node(i).isAlive()
          && Files.exists(LocalDiskStore.fileOf(grid.settings().get(i).dataDir(), key))) {
        holders.add(grid.node(i).name());
      }
    }
    return holders;
  }

  private static String seq(int lines) {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= lines; i++) {
      text.append(i).append('\n');
    }
    return text.toString();
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0xff);
    }
  }
}
