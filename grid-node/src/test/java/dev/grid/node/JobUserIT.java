package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.launch.FreePorts;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import dev.grid.launch.NodeSettings;
import dev.grid.node.exec.JobUser;
import dev.grid.node.exec.TestJobUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node process started as root with {@code --job-user}: its shell jobs run as that user, in
 * scratch directories outside the data dir (the default, {@code /tmp/grid-jobs-NODE}) that go when
 * they end, and cannot read the node's data dir or token; a cancel leaves no process of the user; a
 * Java job runs in a child JVM as the user. Needs root (as CI has); skipped otherwise.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobUserIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration JOB = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private JobUser user;
  private NodeProcess node;
  private GridClient client;
  private Path tokenFile;
  private Path scratchRoot;

  @BeforeAll
  void startNode() throws Exception {
    user = TestJobUser.ensure();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, UUID.randomUUID() + "-" + UUID.randomUUID());
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    String name = "ju-" + UUID.randomUUID().toString().substring(0, 8);
    scratchRoot = scratchRootOf(name);
    node = start(name);
    client = GridClient.connect(List.of(node.url()), Files.readString(tokenFile).strip());
  }

  private static Path scratchRootOf(String nodeName) {
    return Path.of(System.getProperty("java.io.tmpdir"), "grid-jobs-" + nodeName);
  }

  /** A one-node grid of its own, as {@code bin/grid-node --job-user grid-test-job} starts it. */
  private NodeProcess start(String name) {
    List<Integer> ports = FreePorts.pick(2);
    NodeSettings settings =
        new NodeSettings(
                name,
                ports.get(0),
                ports.get(1),
                List.of(),
                dir.resolve(name),
                tokenFile,
                2,
                LocalGrid.NODE_JVM_OPTIONS)
            .withJoinTimeout(LocalGrid.JOIN_TIMEOUT)
            .withClusterName(name)
            .withNodeOptions(List.of("--job-user", TestJobUser.NAME));
    NodeProcess started = NodeProcess.start(settings);
    started.awaitReady(READY);
    return started;
  }

  @AfterAll
  void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
    deleteTree(scratchRoot);
  }

  private static void deleteTree(Path root) throws IOException {
    if (root != null && Files.exists(root)) {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private JobInfo ended(JobId id) throws Exception {
    return client.completion(id).get(JOB.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void a_shell_job_runs_as_the_user_outside_the_data_dir_and_cannot_read_the_nodes_files()
      throws Exception {
    Path dataDir = node.settings().dataDir();
    JobId id =
        client.submit(
            JobSpec.shell(
                "id -un; pwd; stat -c '%U %a' .; cat "
                    + tokenFile
                    + " "
                    + dataDir.resolve("cluster-secret")
                    + "; ls "
                    + dataDir
                    + "; exit 0"));

    assertThat(ended(id).state()).isEqualTo(JobState.SUCCEEDED);
    List<String> out = new String(client.stdout(id), StandardCharsets.UTF_8).lines().toList();
    String err = new String(client.stderr(id), StandardCharsets.UTF_8);
    assertThat(out).hasSize(3);
    assertThat(out.get(0)).isEqualTo(TestJobUser.NAME);
    Path scratch = Path.of(out.get(1));
    assertThat(scratch.getParent()).isEqualTo(scratchRoot);
    assertThat(scratch.startsWith(dataDir)).isFalse();
    assertThat(out.get(2)).isEqualTo(TestJobUser.NAME + " 700");
    assertThat(err.lines().filter(l -> l.contains("Permission denied"))).hasSize(3);
    assertThat(err).doesNotContain(Files.readString(tokenFile).strip());
    await()
        .atMost(JOB)
        .untilAsserted(() -> assertThat(scratch).as("removed after the job").doesNotExist());
  }

  @Test
  void a_cancel_leaves_no_process_of_the_user() throws Exception {
    JobId id = client.submit(JobSpec.shell("sleep 1000 & sleep 1000 & sleep 1000; wait"));
    await()
        .atMost(JOB)
        .until(() -> TestJobUser.processesOf(user.uid()).size() >= 4); // sh and three sleeps

    client.cancel(id);

    assertThat(ended(id).state()).isEqualTo(JobState.CANCELLED);
    await()
        .atMost(JOB)
        .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
  }

  @Test
  void a_node_killed_while_its_job_runs_leaves_no_process_of_the_user() throws Exception {
    String name = "ju-" + UUID.randomUUID().toString().substring(0, 8);
    try (NodeProcess doomed = start(name);
        GridClient toDoomed =
            GridClient.connect(List.of(doomed.url()), Files.readString(tokenFile).strip())) {
      toDoomed.submit(JobSpec.shell("sleep 1000 & sleep 1000 & sleep 1000; wait"));
      await()
          .atMost(JOB)
          .until(() -> TestJobUser.processesOf(user.uid()).size() >= 4); // sh and three sleeps

      doomed.kill(); // SIGKILL: its orphan guard's watcher kills the job's session

      await()
          .atMost(JOB)
          .untilAsserted(() -> assertThat(TestJobUser.processesOf(user.uid())).isEmpty());
    } finally {
      deleteTree(scratchRootOf(name));
    }
  }

  @Test
  void a_java_job_runs_in_a_child_jvm_as_the_user() throws Exception {
    // The child JVM runs as the job user: where the node's jars are out of that user's reach (a
    // checkout under a 0700 directory, as mktemp -d makes), it runs on copies the user can read.
    Path jar =
        TestJars.build(
            dir,
            "who",
            Map.of(
                "com.example.Who",
                """
                package com.example;
                import dev.grid.api.GridJob;
                import dev.grid.api.JobContext;
                public class Who implements GridJob<String> {
                  @Override public String run(JobContext context) {
                    return System.getProperty("user.name") + " pid " + ProcessHandle.current().pid();
                  }
                }
                """));
    String sha = client.uploadJar(jar);
    JobId id = client.submit(JobSpec.java(sha, "com.example.Who"));

    JobInfo info = ended(id);
    assertThat(info.state()).as(info.toString()).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.result(id, String.class))
        .startsWith(TestJobUser.NAME + " pid ")
        .isNotEqualTo(TestJobUser.NAME + " pid " + node.pid());
  }
}
