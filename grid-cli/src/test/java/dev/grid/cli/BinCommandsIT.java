package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code bin/} client commands as a user runs them, against real node processes: the first
 * command after a build writes the class-data archive, and neither it nor the next prints anything
 * but its result (a script reads {@code bin/submit}'s stdout as the job's id).
 */
@Tag("slow")
class BinCommandsIT {
  private static final Duration READY = Duration.ofSeconds(60);

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private static Run run(Path home, LocalGrid grid, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    Map<String, String> env = builder.environment();
    env.put("GRID_URL", grid.urls().stream().map(URI::toString).collect(Collectors.joining(",")));
    env.put("GRID_TOKEN", grid.token());
    // a JVM per command, as this test is about the class archive; ResidentClientProcessIT runs
    // the resident client
    env.put("GRID_CLIENT_DAEMON", "0");
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void
      when_client_commands_run_before_and_after_their_class_archive_then_stdout_holds_only_results()
          throws Exception {
    Path home = GridHome.find();
    Path archive = home.resolve("grid-cli/target/grid-cli.jsa");
    Files.deleteIfExists(archive);
    try (LocalGrid grid = new LocalGrid(dir, 1, 2).start(READY)) {
      Run first = run(home, grid, "bin/submit", "--", "true");
      assertThat(first.code()).as(first.err()).isZero();
      assertThat(first.out()).matches("j[0-9a-z]+-[0-9a-z]+\n");
      assertThat(archive).as("written by the first command").exists();

      String id = first.out().strip();
      Run waited = run(home, grid, "bin/submit", "--wait", "--", "echo", "hello");
      assertThat(waited.code()).as(waited.err()).isZero();
      assertThat(waited.out()).isEqualTo("hello\n");
      Run status = run(home, grid, "bin/status", id);
      assertThat(status.code()).as(status.err()).isZero();
      assertThat(status.out()).contains(id).doesNotContain("[warning]");
      Run nodes = run(home, grid, "bin/nodes");
      assertThat(nodes.out().lines().toList()).hasSize(2).first().asString().startsWith("NAME");
      assertThat(List.of(first.err(), waited.err(), status.err(), nodes.err())).containsOnly("");

      // an array waited for without a terminal: plain progress lines on stderr, no control bytes
      Run array = run(home, grid, "bin/submit", "--wait", "--array", "0-11", "--", "sleep", "0.5");
      assertThat(array.code()).as(array.err()).isZero();
      assertThat(array.out()).matches("j\\S+ SUCCEEDED: 12 tasks: 12 SUCCEEDED\n");
      assertThat(array.err()).doesNotContain("\r", "\033");
      assertThat(array.err().lines().toList())
          .last()
          .asString()
          .matches("j\\S+: 12/12 done; 12 SUCCEEDED; in \\d+s, [0-9.]+ tasks/s");
      assertThat(array.err().lines()).first().asString().contains("/12 done; ");
    }
  }
}
