package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java jobs from real jars, compiled by the test, on a two-node grid in one JVM: typed results,
 * jars that do not see each other, failures that stay inside their job.
 */
class JavaJobsClusterTest {
  private static final Duration JOB = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static TestGrid grid;
  private static GridClient client;
  private static Path jarA;
  private static Path jarB;

  private static final String STATS =
      """
      package com.example;
      public record Stats(String who, java.util.List<Long> values) {}
      """;
  private static final String ANSWER =
      """
      package com.example;
      import dev.grid.api.*;
      import java.util.*;
      public class Answer implements GridJob<Stats> {
        public Stats run(JobContext context) {
          List<Long> values = new ArrayList<>();
          for (String a : context.args()) values.add(Long.parseLong(a));
          context.log("summing %d values for %s", values.size(), context.jobId());
          return new Stats("A", values);
        }
        public List<Class<?>> resultTypes() { return List.of(Stats.class); }
      }
      """;
  private static final String SAME_A =
      """
      package com.example;
      import dev.grid.api.*;
      public class Same implements GridJob<String> {
        public String run(JobContext context) { return "from A"; }
      }
      """;
  private static final String SAME_B =
      """
      package com.example;
      import dev.grid.api.*;
      public class Same implements GridJob<String> {
        public String run(JobContext context) {
          return "from B; sees Answer: " + visible("com.example.Answer")
              + "; sees Hazelcast: " + visible("com.hazelcast.core.Hazelcast")
              + "; sees Kryo: " + visible("com.esotericsoftware.kryo.Kryo");
        }
        static boolean visible(String name) {
          try {
            Class.forName(name, false, Same.class.getClassLoader());
            return true;
          } catch (ClassNotFoundException e) {
            return false;
          }
        }
      }
      """;
  private static final String BOOM =
      """
      package com.example;
      import dev.grid.api.*;
      public class Boom implements GridJob<Long> {
        public Long run(JobContext context) { throw new IllegalStateException("bad input 42"); }
      }
      """;
  private static final String POLITE_ENDLESS =
      """
      package com.example;
      import dev.grid.api.*;
      public class PoliteEndless implements GridJob<Long> {
        public Long run(JobContext context) throws InterruptedException {
          while (true) { Thread.sleep(20); }
        }
      }
      """;

  /** Ignores interrupts and isCancelled(); gives up on its own after 15 s so tests stay clean. */
  private static final String STUBBORN =
      """
      package com.example;
      import dev.grid.api.*;
      public class Stubborn implements GridJob<Long> {
        public Long run(JobContext context) {
          long end = System.nanoTime() + 15_000_000_000L;
          while (System.nanoTime() < end) {
            try { Thread.sleep(50); } catch (InterruptedException ignored) { }
          }
          return 0L;
        }
      }
      """;

  /** A task of an array: returns its index, as a Stats to need a declared class. */
  private static final String INDEXED =
      """
      package com.example;
      import dev.grid.api.*;
      import java.util.*;
      public class Indexed implements GridJob<Stats> {
        public Stats run(JobContext context) {
          int index = context.arrayIndex().orElseThrow();
          return new Stats("task" + index, List.of((long) index * index));
        }
        public List<Class<?>> resultTypes() { return List.of(Stats.class); }
      }
      """;

  /** Reads its parents' results and returns them as one line. */
  private static final String GATHER =
      """
      package com.example;
      import dev.grid.api.*;
      public class Gather implements GridJob<String> {
        public String run(JobContext context) {
          return context.parentResults(Stats.class).toString()
              + (context.arrayIndex().isPresent() ? " in an array" : "");
        }
      }
      """;

  private static final String NOT_A_JOB =
      """
      package com.example;
      public class NotAJob { }
      """;

  @BeforeAll
  static void startGrid() {
    jarA =
        TestJars.build(
            dir,
            "a",
            Map.of(
                "com.example.Stats",
                STATS,
                "com.example.Answer",
                ANSWER,
                "com.example.Same",
                SAME_A,
                "com.example.Boom",
                BOOM,
                "com.example.PoliteEndless",
                POLITE_ENDLESS,
                "com.example.Stubborn",
                STUBBORN,
                "com.example.NotAJob",
                NOT_A_JOB,
                "com.example.Indexed",
                INDEXED,
                "com.example.Gather",
                GATHER));
    jarB = TestJars.build(dir, "b", Map.of("com.example.Same", SAME_B));
    grid = new TestGrid(dir.resolve("grid"), 2, 4).start();
    await().atMost(JOB).until(() -> grid.primaries().size() == 1);
    client =
        GridClient.connect(
            List.of(URI.create(grid.node(0).httpUrl()), URI.create(grid.node(1).httpUrl())),
            TestGrid.TOKEN);
  }

  @AfterAll
  static void stopGrid() {
    if (client != null) {
      client.close();
    }
    if (grid != null) {
      grid.close();
    }
  }

  private static JobInfo awaitEnd(JobId id) {
    await().atMost(JOB).until(() -> client.status(id).state().isTerminal());
    return client.status(id);
  }

