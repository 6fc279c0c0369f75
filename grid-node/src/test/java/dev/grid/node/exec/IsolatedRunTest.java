package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Usage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an isolated Java job's JVM left in its directory is read back without following links: with
 * a job user the node reads it as root, in a directory the job owns.
 */
class IsolatedRunTest {
  @TempDir Path dir;

  private static RunResult exited(int code) {
    return new RunResult(
        Outcome.EXITED, code, "exited with code " + code, new byte[0], new byte[0], 0, 0, 1, 2);
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void when_the_job_left_its_result_then_it_is_read_back() throws Exception {
    Files.write(dir.resolve(IsolatedJob.RESULT), new byte[] {1, 2, 3});
    Files.writeString(dir.resolve(IsolatedJob.RESULT_TEXT), "6");

    RunResult r = IsolatedRun.interpret(exited(0), dir);

    assertThat(r.outcome()).isEqualTo(Outcome.RETURNED);
    assertThat(r.value().bytes()).containsExactly(1, 2, 3);
    assertThat(r.value().text()).isEqualTo("6");
  }

  @Test
  void what_the_child_jvm_cost_stays_on_the_result_it_returned_or_threw() throws Exception {
    Usage usage = new Usage(1200, 300, 64L << 20);
    Files.writeString(dir.resolve(IsolatedJob.FAILURE), "it threw");

    RunResult returned = IsolatedRun.interpret(measured(0, usage), dir);
    RunResult threw = IsolatedRun.interpret(measured(1, usage), dir);

    assertThat(returned.outcome()).isEqualTo(Outcome.RETURNED);
    assertThat(threw.outcome()).isEqualTo(Outcome.THREW);
    assertThat(returned.usage()).isEqualTo(usage);
    assertThat(threw.usage()).isEqualTo(usage);
  }

  private static RunResult measured(int code, Usage usage) {
    return new RunResult(
        Outcome.EXITED, code, "exited", new byte[0], new byte[0], 0, 0, 1, 2, null, usage);
  }

  @Test
  void when_the_job_left_links_to_the_nodes_files_then_none_is_read() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "the cluster secret");
    Path own = Files.createDirectory(dir.resolve("job"));
    Files.createSymbolicLink(own.resolve(IsolatedJob.RESULT), secret);
    Files.createSymbolicLink(own.resolve(IsolatedJob.RESULT_TEXT), secret);
    Files.createSymbolicLink(own.resolve(IsolatedJob.FAILURE), secret);

    RunResult returned = IsolatedRun.interpret(exited(0), own);
    RunResult failed = IsolatedRun.interpret(exited(1), own);

    for (RunResult r : new RunResult[] {returned, failed}) {
      assertThat(r.outcome()).isEqualTo(Outcome.THREW);
      assertThat(r.value()).isNull();
      assertThat(r.message()).doesNotContain("the cluster secret").contains("not a regular file");
    }
    assertThat(Files.readString(secret, StandardCharsets.UTF_8)).isEqualTo("the cluster secret");
  }

  @Test
  void when_the_job_left_a_pipe_or_a_hard_link_then_neither_is_read_and_nothing_waits()
      throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "the cluster secret");
    Path own = Files.createDirectory(dir.resolve("job"));
    assertThat(
            new ProcessBuilder("mkfifo", own.resolve(IsolatedJob.RESULT).toString())
                .start()
                .waitFor())
        .isZero();
    Files.createLink(own.resolve(IsolatedJob.FAILURE), secret);

    RunResult returned = IsolatedRun.interpret(exited(0), own); // would block on a pipe's open
    RunResult failed = IsolatedRun.interpret(exited(1), own);

    assertThat(returned.outcome()).isEqualTo(Outcome.THREW);
    assertThat(returned.message()).contains("not a regular file of its own");
    assertThat(failed.message()).doesNotContain("the cluster secret");
  }

  @Test
  void when_a_failure_text_is_long_then_the_message_keeps_its_start_only() throws Exception {
    Files.writeString(dir.resolve(IsolatedJob.FAILURE), "x".repeat(100_000));

    RunResult r = IsolatedRun.interpret(exited(1), dir);

    assertThat(r.outcome()).isEqualTo(Outcome.THREW);
    assertThat(r.message()).hasSize(IsolatedRun.MAX_FAILURE_CHARS + "... (cut)".length());
  }
}
