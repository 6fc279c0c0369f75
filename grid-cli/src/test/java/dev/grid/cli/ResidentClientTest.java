package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.cli.ResidentCaller.Answer;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ResidentClient} in this JVM, against a fake grid over HTTP, called over its socket as
 * {@code bin/_grid.sh} calls it ({@link ResidentCaller}). {@code ResidentClientProcessIT} runs the
 * {@code bin/} scripts against it and against JVMs of their own.
 */
class ResidentClientTest {
  private static final String TOKEN = "resident-token";
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(500);

  @TempDir Path dir;

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-fake-worker"));
  private final ExecutorService callers =
      Executors.newFixedThreadPool(8, r -> new Thread(r, "test-caller"));
  private final AtomicReference<JarStamp> jars = new AtomicReference<>(new JarStamp(List.of("1")));
  private final List<ResidentClient> started = new ArrayList<>();
  private HttpApi api;
  private Map<String, String> env;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env = new HashMap<>(Map.of("GRID_URL", "http://127.0.0.1:" + api.port(), "GRID_TOKEN", TOKEN));
    // the fake grid's worker: every job submitted ends at once, printing its command's words
    worker.scheduleWithFixedDelay(this::finishQueued, 5, 5, TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    started.forEach(ResidentClient::close);
    callers.shutdownNow();
    worker.shutdownNow();
    assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    api.close();
  }