  private static String stdout(JobId id) {
    return new String(client.stdout(id), StandardCharsets.UTF_8);
  }

  private static String stderr(JobId id) {
    return new String(client.stderr(id), StandardCharsets.UTF_8);
  }

  @Test
  void when_a_java_job_returns_a_record_then_the_client_gets_it_typed() throws Exception {
    String sha = client.uploadJar(jarA);
    JobId id = client.submit(JobSpec.java(sha, "com.example.Answer", "1", "2", "39"));

    JobInfo done = awaitEnd(id);
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    try (URLClassLoader mine = new URLClassLoader(new URL[] {jarA.toUri().toURL()})) {
      Class<?> stats = mine.loadClass("com.example.Stats");
      Object value = client.result(id, stats);
      assertThat(value).isInstanceOf(stats);
      assertThat(value.toString()).isEqualTo("Stats[who=A, values=[1, 2, 39]]");
    }
    assertThat(client.resultText(id)).isEqualTo("Stats[who=A, values=[1, 2, 39]]");
    assertThat(stdout(id)).isEqualTo("summing 3 values for " + id + "\n");
  }

  @Test
  void when_two_jars_have_a_class_of_the_same_name_then_each_job_runs_its_own() {
    String a = client.uploadJar(jarA);
    String b = client.uploadJar(jarB);
    List<JobId> fromA = new ArrayList<>();
    List<JobId> fromB = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fromA.add(client.submit(JobSpec.java(a, "com.example.Same")));
      fromB.add(client.submit(JobSpec.java(b, "com.example.Same")));
    }
    for (JobId id : fromA) {
      assertThat(awaitEnd(id).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(client.result(id, String.class)).isEqualTo("from A");
    }
    for (JobId id : fromB) {
      assertThat(awaitEnd(id).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(client.result(id, String.class))
          .isEqualTo("from B; sees Answer: false; sees Hazelcast: false; sees Kryo: false");
    }
  }

  @Test
  void when_a_job_throws_then_it_fails_with_the_cause_and_the_node_runs_the_next_job() {
    String sha = client.uploadJar(jarA);
    JobId id = client.submit(JobSpec.java(sha, "com.example.Boom"));

    JobInfo done = awaitEnd(id);
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.message())
        .contains("java.lang.IllegalStateException: bad input 42")
        .contains("com.example.Boom.run");
    assertThat(stderr(id))
        .contains("java.lang.IllegalStateException: bad input 42")
        .contains("com.example.Boom.run(Boom.java:4)");
    assertThatThrownBy(() -> client.result(id, Long.class)).hasMessageContaining("FAILED");
    assertShellJobsStillRun();
  }

