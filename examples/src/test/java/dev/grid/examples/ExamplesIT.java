package dev.grid.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.FreePorts;
import dev.grid.node.GridNode;
import dev.grid.node.NodeConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples as docs/JAVA.md runs them, on a three-node grid in this JVM: the packaged {@code
 * target/examples.jar} uploaded as {@code bin/submit --jar} does, and the cron script of {@code
 * scripts/}. Runs in {@code verify}, after the jar is built.
 */
@Tag("slow")
class ExamplesIT {
  private static final Duration JOB = Duration.ofSeconds(30);
  private static final String TOKEN = "examples-token";

  @TempDir static Path dir;
  private static final List<GridNode> nodes = new ArrayList<>();
  private static GridClient client;
  private static String jar;

  @BeforeAll
  static void startGrid() {
    Path examplesJar = Path.of("target/examples.jar");
    assertThat(examplesJar).as("the examples jar: run mvn -DskipTests package first").exists();
    String cluster = "examples-" + UUID.randomUUID();
    List<Integer> ports = List.of(freePort(), freePort(), freePort());
    List<String> members = ports.stream().map(p -> "127.0.0.1:" + p).toList();
    // Members wait for each other: each starts on a thread of its own, all at once.
    ExecutorService starters = Executors.newFixedThreadPool(ports.size());
    try {
      List<CompletableFuture<GridNode>> starting = new ArrayList<>();
      for (int i = 0; i < ports.size(); i++) {
        NodeConfig config =
            NodeConfig.local("n" + (i + 1), ports.get(i), dir.resolve("n" + (i + 1)), TOKEN, 2)
                .withMembers(members)
                .withClusterName(cluster);
        starting.add(CompletableFuture.supplyAsync(() -> GridNode.start(config), starters));
      }
      starting.forEach(f -> nodes.add(f.join()));
    } finally {
      starters.shutdown();
    }
    await().atMost(JOB).until(() -> nodes.stream().anyMatch(GridNode::isPrimary));
    client = GridClient.connect(nodes.stream().map(n -> URI.create(n.httpUrl())).toList(), TOKEN);
    jar = client.uploadJar(examplesJar);
  }

  @AfterAll
  static void stopGrid() {
    if (client != null) {
      client.close();
    }
    nodes.forEach(GridNode::close);
  }

  @Test
  void when_pi_samples_run_as_an_array_then_the_reducer_returns_the_estimate_of_their_draws() {
    long samples = 200_000;
    JobId array =
        client.submit(
            JobSpec.java(jar, PiSample.class.getName(), "" + samples)
                .withArray(ArraySpec.parse("0-3")));
    JobId reduce =
        client.submit(
            JobSpec.java(jar, PiReduce.class.getName()).withAfter(Dependencies.afterOk(array)));

    List<Hits> expected = new ArrayList<>();
    for (int index = 0; index < 4; index++) {
      expected.add(PiSample.sample(index, samples, () -> false));
    }
    double pi = PiReduce.estimate(PiReduce.total(expected));
    assertThat(awaitEnd(reduce)).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.result(reduce, Double.class))
        .isEqualTo(pi)
        .isCloseTo(Math.PI, Offset.offset(0.01));
    assertThat(client.result(JobId.of(array + "_2"), Hits.class)).isEqualTo(expected.get(2));
    assertThat(new String(client.stdout(reduce), StandardCharsets.UTF_8))
        .isEqualTo(
            String.format(
                "pi is about %.6f: %d of %d points inside, from 4 tasks%n",
                pi, PiReduce.total(expected).inside(), 4 * samples));
  }

  @Test
  void when_word_count_runs_over_a_folder_then_every_word_of_every_file_is_counted()
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("words/sub"));
    Files.writeString(folder.resolveSibling("a.txt"), "The cat sat.\nThe DOG, the end!\n");
    Files.writeString(folder.resolve("b.md"), "dog-dog; cat 42 élan\n");

    JobId id =
        client.submit(
            JobSpec.java(jar, WordCount.class.getName(), folder.getParent().toString(), "2"));

    assertThat(awaitEnd(id)).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.result(id, TreeMap.class))
        .isEqualTo(
            Map.of("the", 3L, "cat", 2L, "sat", 1L, "dog", 3L, "end", 1L, "42", 1L, "élan", 1L));
    assertThat(new String(client.stdout(id), StandardCharsets.UTF_8))
        .isEqualTo(
            "12 words, 7 distinct, in 2 files under "
                + folder.getParent()
                + "\n"
                + "      3 dog\n      3 the\n");
  }

  @Test
  void when_the_top_words_pipeline_is_scheduled_then_its_runs_print_the_top_words()
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("cron-words"));
    Files.writeString(folder.resolve("a.txt"), "b a b c b a\n");
    String script = Path.of("scripts/top-words.sh").toAbsolutePath().toString();

    client
        .schedules()
        .add(
            ScheduleSpec.of(
                "top-words", "@every 1s", JobSpec.command(script, folder.toString(), "2")));
    try {
      JobId first =
          await()
              .atMost(JOB)
              .until(
                  () ->
                      client.schedules().runs("top-words").stream()
                          .filter(r -> r.state() == JobState.SUCCEEDED)
                          .map(ScheduleRun::jobId)
                          .findFirst(),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(new String(client.stdout(first), StandardCharsets.UTF_8))
          .isEqualTo("      3 b\n      2 a\n");
    } finally {
      client.schedules().delete("top-words");
    }
  }

  private static JobState awaitEnd(JobId id) {
    await().atMost(JOB).until(() -> client.status(id).state().isTerminal());
    return client.status(id).state();
  }

  private static int freePort() {
    return FreePorts.one();
  }
}
