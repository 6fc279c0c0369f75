package dev.grid.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.grid.launch.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as a user installs it: unpacked into an empty folder far from the checkout, a node
 * started with its {@code bin/grid-node --config FILE} and a flag over the file (its token and
 * cluster secret made with the package's {@code bin/grid-token}), a job submitted with its {@code
 * bin/submit --wait}. A {@code mvn} first on the PATH that only leaves a mark proves the scripts
 * never build. Every process started here is killed, with its descendants, whatever the outcome.
 */
@Tag("slow")
class PackageIT {
  private static final Duration READY = Duration.ofSeconds(40);
  private static final Duration COMMAND = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopEveryProcessStarted() throws InterruptedException {
    for (Process process : started) {
      List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
      tree.add(process.toHandle());
      tree.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle handle : tree) {
        handle.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> handle).join();
      }
    }
  }

  record Run(int code, String out, String err) {}

  @Test
  void an_unpacked_tarball_runs_a_node_from_its_config_file_and_its_client_submits_a_job()
      throws Exception {
    Path home = unpack();
    assertThat(home.resolve("bin/grid-node")).isExecutable();
    assertThat(home.resolve("bin/submit")).isExecutable();
    assertThat(home.resolve("lib/grid-node.jar")).isRegularFile();
    assertThat(home.resolve("lib/grid-cli.jar")).isRegularFile();
    assertThat(home.resolve("conf/grid.conf")).isRegularFile();
    assertThat(home.resolve("completion/grid.bash")).content().contains("_complete_submit");
    assertThat(home.resolve("systemd/grid-node.service")).content().contains("User=grid");
    assertThat(home.resolve("bin/demo")).doesNotExist();
    assertThat(home.resolve("pom.xml")).doesNotExist();
    List<String> installed = listing(home);

    List<Integer> ports = FreePorts.pick(3);
    int memberPort = ports.get(0);
    int filePort = ports.get(1);
    int flagPort = ports.get(2);
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Path token = etc.resolve("token");
    Run secrets =
        run(
            etc,
            Map.of(),
            home.resolve("bin/grid-token").toString(),
            "token",
            etc.resolve("cluster-secret").toString());
    assertThat(secrets.code()).as(secrets.err()).isZero();
    assertThat(secrets.out()).isEqualTo("token\n" + etc.resolve("cluster-secret") + "\n");
    assertThat(Files.readString(token)).matches("[0-9a-f]{64}\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token)))
        .isEqualTo("rw-------");
    // the shipped template (every line a comment) with this node's settings after it; relative
    // paths are the config file's folder's
    Path config = etc.resolve("grid.conf");
    List<String> lines = new ArrayList<>(Files.readAllLines(home.resolve("conf/grid.conf")));
    lines.addAll(
        List.of(
            "name = pkg1",
            "port = " + memberPort,
            "http-port = " + filePort,
            "data-dir = data",
            "token-file = token",
            "secret-file = cluster-secret",
            "join-timeout = 1s",
            "slots = 2"));
    Files.write(config, lines, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

    Process node =
        start(
            elsewhere,
            dir.resolve("node.log"),
            Map.of(),
            home.resolve("bin/grid-node").toString(),
            "--config",
            config.toString(),
            "--http-port",
            Integer.toString(flagPort));
    URI url = URI.create("http://127.0.0.1:" + flagPort);
    String secret = Files.readString(token).strip();
    await("the node's health on the flag's port")
        .atMost(READY)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!node.isAlive()) {
                fail("the node exited with " + node.exitValue() + ":\n" + log());
              }
              return health(url, secret) == 200;
            });

    Map<String, String> client =
        Map.of("GRID_URL", url.toString(), "GRID_TOKEN", secret, "GRID_CLIENT_DAEMON", "0");
    Run hello =
        run(
            elsewhere,
            client,
            home.resolve("bin/submit").toString(),
            "--wait",
            "--",
            "echo",
            "hello");
    assertThat(hello.code()).as(hello.err()).isZero();
    assertThat(hello.out()).isEqualTo("hello\n");
    assertThat(hello.err()).isEmpty();

    Run nodes = run(elsewhere, client, home.resolve("bin/nodes").toString());
    assertThat(nodes.code()).as(nodes.err()).isZero();
    assertThat(nodes.out())
        .as("the name from the file, the HTTP port from the flag")
        .contains("pkg1")
        .contains(":" + flagPort)
        .doesNotContain(":" + filePort);
    assertThat(health(URI.create("http://127.0.0.1:" + filePort), secret))
        .as("nothing listens on the file's port")
        .isEqualTo(-1);
    assertThat(etc.resolve("data")).as("beside the config file").isDirectory();
    assertThat(elsewhere.resolve("data")).doesNotExist();

    assertThat(dir.resolve("mvn-ran")).as("the scripts never build").doesNotExist();
    assertThat(listing(home)).as("nothing written into the install").isEqualTo(installed);
    try (Stream<Path> cache = Files.walk(dir.resolve("cache"))) {
      assertThat(cache.map(Path::getFileName).map(Path::toString))
          .as("the client's class-data archive, in the user's cache")
          .contains("grid-cli.jsa");
    }

    node.destroy(); // SIGTERM, as systemctl stop
    assertThat(node.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as(log()).isTrue();
    assertThat(node.exitValue()).as(log()).isZero();
  }

  private Path unpack() throws IOException, InterruptedException {
    Path tarball = Path.of(System.getProperty("grid.tarball", "missing: run through failsafe"));
    assertThat(tarball).as("built at package").isRegularFile();
    Path install = Files.createDirectories(dir.resolve("opt"));
    Run tar = run(install, Map.of(), "tar", "xzf", tarball.toString());
    assertThat(tar.code()).as(tar.err()).isZero();
    return install.resolve("grid-" + System.getProperty("grid.version"));
  }

  /** The environment of a user's shell: no Maven that works, a home and cache of the test's. */
  private Map<String, String> environment() throws IOException {
    Path fakeBin = Files.createDirectories(dir.resolve("fake-bin"));
    Path mvn = fakeBin.resolve("mvn");
    if (!Files.exists(mvn)) {
      Files.writeString(
          mvn,
          "#!/bin/sh\ntouch '" + dir.resolve("mvn-ran") + "'\nexit 1\n",
          StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwx------"));
    }
    return Map.of(
        "PATH", fakeBin + ":/usr/local/bin:/usr/bin:/bin",
        "JAVA_HOME", System.getProperty("java.home"),
        "HOME", Files.createDirectories(dir.resolve("home")).toString(),
        "XDG_CACHE_HOME", dir.resolve("cache").toString(),
        "LANG", "C.UTF-8");
  }

  private Process start(Path workDir, Path output, Map<String, String> env, String... command)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment());
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.redirectErrorStream(true).redirectOutput(output.toFile());
    Process process = builder.start();
    started.add(process);
    return process;
  }

  private Run run(Path workDir, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment());
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    started.add(process);
    assertThat(process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS))
        .as(String.join(" ", command) + " ended within " + COMMAND)
        .isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** The HTTP status of {@code GET /api/health}, or -1 if nothing answered. */
  private static int health(URI base, String token) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/api/health"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static List<String> listing(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.map(root::relativize).map(Path::toString).sorted().toList();
    }
  }

  private String log() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("node.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