  @Test
  void when_a_job_never_returns_then_it_times_out_and_the_node_runs_the_next_job() {
    String sha = client.uploadJar(jarA);
    JobId polite =
        client.submit(
            JobSpec.java(sha, "com.example.PoliteEndless").withTimeout(Duration.ofMillis(500)));
    JobId stubborn =
        client.submit(
            JobSpec.java(sha, "com.example.Stubborn").withTimeout(Duration.ofMillis(500)));

    JobInfo politeDone = awaitEnd(polite);
    assertThat(politeDone.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(politeDone.message())
        .startsWith("timed out after 500 ms")
        .doesNotContain("did not stop");
    JobInfo stubbornDone = awaitEnd(stubborn);
    assertThat(stubbornDone.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(stubbornDone.message()).contains("did not stop");
    assertShellJobsStillRun();
  }

  @Test
  void when_an_isolated_job_runs_then_its_result_comes_back_and_a_stubborn_one_is_killed()
      throws Exception {
    String sha = client.uploadJar(jarA);
    JobSpec answer = JobSpec.java(sha, "com.example.Answer", "5", "6");
    JobId value = client.submit(answer.withJava(answer.java().inChildJvm()));
    JobSpec stubborn = JobSpec.java(sha, "com.example.Stubborn").withTimeout(Duration.ofSeconds(2));
    JobId killed = client.submit(stubborn.withJava(stubborn.java().inChildJvm()));
    JobSpec boom = JobSpec.java(sha, "com.example.Boom");
    JobId threw = client.submit(boom.withJava(boom.java().inChildJvm()));

    assertThat(awaitEnd(value).state()).isEqualTo(JobState.SUCCEEDED);
    try (URLClassLoader mine = new URLClassLoader(new URL[] {jarA.toUri().toURL()})) {
      assertThat(client.result(value, mine.loadClass("com.example.Stats")).toString())
          .isEqualTo("Stats[who=A, values=[5, 6]]");
    }
    assertThat(stdout(value)).isEqualTo("summing 2 values for " + value + "\n");
    JobInfo killedDone = awaitEnd(killed);
    assertThat(killedDone.state()).isEqualTo(JobState.TIMED_OUT);
    assertThat(killedDone.message())
        .contains("process tree was killed")
        .doesNotContain("did not stop");
    JobInfo threwDone = awaitEnd(threw);
    assertThat(threwDone.state()).isEqualTo(JobState.FAILED);
    assertThat(threwDone.message()).contains("java.lang.IllegalStateException: bad input 42");
    assertThat(stderr(threw)).contains("com.example.Boom.run(Boom.java:4)");
  }

  @Test
  void when_a_job_ran_after_an_array_and_a_job_then_it_reads_their_results_in_order() {
    String sha = client.uploadJar(jarA);
    JobId array =
        client.submit(JobSpec.java(sha, "com.example.Indexed").withArray(ArraySpec.parse("1-3")));
    JobId single = client.submit(JobSpec.java(sha, "com.example.Answer", "7"));
    JobSpec gather =
        JobSpec.java(sha, "com.example.Gather").withAfter(Dependencies.afterOk(array, single));
    JobId inJvm = client.submit(gather);
    JobId isolated = client.submit(gather.withJava(gather.java().inChildJvm()));

    String expected =
        "[Stats[who=task1, values=[1]], Stats[who=task2, values=[4]],"
            + " Stats[who=task3, values=[9]], Stats[who=A, values=[7]]]";
    assertThat(awaitEnd(inJvm).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.result(inJvm, String.class)).isEqualTo(expected);
    assertThat(awaitEnd(isolated).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.result(isolated, String.class)).isEqualTo(expected);
    assertThatThrownBy(() -> client.resultText(array))
        .hasMessageContaining(
            "job "
                + array
                + " is an array: each of its tasks has a result (bin/result "
                + array
                + "_INDEX)");
  }

  @Test
  void when_an_isolated_task_of_an_array_runs_then_it_sees_its_index() {
    String sha = client.uploadJar(jarA);
    JobSpec indexed = JobSpec.java(sha, "com.example.Indexed").withArray(ArraySpec.parse("5"));
    JobId array = client.submit(indexed.withJava(indexed.java().inChildJvm()));
    JobId task = JobId.of(array.value() + "_5");

    assertThat(awaitEnd(task).state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(client.resultText(task)).isEqualTo("Stats[who=task5, values=[25]]");
  }

  @Test
  void when_a_parent_is_a_shell_job_then_reading_its_result_fails_naming_it() {
    String sha = client.uploadJar(jarA);
    JobId shell = client.submit(JobSpec.shell("echo no value"));
    JobId gather =
        client.submit(
            JobSpec.java(sha, "com.example.Gather").withAfter(Dependencies.afterOk(shell)));

    JobInfo done = awaitEnd(gather);
    assertThat(done.state()).isEqualTo(JobState.FAILED);
    assertThat(done.message())
        .contains("parent " + shell + " of job " + gather + " is a shell job and has no result");
  }

  @Test
  void when_a_running_java_job_is_cancelled_then_it_ends_cancelled() {
    String sha = client.uploadJar(jarA);
    JobId id = client.submit(JobSpec.java(sha, "com.example.PoliteEndless"));
    await().atMost(JOB).until(() -> client.status(id).state() == JobState.RUNNING);

    client.cancel(id);
    assertThat(awaitEnd(id).state()).isEqualTo(JobState.CANCELLED);
  }

  @Test
  void when_the_class_is_missing_or_not_a_job_then_the_job_fails_saying_so() {
    String sha = client.uploadJar(jarA);
    JobId missing = client.submit(JobSpec.java(sha, "com.example.Nope"));
    JobId notAJob = client.submit(JobSpec.java(sha, "com.example.NotAJob"));

    JobInfo missingDone = awaitEnd(missing);
    assertThat(missingDone.state()).isEqualTo(JobState.FAILED);
    assertThat(missingDone.message())
        .contains("class com.example.Nope is not in jar " + sha.substring(0, 12));
    JobInfo notAJobDone = awaitEnd(notAJob);
    assertThat(notAJobDone.state()).isEqualTo(JobState.FAILED);
    assertThat(notAJobDone.message()).contains("does not implement dev.grid.api.GridJob");
  }

  @Test
  void when_the_same_jar_is_submitted_again_then_nothing_is_uploaded() {
    Path jarC = TestJars.build(dir, "c", Map.of("com.example.Same", SAME_A));
    long before = storedJars();
    String first = client.uploadJar(jarC);
    assertThat(storedJars()).isEqualTo(before + 1);

    assertThat(client.uploadJar(jarC)).isEqualTo(first);
    assertThat(client.uploadJar(jarC)).isEqualTo(first);
    assertThat(storedJars()).isEqualTo(before + 1);
  }

  @Test
  void when_a_jar_was_never_uploaded_then_the_submit_is_refused() {
    assertThatThrownBy(() -> client.submit(JobSpec.java("cd".repeat(32), "com.example.Same")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no jar " + "cd".repeat(32));
  }

  private static long storedJars() {
    return grid.node(0).jarsStored() + grid.node(1).jarsStored();
  }

  private static void assertShellJobsStillRun() {
    for (int i = 0; i < 2; i++) {
      JobId shell = client.submit(JobSpec.shell("echo still here"));
      assertThat(awaitEnd(shell).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(stdout(shell)).isEqualTo("still here\n");
    }
  }
}
