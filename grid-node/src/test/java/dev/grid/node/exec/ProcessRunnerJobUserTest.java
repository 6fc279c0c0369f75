package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs run as {@code --job-user}: real processes, as root, switched to {@value TestJobUser#NAME}.
 * What the job is, what it can reach, and that its whole tree still dies on cancel, timeout and
 * exit, as when it runs as the node's user.
 */
class ProcessRunnerJobUserTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final long CAP = 1 << 20;
  private static final Map<String, String> GRID_ENV = Map.of("GRID_JOB_ID", "j-user-1");

  private static JobUser user;

  @TempDir Path temp;
  private Path dataDir;
  private Path scratch;
  private ProcessRunner runner;

  @BeforeAll
  static void theUser() throws Exception {
    user = TestJobUser.ensure();
  }

  /** A node's layout: a data dir of its own (0700) with a token (0600); scratch under /tmp-like. */
  @BeforeEach
  void openRunner() throws Exception {
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
    dataDir = Files.createDirectory(temp.resolve("data"));
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    Path token = Files.writeString(dataDir.resolve("token"), "secret-token");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    Path root = temp.resolve("jobs");
    user.prepareScratchRoot(root);
    scratch = root.resolve("j-user-1-1");
    runner =
        new ProcessRunner(Clock.systemUTC(), Map.of("PATH", "/usr/bin:/bin"), Setsid.find(), user);
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

  private static String out(RunResult r) {
    return new String(r.stdout(), StandardCharsets.UTF_8);
  }

  private static String err(RunResult r) {
    return new String(r.stderr(), StandardCharsets.UTF_8);
  }

  private static String system(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void a_scratch_root_the_user_cannot_reach_is_refused_naming_the_directory() throws Exception {
    Path closed = Files.createDirectory(temp.resolve("closed"));
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));

    assertThatThrownBy(() -> user.prepareScratchRoot(closed.resolve("jobs")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TestJobUser.NAME + " cannot enter " + closed)
        .hasMessageContaining("chmod o+x " + closed);
    assertThat(user.cannotReach(temp.resolve("jobs"), false)).isNull();
    assertThat(user.cannotReach(temp.resolve("jobs"), true))
        .isEqualTo(
            TestJobUser.NAME
                + " cannot read "
                + temp.resolve("jobs")
                + ": chmod o+r "
                + temp.resolve("jobs"));
    assertThat(user.cannotReach(dataDir.resolve("token"), false))
        .isEqualTo(TestJobUser.NAME + " cannot enter " + dataDir + ": chmod o+x " + dataDir);
  }

  @Test
  void a_shared_directory_as_scratch_root_is_refused_and_left_as_it_was() throws Exception {
    Path shared = Files.createDirectory(temp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThatThrownBy(() -> user.prepareScratchRoot(shared))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is shared (mode 777");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)))
        .isEqualTo("rwxrwxrwx");
  }

  @Test
  void a_scratch_tree_is_deleted_as_the_user_and_a_link_out_takes_nothing_with_it()
      throws Exception {
    RunResult r =
        resultOf(
            start(
                JobSpec.shell(
                    "mkdir -p a/b/c && echo x > a/b/c/f && ln -s "
                        + dataDir
                        + " a/data && ln -s "
                        + dataDir.resolve("token")
                        + " t")));
    assertThat(r.exitCode()).as(err(r)).isZero();

    user.deleteAsUser(scratch);

    assertThat(scratch).doesNotExist();
    assertThat(dataDir.resolve("token")).exists().hasContent("secret-token");
  }

  @Test
  void the_job_is_the_user_with_its_gid_groups_and_home() throws Exception {
    RunResult r =
        resultOf(
            start(JobSpec.shell("id -un; id -u; id -g; id -G; echo \"$HOME $USER $LOGNAME\"")));

    assertThat(r.exitCode()).as(err(r)).isZero();
    assertThat(out(r).lines())
        .containsExactly(
            TestJobUser.NAME,
            Integer.toString(user.uid()),
            Integer.toString(user.gid()),
            system("id", "-G", TestJobUser.NAME),
            user.home() + " " + TestJobUser.NAME + " " + TestJobUser.NAME);
  }

  @Test
  void a_workdir_the_user_cannot_enter_stops_the_job_there_and_the_node_enters_it_not()
      throws Exception {
    // The data dir is 0700 and the node's; a subdirectory of it open to all would be reachable
    // from inside only. The job enters its directory as its user, after the switch.
    Path inner = Files.createDirectory(dataDir.resolve("blobs"));
    Files.setPosixFilePermissions(inner, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(inner.resolve("record"), "someone's output");

    RunResult r = resultOf(start(JobSpec.shell("cat record").withWorkDir(inner.toString())));

    assertThat(r.exitCode()).isNotZero();
    assertThat(out(r)).doesNotContain("someone's output");
    assertThat(err(r)).contains("Permission denied");
  }

  @Test
  void loader_variables_reach_the_job_but_not_the_root_processes_before_the_switch()
      throws Exception {
    Map<String, String> env =
        Map.of("LD_PRELOAD", "/tmp/p.so", "GCONV_PATH", "/tmp/g", "TZ", "UTC", "MINE", "1");

    assertThat(JobUser.rootStage(env)).containsOnlyKeys("MINE");
    assertThat(user.launch(scratch, env, List.of("true")))
        .endsWith(
            JobUser.ENV,
            "--chdir=" + scratch,
            "--",
            "GCONV_PATH=/tmp/g",
            "LD_PRELOAD=/tmp/p.so",
            "TZ=UTC",
            "true");

    RunResult r =
        resultOf(
            start(
                JobSpec.shell("echo \"$GCONV_PATH $TZ $MINE\"")
                    .withEnv(Map.of("GCONV_PATH", "/tmp/g", "TZ", "UTC", "MINE", "1"))));
    assertThat(r.exitCode()).as(err(r)).isZero();
    assertThat(out(r)).isEqualTo("/tmp/g UTC 1\n");
  }

  @Test
  void a_program_named_with_an_equals_sign_is_refused_not_taken_for_a_variable() throws Exception {
    Path program = temp.resolve("A=B");
    Files.writeString(program, "#!/bin/sh\necho ran\n");
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));

    RunResult r = resultOf(start(JobSpec.command(program.toString())));

    assertThat(r.outcome()).isNotEqualTo(Outcome.EXITED);
    assertThat(r.message()).contains("has '=' in its name");
  }

  @Test
  void the_job_cannot_read_the_nodes_data_dir_or_its_token() throws Exception {
    RunResult r =
        resultOf(
            start(
                JobSpec.shell(
                    "cat "
                        + dataDir.resolve("token")
                        + "; echo cat=$?; ls "
                        + dataDir
                        + "; echo ls=$?")));

    assertThat(out(r)).doesNotContain("secret-token").contains("cat=1").contains("ls=2");
    assertThat(err(r)).contains("Permission denied");
  }

  @Test
  void the_scratch_dir_is_outside_the_data_dir_and_the_users_alone() throws Exception {
    RunResult r = resultOf(start(JobSpec.shell("pwd; stat -c '%U %a' .; touch made-here")));

    assertThat(r.exitCode()).as(err(r)).isZero();
    assertThat(out(r).lines()).containsExactly(scratch.toString(), TestJobUser.NAME + " 700");
    assertThat(scratch.startsWith(dataDir)).isFalse();
    assertThat(Files.getOwner(scratch.resolve("made-here")).getName()).isEqualTo(TestJobUser.NAME);
  }

  @Test
  void a_cancel_kills_the_whole_tree_and_leaves_no_process_of_the_user() throws Exception {
    RunningJob job =
        start(JobSpec.shell("sleep 1000 & sleep 1000 & echo $! > bg.pid; sleep 1000; wait"));
    Path bg = scratch.resolve("bg.pid");
    await().atMost(WAIT).until(() -> Files.exists(bg) && Files.readString(bg).endsWith("\n"));
    long child = Long.parseLong(Files.readString(bg).strip());
    // setpriv exec'd in place: the job's pid still leads the session its children are in.
    assertThat(ProcessTree.sessionMembers(job.pid(), 0)).contains(child);
    assertThat(TestJobUser.processesOf(user.uid())).contains(job.pid(), child);

    job.cancel();

    assertThat(resultOf(job).outcome()).isEqualTo(Outcome.CANCELLED);
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
  }

  @Test
  void a_timeout_kills_the_whole_tree_and_leaves_no_process_of_the_user() throws Exception {
    RunningJob job =
        start(
            JobSpec.shell("sleep 1000 & sleep 1000 & sleep 1000; wait")
                .withTimeout(Duration.ofMillis(500)));

    assertThat(resultOf(job).outcome()).isEqualTo(Outcome.TIMED_OUT);
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
  }

  @Test
  void what_a_job_leaves_running_at_exit_is_killed() throws Exception {
    RunResult r = resultOf(start(JobSpec.shell("sleep 1000 > /dev/null 2>&1 & exit 0")));

    assertThat(r.message()).contains("1 process it left running was killed");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
  }

  @Test
  void without_setsid_a_cancel_still_kills_the_tree_from_its_descendants() throws Exception {
    runner.close();
    runner =
        new ProcessRunner(
            Clock.systemUTC(), Map.of("PATH", "/usr/bin:/bin"), Optional.empty(), user);
    RunningJob job = start(JobSpec.shell("sleep 1000 & sleep 1000; wait"));
    await().atMost(WAIT).until(() -> TestJobUser.processesOf(user.uid()).size() >= 3);

    job.cancel();

    assertThat(resultOf(job).outcome()).isEqualTo(Outcome.CANCELLED);
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
  }
}
