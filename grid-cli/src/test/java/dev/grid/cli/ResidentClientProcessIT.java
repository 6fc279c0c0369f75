package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.launch.GridHome;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code bin/} client commands with and without the resident client, as a user runs them: bash
 * scripts and JVMs as processes, against a fake grid served from this JVM (each test its own; a
 * command brings the grid's address). The tests that start, kill or rebuild a resident client work
 * in a copy of the built scripts and jars of their own; the others share one copy and its resident
 * client, started once for the class (a start with its warm-up is seconds on a loaded machine).
 * Every resident client started is stopped, whether the tests pass or fail.
 */
@Tag("slow")
class ResidentClientProcessIT {
  private static final String TOKEN = "process-token";
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Pattern SERVED = Pattern.compile("(\\d+) calls served, (\\d+) running");

  @TempDir static Path sharedDir;
  @TempDir Path dir;
  private static boolean sharedStarted;

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-fake-worker"));
  private HttpApi api;
  private Path checkout;
  private Path clientDir;
  private Path work;

  record Run(int code, byte[] out, byte[] err) {
    String outText() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  @BeforeEach
  void start() throws IOException {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    worker.scheduleWithFixedDelay(this::finishQueued, 5, 5, TimeUnit.MILLISECONDS);
    checkout = copyOfTheBuild(dir.resolve("checkout"));
    clientDir = dir.resolve("client");
    work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(work.resolve("token"), TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (!clientDir.startsWith(sharedDir)) {
        stopResidents(checkout, clientDir);
      }
    } finally {
      worker.shutdownNow();
      assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      api.close();
    }
  }

  @AfterAll
  static void stopShared() throws Exception {
    stopResidents(sharedDir.resolve("checkout"), sharedDir.resolve("client"));
  }

  /** Stops the resident client, then kills whatever one of that folder still runs. */
  private static void stopResidents(Path checkout, Path clientDir) throws Exception {
    try {
      ProcessBuilder stop =
          new ProcessBuilder(checkout.resolve("bin/grid-client").toString(), "stop")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD);
      stop.environment().put("GRID_CLIENT_DIR", clientDir.toString());
      stop.start().waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    } finally {
      // a stop that failed, one still starting
      List<ProcessHandle> left =
          ProcessHandle.allProcesses()
              .filter(p -> p.info().commandLine().orElse("").contains(clientDir.toString()))
              .toList();
      left.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle process : left) {
        process.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
    }
  }

  /** Runs this test's commands with the class's shared copy and resident client. */
  private void useSharedResident() throws Exception {
    checkout = sharedDir.resolve("checkout");
    clientDir = sharedDir.resolve("client");
    synchronized (ResidentClientProcessIT.class) {
      if (!sharedStarted) {
        copyOfTheBuild(checkout);
        startResident();
        sharedStarted = true;
      }
    }
  }

  /** The fake grid's worker: a job ends at once, printing its words; "sleep" never ends. */
  private void finishQueued() {
    for (JobInfo job : ops.jobs(Optional.of(JobState.QUEUED))) {
      List<String> argv = job.spec().argv();
      if (argv.isEmpty() || argv.get(0).equals("sleep")) {
        continue;
      }
      String words = String.join(" ", argv);
      ops.finish(
          job.id(),
          JobState.SUCCEEDED,
          argv.get(0).equals("fail") ? 3 : 0,
          null,
          (words + "\n").getBytes(StandardCharsets.UTF_8),
          ("err " + words + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The scripts and the client's jars. The copy claims a class archive for every command: an empty
   * one, newer than the jars, which the JVM ignores in silence; else each command's first run in a
   * JVM of its own would stop to write one (seconds each, and output the same either way).
   */
  private static Path copyOfTheBuild(Path to) throws IOException {
    Path home = GridHome.find();
    Path target = Files.createDirectories(to.resolve("grid-cli/target"));
    copyFolder(home.resolve("bin"), to.resolve("bin"));
    copyFolder(home.resolve("grid-cli/target/lib"), target.resolve("lib"));
    Files.copy(
        home.resolve("grid-cli/target/grid-cli.jar"),
        target.resolve("grid-cli.jar"),
        StandardCopyOption.COPY_ATTRIBUTES);
    List<String> commands = new ArrayList<>();
    for (String command : GridCli.SUBCOMMANDS) {
      commands.add(command);
      commands.add(command + " -");
    }
    Files.write(target.resolve("grid-cli.commands"), commands);
    FileTime later = FileTime.from(Instant.now().plus(Duration.ofHours(1)));
    for (String file : List.of("grid-cli.jsa", "grid-cli.classes")) {
      Files.setLastModifiedTime(Files.createFile(target.resolve(file)), later);
    }
    return to;
  }

  private static void copyFolder(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private Run run(Map<String, String> extra, String... command) throws Exception {
    return run(extra, false, command);
  }

  /** Runs a script of the copy from the work folder; stdout and stderr each to a file. */
  private Run run(Map<String, String> extra, boolean merged, String... command) throws Exception {
    Process process = start(extra, merged, command);
    assertThat(process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .as(String.join(" ", command))
        .isTrue();
    return new Run(
        process.exitValue(),
        Files.readAllBytes(dir.resolve("out")),
        merged ? new byte[0] : Files.readAllBytes(dir.resolve("err")));
  }

  private Process start(Map<String, String> extra, boolean merged, String... command)
      throws IOException {
    List<String> line = new ArrayList<>(List.of(command));
    if (command[0].startsWith("bin/")) {
      line.set(0, checkout.resolve(command[0]).toString());
    }
    ProcessBuilder builder = new ProcessBuilder(line).directory(work.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("GRID_"));
    env.put("GRID_URL", "http://127.0.0.1:" + api.port());
    env.put("GRID_TOKEN", TOKEN);
    env.put("GRID_CLIENT_DIR", clientDir.toString());
    env.putAll(extra);
    builder.redirectOutput(dir.resolve("out").toFile());
    if (merged) {
      builder.redirectErrorStream(true);
    } else {
      builder.redirectError(dir.resolve("err").toFile());
    }
    return builder.start();
  }

  private Run direct(String... command) throws Exception {
    return run(Map.of("GRID_CLIENT_DAEMON", "0"), command);
  }

  /** How many calls the resident client ran, and how many run now; null if none runs. */
  private int[] served() throws Exception {
    Run status = run(Map.of(), "bin/grid-client", "status");
    Matcher matcher = SERVED.matcher(status.outText());
    return status.code() == 0 && matcher.find()
        ? new int[] {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))}
        : null;
  }

  private long residentPid() throws IOException {
    try (Stream<Path> files = Files.list(clientDir)) {
      Path state = files.filter(f -> f.toString().endsWith(".state")).findFirst().orElseThrow();
      return Long.parseLong(Files.readString(state).strip().split(" ")[3]);
    }
  }

  private void startResident() throws Exception {
    Run started = run(Map.of(), "bin/grid-client", "start");
    assertThat(started.code()).as(started.outText()).isZero();
  }

  @Test
  void when_commands_run_through_the_resident_client_then_they_print_and_exit_as_alone()
      throws Exception {
    JobId job = ops.submit(JobSpec.of(List.of("sleep", "1")));
    byte[] bytes = new byte[2 * CallOutput.MAX_FRAME + 5];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i % 9 == 0 ? '\n' : i);
    }
    ops.finish(job, JobState.FAILED, 2, "a message", bytes, "é\u0001\u007f\0\n".getBytes());
    useSharedResident();
    int servedBefore = served()[0];
    // what the bash side relays: text frames, binary ones (several), both streams and the exit
    // code, a relative path, an error, a line declined (help runs alone); QuickLineTest and
    // ResidentClientTest hold the rest of the command lines
    List<String[]> lines =
        List.of(
            new String[] {"bin/nodes"},
            new String[] {"bin/logs", job.value()},
            new String[] {"bin/logs", "--stderr", job.value()},
            new String[] {"bin/submit", "--wait", "--", "fail", "a b", "ç"},
            new String[] {"bin/submit", "--token-file", "token", "--wait", "--", "x"},
            new String[] {"bin/status", "j-missing"},
            new String[] {"bin/status", "--help"});
    for (String[] line : lines) {
      Run resident = run(Map.of(), line);
      Run alone = direct(line);
      String text = String.join(" ", line);
      assertThat(resident.code()).as(text).isEqualTo(alone.code());
      assertThat(resident.out()).as(text).isEqualTo(alone.out());
      assertThat(resident.err()).as(text).isEqualTo(alone.err());
    }
    assertThat(served()).containsExactly(servedBefore + lines.size() - 1, 0);

    // stdout and stderr into one file, and a pipe closed early under pipefail
    String[] both = {"bin/submit", "--wait", "--", "fail", "both"};
    assertThat(run(Map.of(), true, both))
        .usingRecursiveComparison()
        .isEqualTo(run(Map.of("GRID_CLIENT_DAEMON", "0"), true, both));
    String logs = checkout.resolve("bin/logs") + " " + job.value();
    Run piped = run(Map.of(), "/bin/bash", "-c", "set -o pipefail; " + logs + " | head -c 10");
    assertThat(piped.code()).isZero();
    assertThat(piped.out()).hasSize(10);
  }

  @Test
  void when_none_runs_then_the_first_command_runs_alone_and_starts_one_for_the_next()
      throws Exception {
    assertThat(served()).isNull();

    Run first = run(Map.of(), "bin/submit", "--", "echo", "one");
    assertThat(first.code()).isZero();
    assertThat(first.outText()).matches("j\\d+\n");

    await().atMost(PATIENCE).until(() -> served() != null);
    Run next = run(Map.of(), "bin/submit", "--wait", "--", "two");
    assertThat(next.outText()).isEqualTo("two\n");
    assertThat(served()).containsExactly(1, 0);
  }

  @Test
  void when_the_resident_client_is_killed_then_the_next_command_runs_alone_and_one_starts_again()
      throws Exception {
    startResident();
    long pid = residentPid();
    ProcessHandle killed = ProcessHandle.of(pid).orElseThrow();
    killed.destroyForcibly(); // SIGKILL: its state file stays
    killed.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

    Run next = run(Map.of(), "bin/submit", "--wait", "--", "after");
    assertThat(next.code()).isZero();
    assertThat(next.outText()).isEqualTo("after\n");

    await().atMost(PATIENCE).until(() -> served() != null);
    assertThat(residentPid()).isNotEqualTo(pid);
  }

  @Test
  void when_the_jars_change_then_the_next_command_runs_alone_and_a_new_one_starts()
      throws Exception {
    startResident();
    long pid = residentPid();
    Path jar = checkout.resolve("grid-cli/target/grid-cli.jar");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(1))); // a rebuild

    Run next = run(Map.of(), "bin/nodes");
    assertThat(next.code()).isZero();
    assertThat(next.outText()).startsWith("NAME");

    ProcessHandle.of(pid).ifPresent(old -> old.onExit().join()); // it had no call left to end
    await().atMost(PATIENCE).until(() -> served() != null);
    assertThat(residentPid()).isNotEqualTo(pid);
  }

  @Test
  void when_a_waiting_command_is_killed_then_its_wait_ends_in_the_resident_client()
      throws Exception {
    useSharedResident();
    Process waiting = start(Map.of(), false, "bin/submit", "--wait", "--", "sleep", "1");
    await().atMost(PATIENCE).until(() -> served()[1] == 1 && ops.statusCalls() > 2);

    waiting.destroy(); // SIGTERM, as Ctrl-C or a timeout(1) ends the script

    assertThat(waiting.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(waiting.exitValue()).isEqualTo(143);
    await().atMost(PATIENCE).until(() -> served()[1] == 0);
    int polls = ops.statusCalls();
    await().during(Duration.ofMillis(600)).atMost(PATIENCE).until(() -> ops.statusCalls() == polls);
  }

  @Test
  void when_commands_run_at_once_then_each_prints_its_own_output() throws Exception {
    useSharedResident();
    int servedBefore = served()[0];
    List<Process> processes = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path output = dir.resolve("out-" + i);
      ProcessBuilder builder =
          new ProcessBuilder(checkout.resolve("bin/submit").toString(), "--wait", "--", "call-" + i)
              .directory(work.toFile())
              .redirectOutput(output.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD);
      builder.environment().keySet().removeIf(name -> name.startsWith("GRID_"));
      builder
          .environment()
          .putAll(
              Map.of(
                  "GRID_URL",
                  "http://127.0.0.1:" + api.port(),
                  "GRID_TOKEN",
                  TOKEN,
                  "GRID_CLIENT_DIR",
                  clientDir.toString()));
      processes.add(builder.start());
      outputs.add(output);
    }
    for (int i = 0; i < processes.size(); i++) {
      assertThat(processes.get(i).waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(processes.get(i).exitValue()).isZero();
      assertThat(outputs.get(i)).hasContent("call-" + i);
    }
    assertThat(served()[0]).isEqualTo(servedBefore + 4);
  }
}
