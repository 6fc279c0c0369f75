package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes through a real ProcessRunner; every process a test starts, it kills. */
class ProcessRunnerTest {
  /** How long anything here may take; the slowest case (SIGKILL after grace) needs ~2.5 s. */
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static final long CAP = 1 << 20;
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);
  private static final Map<String, String> GRID_ENV =
      Map.of("GRID_JOB_ID", "j-test-1", "GRID_ATTEMPT", "2");

  @TempDir Path temp;
  private Path scratch;
  private ProcessRunner runner;

  @BeforeEach
  void openRunner() {
    scratch = temp.resolve("scratch");
    runner = new ProcessRunner(CLOCK);
  }

  @AfterEach
  void closeRunner() {
    runner.close();
  }

  private RunningJob start(JobSpec spec) {
    return runner.start(new RunRequest(spec, GRID_ENV, scratch, CAP));
  }

  private static RunResult resultOf(RunningJob job) throws Exception {
    return job.result().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private RunResult run(JobSpec spec) throws Exception {
    return resultOf(start(spec));
  }

  private static String out(RunResult result) {
    return new String(result.stdout(), StandardCharsets.UTF_8);
  }

  private static String err(RunResult result) {
    return new String(result.stderr(), StandardCharsets.UTF_8);
  }

  private long awaitPidFile(String name) {
    Path file = scratch.resolve(name);
    await().atMost(WAIT).until(() -> Files.exists(file) && Files.readString(file).endsWith("\n"));
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Dead: no such process, or a zombie that init has not reaped yet (slow in containers). */
  private static void awaitGone(long pid) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ProcessHandle.of(pid).isPresent() && !isZombie(pid))
                    .as("process " + pid + " is still running")
                    .isFalse());
  }

  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return true; // gone while we looked
    }
  }

  /** A background sleep (its pid in bg.pid) and a foreground one, in the job's tree. */
  private static final String TREE = "sleep 60 & echo $! > bg.pid; sleep 60; wait";

  @Test
  void a_runner_without_cgroups_measures_nothing() throws Exception {
    RunResult r = run(JobSpec.command("true").withResources(new Resources(1, 64L << 20)));

    assertThat(r.exitCode()).isZero();
    assertThat(r.usage()).isNull();
  }

  @Test
  void when_program_exits_0_or_3_then_the_exit_code_is_the_result() throws Exception {
    RunResult zero = run(JobSpec.command("true"));
    RunResult three = run(JobSpec.shell("exit 3"));

    assertThat(zero.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(zero.exitCode()).isZero();
    assertThat(three.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(three.exitCode()).isEqualTo(3);
    assertThat(three.message()).contains("code 3");
    assertThat(three.startedAtMillis()).isEqualTo(CLOCK.millis());
    assertThat(three.endedAtMillis()).isEqualTo(CLOCK.millis());
  }

  private static final List<String> AWKWARD_ARGS =
      List.of(
          "two words",
          "'single'",
          "\"double\"",
          "$HOME",
          "${HOME}",
          "a;b",
          "*",
          "",
          "  ",
          " padded ",
          "ünïcødé ✓",
          "back\\slash",
          "-w",
          "--",
          "`id`",
          "$(id)",
          "a|b>c<d&e");

  @Test
  void when_argv_has_spaces_quotes_and_metacharacters_then_the_program_gets_them_unchanged()
      throws Exception {
    List<String> viaShell = new ArrayList<>(List.of("sh", "-c", "printf '%s\\n' \"$@\"", "sh"));
    viaShell.addAll(AWKWARD_ARGS);
    List<String> direct = new ArrayList<>(List.of("printf", "%s\\n"));
    direct.addAll(AWKWARD_ARGS);

    RunResult shellResult = run(JobSpec.of(viaShell));
    RunResult directResult = run(JobSpec.of(direct));

    String expected = String.join("\n", AWKWARD_ARGS) + "\n";
    assertThat(out(shellResult)).isEqualTo(expected);
    assertThat(out(directResult)).isEqualTo(expected);
  }

  @Test
  void when_program_name_starts_with_a_dash_then_it_is_not_taken_for_an_option() throws Exception {
    Path script = temp.resolve("-w");
    Files.writeString(script, "#!/bin/sh\necho dash-program\n");
    script.toFile().setExecutable(true);

    RunResult result = run(JobSpec.command("./-w").withWorkDir(temp.toString()));

    assertThat(out(result)).isEqualTo("dash-program\n");
  }

  @Test
  void when_shell_line_has_pipes_then_the_shell_runs_them() throws Exception {
    RunResult result = run(JobSpec.shell("printf 'b\\na\\n' | sort | tr a-z A-Z; echo oops >&2"));

    assertThat(out(result)).isEqualTo("A\nB\n");
    assertThat(err(result)).isEqualTo("oops\n");
  }

  @Test
  void when_env_is_given_then_the_job_sees_worker_spec_and_grid_variables() throws Exception {
    JobSpec spec =
        JobSpec.shell("echo \"$COLOUR|$GRID_JOB_ID|$GRID_ATTEMPT|${PATH:+has-path}\"")
            .withEnv(Map.of("COLOUR", "dark blue", "GRID_JOB_ID", "spoofed"));

    RunResult result = run(spec);

    assertThat(out(result)).isEqualTo("dark blue|j-test-1|2|has-path\n");
  }

  @Test
  void when_no_workDir_is_given_then_the_job_runs_in_a_created_scratch_dir() throws Exception {
    RunResult result = run(JobSpec.command("pwd"));

    assertThat(scratch).isDirectory();
    assertThat(Path.of(out(result).trim())).isEqualTo(scratch.toRealPath());
  }

  @Test
  void when_command_does_not_exist_then_start_fails_naming_it() throws Exception {
    RunningJob job = start(JobSpec.command("no-such-command-9f3", "arg"));
    RunResult result = resultOf(job);

    assertThat(result.outcome()).isEqualTo(Outcome.START_FAILED);
    assertThat(result.exitCode()).isNull();
    assertThat(result.message()).contains("not found").contains("no-such-command-9f3");
    assertThat(job.pid()).isEqualTo(-1);
  }

  @Test
  void when_program_is_a_file_that_is_not_executable_then_start_fails_saying_so() throws Exception {
    Files.writeString(temp.resolve("plain.txt"), "not a program");

    RunResult result = run(JobSpec.command("./plain.txt").withWorkDir(temp.toString()));

    assertThat(result.outcome()).isEqualTo(Outcome.START_FAILED);
    assertThat(result.message()).contains("plain.txt").contains("not an executable");
  }

  @Test
  void when_shell_line_runs_a_missing_command_then_it_exits_127() throws Exception {
    RunResult result = run(JobSpec.shell("no-such-command-9f3 --help"));

    assertThat(result.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(result.exitCode()).isEqualTo(127);
    assertThat(result.message()).contains("did not find a command");
    assertThat(err(result)).contains("no-such-command-9f3");
  }

  @Test
  void when_workDir_is_missing_then_start_fails_naming_it() throws Exception {
    Path missing = temp.resolve("not-there");

    RunResult result = run(JobSpec.command("true").withWorkDir(missing.toString()));

    assertThat(result.outcome()).isEqualTo(Outcome.START_FAILED);
    assertThat(result.exitCode()).isNull();
    assertThat(result.message()).contains(missing.toString()).contains("does not exist");
  }

  @Test
  void when_job_writes_past_the_cap_then_output_is_truncated_and_the_rest_counted()
      throws Exception {
    RunResult result =
        run(JobSpec.shell("head -c 5000000 /dev/zero; head -c 3000000 /dev/zero >&2; echo small"));

    assertThat(result.exitCode()).isZero();
    assertThat(result.truncated()).isTrue();
    assertThat(result.stdout()).hasSize((int) CAP);
    assertThat(result.stdoutDropped()).isEqualTo(5_000_000 + "small\n".length() - CAP);
    assertThat(result.stderr()).hasSize((int) CAP);
    assertThat(result.stderrDropped()).isEqualTo(3_000_000 - CAP);
  }

  @Test
  void when_output_fits_the_cap_then_nothing_is_truncated() throws Exception {
    RunResult result = run(JobSpec.shell("echo hello"));

    assertThat(result.truncated()).isFalse();
    assertThat(result.stdoutDropped()).isZero();
  }

  @Test
  void when_timeout_expires_then_the_whole_tree_is_killed() throws Exception {
    RunningJob job = start(JobSpec.shell(TREE).withTimeout(Duration.ofMillis(800)));
    long main = job.pid();
    long background = awaitPidFile("bg.pid");
    RunResult result = resultOf(job);

    assertThat(result.outcome()).isEqualTo(Outcome.TIMED_OUT);
    assertThat(result.message()).contains("timed out after 800 ms");
    awaitGone(main);
    awaitGone(background);
  }

  @Test
  void when_cancelled_then_the_whole_tree_is_killed() throws Exception {
    RunningJob job = start(JobSpec.shell(TREE));
    long background = awaitPidFile("bg.pid");

    job.cancel();
    job.cancel();
    RunResult result = resultOf(job);

    assertThat(result.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(result.exitCode()).isEqualTo(128 + 15);
    awaitGone(job.pid());
    awaitGone(background);
  }

  @Test
  void when_job_ignores_sigterm_then_sigkill_follows_after_the_grace() throws Exception {
    RunningJob job = start(JobSpec.shell("trap '' TERM; " + TREE));
    long background = awaitPidFile("bg.pid");

    job.cancel();
    RunResult result = resultOf(job);

    assertThat(result.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(result.exitCode()).isEqualTo(128 + 9);
    awaitGone(background);
  }

  @Test
  void when_a_background_child_holds_stdout_after_exit_then_the_job_still_ends_promptly()
      throws Exception {
    RunningJob job = start(JobSpec.shell("sleep 60 & echo $!; echo done"));
    RunResult result = job.result().get(3, TimeUnit.SECONDS);

    assertThat(result.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(result.exitCode()).isZero();
    assertThat(out(result)).endsWith("done\n");
    assertThat(result.message()).contains("1 process it left running was killed");
    awaitGone(Long.parseLong(out(result).lines().findFirst().orElseThrow()));
  }

  @Test
  void when_a_background_child_detached_from_the_output_is_left_then_it_is_killed_at_exit()
      throws Exception {
    RunResult result = run(JobSpec.shell("sleep 60 >/dev/null 2>&1 & echo $!"));

    assertThat(result.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(result.message()).contains("1 process it left running was killed");
    awaitGone(Long.parseLong(out(result).trim()));
  }

  @Test
  void when_a_job_waits_for_its_children_then_nothing_is_reported_left_over() throws Exception {
    RunResult result = run(JobSpec.shell("sleep 0.2 & sleep 0.1 & wait; echo ok"));

    assertThat(out(result)).isEqualTo("ok\n");
    assertThat(result.message()).isEqualTo("exited with code 0");
  }

  @Test
  void when_the_runner_closes_then_running_trees_are_killed_and_its_threads_stop()
      throws Exception {
    RunningJob job = start(JobSpec.shell(TREE));
    long background = awaitPidFile("bg.pid");
    assertThat(gridExecThreads())
        .anyMatch(n -> n.startsWith("grid-exec-wait-"))
        .anyMatch(n -> n.startsWith("grid-exec-pump-"));

    runner.close();
    runner.close();

    assertThat(job.result()).isDone();
    assertThat(resultOf(job).outcome()).isEqualTo(Outcome.CANCELLED);
    awaitGone(job.pid());
    awaitGone(background);
    await().atMost(WAIT).untilAsserted(() -> assertThat(gridExecThreads()).isEmpty());
    assertThatThrownBy(() -> start(JobSpec.command("true")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void when_a_job_starts_then_its_session_is_reported_before_start_returns() throws Exception {
    // The node's orphan guard must know a session before the job can have run long: a node
    // SIGKILLed just after a job wrote its first line must still take the job with it.
    List<Long> reported = Collections.synchronizedList(new ArrayList<>());
    try (ProcessRunner reporting = new ProcessRunner(CLOCK, Set.of("PATH"), reported::add)) {
      RunningJob job =
          reporting.start(new RunRequest(JobSpec.command("sleep", "30"), GRID_ENV, scratch, CAP));
      if (Setsid.find().isPresent()) {
        assertThat(reported).containsExactly(job.pid());
      } else { // no session of its own: nothing to report
        assertThat(reported).isEmpty();
      }
      job.cancel();
      resultOf(job);
      RunResult failed =
          resultOf(
              reporting.start(
                  new RunRequest(JobSpec.command("no-such-program-here"), GRID_ENV, scratch, CAP)));
      assertThat(failed.outcome()).isEqualTo(Outcome.START_FAILED);
      assertThat(reported)
          .as("a job that never started has no session")
          .hasSize(Setsid.find().isPresent() ? 1 : 0);
    }
  }

  @Test
  void a_node_passes_on_only_the_variables_it_names() throws Exception {
    Map<String, String> node =
        Map.of("PATH", System.getenv("PATH"), "GRID_TOKEN", "s3cret", "AWS_SECRET", "x");
    try (ProcessRunner runner =
        new ProcessRunner(
            CLOCK, ProcessRunner.only(node, Set.of("PATH", "HOME")), Optional.empty())) {
      RunResult r =
          resultOf(
              runner.start(
                  new RunRequest(
                      JobSpec.command("env").withEnv(Map.of("MINE", "1")),
                      GRID_ENV,
                      scratch,
                      CAP)));
      assertThat(out(r))
          .contains("PATH=" + System.getenv("PATH"), "MINE=1", "GRID_JOB_ID=j-test-1")
          .doesNotContain("s3cret", "AWS_SECRET", "HOME=");
    }
  }

  @Test
  void when_setsid_is_missing_then_a_timeout_still_kills_the_tree_from_its_descendants()
      throws Exception {
    runner.close();
    runner = new ProcessRunner(CLOCK, System.getenv(), Optional.empty());
    RunningJob job = start(JobSpec.shell(TREE).withTimeout(Duration.ofMillis(500)));
    long background = awaitPidFile("bg.pid");

    RunResult result = resultOf(job);

    assertThat(result.outcome()).isEqualTo(Outcome.TIMED_OUT);
    awaitGone(background);
  }

  private static List<String> gridExecThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("grid-exec-"))
        .toList();
  }
}