  private void finishQueued() {
    for (JobInfo job : ops.jobs(Optional.of(JobState.QUEUED))) {
      List<String> argv = job.spec().argv();
      if (argv.isEmpty() || argv.get(0).equals("sleep")) {
        continue; // a Java job, or one that never ends
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

  private ResidentConfig config(Duration idle, CallRequest.Limits limits) {
    return config(idle, limits, 16);
  }

  private ResidentConfig config(Duration idle, CallRequest.Limits limits, int maxCalls) {
    return new ResidentConfig(
        dir.resolve("client"),
        "checkout",
        idle,
        REQUEST_TIMEOUT,
        maxCalls,
        limits,
        Map.of("TZ", "Europe/Paris"),
        jars::get,
        System::nanoTime,
        false);
  }

  private ResidentClient resident() throws IOException {
    return resident(config(Duration.ofMinutes(5), CallRequest.Limits.DEFAULT));
  }

  private ResidentClient resident(ResidentConfig config) throws IOException {
    ResidentClient client = ResidentClient.start(config);
    assertThat(client).isNotNull();
    started.add(client);
    return client;
  }

  /** What bash sends: the grid's variables and the time zone the resident client runs in. */
  private Map<String, String> callerEnv() {
    Map<String, String> sent = new HashMap<>(env);
    sent.put("TZ", "Europe/Paris");
    return sent;
  }

  private Answer direct(Path cwd, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        GridCli.run(
            args,
            callerEnv(),
            cwd,
            new PrintStream(out, true, ResidentClient.STDOUT_CHARSET),
            new PrintStream(err, true, ResidentClient.STDOUT_CHARSET),
            false);
    return new Answer(code, out.toByteArray(), err.toByteArray(), null);
  }

  private static void assertSame(Answer resident, Answer direct, String... args) {
    String line = String.join(" ", args);
    assertThat(resident.declined()).as(line).isNull();
    assertThat(resident.code()).as(line).isEqualTo(direct.code());
    assertThat(resident.out()).as(line).isEqualTo(direct.out());
    assertThat(resident.err()).as(line).isEqualTo(direct.err());
  }

  @Test
  void when_a_command_runs_through_the_resident_client_then_it_prints_what_it_prints_alone()
      throws Exception {
    ResidentClient resident = resident();
    JobId binary = ops.submit(JobSpec.of(List.of("sleep", "1")));
    byte[] bytes = new byte[3 * CallOutput.MAX_FRAME + 17]; // frames of every kind, and several
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i % 7 == 0 ? '\n' : i);
    }
    ops.finish(binary, JobState.FAILED, 2, "a message", bytes, "é\u0001\u007f\0\n".getBytes());
    Path cwd = Files.createDirectories(dir.resolve("work"));
    Files.writeString(cwd.resolve("token"), TOKEN);
    Files.write(cwd.resolve("app.jar"), new byte[] {1, 2, 3});
    List<String[]> lines =
        List.of(
            new String[] {"nodes"},
            new String[] {"jobs"},
            new String[] {"jobs", "--json"},
            new String[] {"status", binary.value()},
            new String[] {"logs", binary.value()},
            new String[] {"logs", "--stderr", binary.value()},
            new String[] {"status", "j-missing"},
            new String[] {"frobnicate"},
            new String[] {"submit", "--wait", "--", "fail", "a b", "ç"},
            new String[] {"submit", "--wait", "--token-file", "token", "--", "echo", "x"},
            new String[] {"submit", "--token-file", "missing", "--", "echo"},
            new String[] {"submit", "--jar", "missing.jar", "--class", "a.B"},
            new String[] {"jobs", "--limit", "1"},
            new String[] {"jobs", "--limit", "1", "--all", "--json"},
            new String[] {"jobs", "--limit", "0"});
    for (String[] args : lines) {
      assertSame(
          ResidentCaller.run(resident.stateLine(), cwd, callerEnv(), args),
          direct(cwd, args),
          args);
    }
    assertThat(
            ResidentCaller.run(resident.stateLine(), cwd, callerEnv(), "logs", binary.value())
                .out())
        .isEqualTo(bytes);
    assertThat(
            ResidentCaller.run(
                    resident.stateLine(),
                    cwd,
                    callerEnv(),
                    "submit",
                    "--token-file",
                    "token",
                    "--",
                    "x")
                .code())
        .as("a relative --token-file is read in the caller's directory")
        .isZero();
    Answer java =
        ResidentCaller.run(
            resident.stateLine(), cwd, callerEnv(), "submit", "--jar", "app.jar", "--class", "a.B");
    assertThat(java.code()).as("a relative --jar is read there too: " + java.errText()).isZero();
    assertThat(ops.jarPuts()).isEqualTo(1);
  }

  @Test
  void when_a_caller_lacks_the_secret_then_it_gets_nothing_and_nothing_runs() throws Exception {
    ResidentClient resident = resident();
    String[] state = resident.stateLine().strip().split(" ");
    String wrong = state[1].substring(0, 63) + (state[1].endsWith("0") ? "1" : "0");
    byte[] request = ResidentCaller.request(dir, callerEnv(), "submit", "--", "echo", "intruder");
    for (byte[] hello :
        List.of(
            ("GRIDC1 " + wrong + "\n").getBytes(StandardCharsets.US_ASCII),
            ("GRIDC1 " + state[2] + "\n").getBytes(StandardCharsets.US_ASCII), // the proof
            request)) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), resident.port())) {
        socket.getOutputStream().write(hello);
        socket.getOutputStream().write(request);
        socket.setSoTimeout((int) PATIENCE.toMillis());
        assertThat(socket.getInputStream().readAllBytes()).isEmpty();
      } catch (IOException reset) {
        // closed on us with unread bytes: nothing came back either
      }
    }
    assertThat(ops.submitted()).isEmpty();
    assertThat(ResidentCaller.run(resident.stateLine(), dir, callerEnv(), "nodes").code()).isZero();
  }

  @Test
  void when_a_request_is_too_large_or_too_slow_then_it_is_cut_off_before_it_runs()
      throws Exception {
    ResidentClient resident =
        resident(config(Duration.ofMinutes(5), new CallRequest.Limits(4096, 100, 10)));
    List<String> manyArgs = new ArrayList<>(List.of("submit", "--"));
    for (int i = 0; i < 101; i++) {
      manyArgs.add("a");
    }
    List<byte[]> all =
        List.of(
            ResidentCaller.request(dir, callerEnv(), "submit", "--", "echo", "x".repeat(5000)),
            ResidentCaller.request(dir, callerEnv(), manyArgs.toArray(String[]::new)),
            "run\0999999\0".getBytes(StandardCharsets.US_ASCII),
            "run\0".getBytes(StandardCharsets.US_ASCII)); // and then nothing: too slow
    for (byte[] request : all) {
      try (ResidentCaller caller = new ResidentCaller(resident.stateLine())) {
        caller.send(request);
        caller.socket().setSoTimeout((int) PATIENCE.toMillis());
        assertThatThrownBy(caller::answer).isInstanceOf(IOException.class);
      }
    }
    // a connection that never says hello is closed after the request timeout too
    try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), resident.port())) {
      idle.setSoTimeout((int) PATIENCE.toMillis());
      long before = System.nanoTime();
      assertThat(idle.getInputStream().read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(PATIENCE);
    }
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_calls_run_at_once_then_each_gets_its_own_output() throws Exception {
    ResidentClient resident = resident();
    List<Future<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String word = "call-" + i;
      answers.add(
          callers.submit(
              () ->
                  ResidentCaller.run(
                      resident.stateLine(), dir, callerEnv(), "submit", "--wait", "--", word)));
    }
    for (int i = 0; i < answers.size(); i++) {
      Answer answer = answers.get(i).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(answer.declined()).isNull();
      assertThat(answer.outText()).isEqualTo("call-" + i + "\n");
      assertThat(answer.errText()).isEqualTo("err call-" + i + "\n");
    }
  }

  @Test
  void when_more_calls_run_than_it_takes_then_the_next_is_declined() throws Exception {
    ResidentClient resident =
        resident(config(Duration.ofMinutes(5), CallRequest.Limits.DEFAULT, 2));
    List<ResidentCaller> waiting = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        ResidentCaller caller = new ResidentCaller(resident.stateLine());
        caller.send(ResidentCaller.request(dir, callerEnv(), "submit", "--wait", "--", "sleep"));
        waiting.add(caller);
      }
      await().atMost(PATIENCE).until(() -> resident.running() == 2);
      assertThat(ResidentCaller.run(resident.stateLine(), dir, callerEnv(), "nodes").declined())
          .isEqualTo("busy");
    } finally {
      for (ResidentCaller caller : waiting) {
        caller.close();
      }
    }
    await().atMost(PATIENCE).until(() -> resident.running() == 0);
    assertThat(ResidentCaller.run(resident.stateLine(), dir, callerEnv(), "nodes").code()).isZero();
  }

  @Test
  void when_the_caller_goes_away_then_its_wait_ends_in_the_resident_client() throws Exception {
    ResidentClient resident = resident();
    ResidentCaller caller = new ResidentCaller(resident.stateLine());
    caller.send(ResidentCaller.request(dir, callerEnv(), "submit", "--wait", "--", "sleep", "1"));
    await().atMost(PATIENCE).until(() -> resident.running() == 1 && ops.statusCalls() > 2);

    caller.close(); // Ctrl-C on bin/submit --wait

    await().atMost(PATIENCE).until(() -> resident.running() == 0);
    int polls = ops.statusCalls();
    await()
        .during(Duration.ofMillis(600)) // over two polls of a wait that went on
        .atMost(PATIENCE)
        .until(() -> ops.statusCalls() == polls);
  }

  @Test
  void when_the_jars_change_then_it_declines_and_makes_way_for_a_new_one() throws Exception {
    ResidentConfig config = config(Duration.ofMinutes(5), CallRequest.Limits.DEFAULT);
    ResidentClient resident = resident(config);
    assertThat(ResidentClient.start(config)).as("one per name").isNull();

    jars.set(new JarStamp(List.of("2"))); // a rebuild

    Answer answer = ResidentCaller.run(resident.stateLine(), dir, callerEnv(), "nodes");
    assertThat(answer.declined()).isEqualTo("stale");
    assertThat(resident.serving()).isFalse();
    assertThat(dir.resolve("client/checkout.state")).doesNotExist();
    ResidentClient next = resident(config);
    assertThat(next.stateLine()).isNotEqualTo(resident.stateLine());
    assertThat(dir.resolve("client/checkout.state")).hasContent(next.stateLine().strip());
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_line_would_print_unlike_a_jvm_of_its_own_then_it_is_declined() throws Exception {
    ResidentClient resident = resident();
    Map<String, String> otherZone = new HashMap<>(callerEnv());
    otherZone.put("TZ", "UTC");
    assertThat(ResidentCaller.run(resident.stateLine(), dir, otherZone, "nodes").declined())
        .isEqualTo("environment");
    Map<String, String> noZone = new HashMap<>(callerEnv());
    noZone.remove("TZ");
    assertThat(ResidentCaller.run(resident.stateLine(), dir, noZone, "nodes").declined())
        .isEqualTo("environment");
    for (String[] args :
        List.of(
            new String[] {"--help"},
            new String[] {"status", "-h"},
            new String[] {"schedule", "list", "--version"},
            new String[] {"submit", "-hV"},
            new String[] {"status", "@ids"})) {
      assertThat(ResidentCaller.run(resident.stateLine(), dir, callerEnv(), args).declined())
          .as(String.join(" ", args))
          .isEqualTo("line");
    }
    // help words a command passes on to the job are no help request
    assertThat(
            ResidentCaller.run(
                    resident.stateLine(), dir, callerEnv(), "submit", "--wait", "--", "x", "--help")
                .outText())
        .isEqualTo("x --help\n");
  }

  @Test
  void when_idle_or_stopped_then_it_stops_serving_and_removes_its_state() throws Exception {
    ResidentClient idle = resident(config(Duration.ofMillis(300), CallRequest.Limits.DEFAULT));
    Path state = dir.resolve("client/checkout.state");
    assertThat(state).exists();
    await().atMost(PATIENCE).until(() -> !idle.serving());
    assertThat(state).doesNotExist();
    assertThat(idle.awaitEnd(PATIENCE)).isTrue();

    ResidentClient stopped = resident();
    try (ResidentCaller caller = new ResidentCaller(stopped.stateLine())) {
      caller.send("status\0".getBytes(StandardCharsets.US_ASCII));
      assertThat(caller.answer().outText())
          .startsWith("running: pid " + ProcessHandle.current().pid());
    }
    try (ResidentCaller caller = new ResidentCaller(stopped.stateLine())) {
      caller.send("stop\0".getBytes(StandardCharsets.US_ASCII));
      assertThat(caller.answer().code()).isZero();
    }
    assertThat(stopped.serving()).isFalse();
    assertThat(state).doesNotExist();
    assertThat(stopped.awaitEnd(PATIENCE)).isTrue();
  }

  @Test
  void when_a_state_file_is_removed_then_the_resident_client_writes_it_again() throws Exception {
    ResidentClient resident = resident(config(Duration.ofSeconds(2), CallRequest.Limits.DEFAULT));
    Path state = dir.resolve("client/checkout.state");
    Files.delete(state);
    await()
        .atMost(PATIENCE)
        .untilAsserted(() -> assertThat(state).hasContent(resident.stateLine().strip()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void when_others_may_enter_its_directory_then_it_does_not_start() throws Exception {
    Path open = Files.createDirectories(dir.resolve("client"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-x---"));
    assertThatThrownBy(this::resident)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rwxr-x---")
        .hasMessageContaining("chmod 700");
    assertThat(open.resolve("checkout.state")).doesNotExist();
  }
}
