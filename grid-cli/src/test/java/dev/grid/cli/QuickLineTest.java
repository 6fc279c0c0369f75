package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleSpec;
import dev.grid.node.http.FakeGridOperations;
import dev.grid.node.http.HttpApi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuickLine} against picocli: each command line it takes gives the same stdout, stderr and
 * exit code, and sends the grid the same, as when picocli parses it; the lines it must leave to
 * picocli are left.
 */
class QuickLineTest {
  private static final String TOKEN = "quick-token";

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private HttpApi api;
  private final Map<String, String> env = new HashMap<>();
  private JobId done;
  private JobId running;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    env.put("GRID_URL", "http://127.0.0.1:" + api.port());
    env.put("GRID_TOKEN", TOKEN);
    done = ops.submit(JobSpec.shell("echo hi; echo oops >&2"));
    ops.finish(
        done,
        JobState.SUCCEEDED,
        0,
        null,
        "hi\n".getBytes(StandardCharsets.UTF_8),
        "oops\n".getBytes(StandardCharsets.UTF_8));
    running = ops.submit(JobSpec.of(List.of("sleep", "100")));
    ops.addSchedule(
        new ScheduleSpec(
            "nightly",
            "30 2 * * *",
            "Europe/Paris",
            JobSpec.shell("backup.sh"),
            MisfirePolicy.ONCE,
            OverlapPolicy.ALLOW,
            ScheduleSpec.DEFAULT_MAX_CATCH_UP));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  /** As {@code main} runs it: the quick path if the line is one of its forms. */
  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = GridCli.run(args, env, print(out), print(err));
    return new Result(code, text(out), text(err));
  }

  /** Through picocli only, as before the quick path. */
  private Result runWithPicocli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = GridCli.newCommandLine(env, print(out), print(err)).execute(args);
    return new Result(code, text(out), text(err));
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  private static String text(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private boolean quick(String... args) {
    PrintStream sink = print(new ByteArrayOutputStream());
    return QuickLine.match(new GridCli(env, sink, sink), args) != null;
  }

  private void assertSameBothWays(String... args) {
    assertThat(run(args)).as(String.join(" ", args)).isEqualTo(runWithPicocli(args));
  }

  @Test
  void when_a_read_is_one_of_the_quick_forms_then_it_prints_what_picocli_printed() {
    List<String[]> lines =
        List.of(
            new String[] {"nodes"},
            new String[] {"jobs"},
            new String[] {"schedule", "list"},
            new String[] {"status", done.value()},
            new String[] {"status", running.value()},
            new String[] {"logs", done.value()},
            new String[] {"status", "j-missing"},
            new String[] {"logs", "j-missing"},
            new String[] {"cancel", "j-missing"});
    for (String[] args : lines) {
      assertThat(quick(args)).as(String.join(" ", args)).isTrue();
      assertSameBothWays(args);
    }
  }

  @Test
  void when_a_job_is_cancelled_the_quick_way_then_it_prints_what_picocli_printed() {
    Result quick = run("cancel", running.value());
    JobId other = ops.submit(JobSpec.of(List.of("sleep", "100")));
    Result picocli = runWithPicocli("cancel", other.value());

    assertThat(quick.code()).isZero();
    assertThat(quick)
        .isEqualTo(
            new Result(0, picocli.out().replace(other.value(), running.value()), picocli.err()));
  }

  @Test
  void when_a_command_is_submitted_the_quick_way_then_the_grid_gets_the_same_spec() {
    List<String[]> commands =
        List.of(
            new String[] {"true"},
            new String[] {"printf", "%s\n", "a 'b' $c", "--wait", "-x"},
            new String[] {"sh", "-c", "echo a", "--", "b"});
    for (String[] command : commands) {
      List<String> args = new ArrayList<>(List.of("submit", "--"));
      args.addAll(List.of(command));
      String[] line = args.toArray(String[]::new);
      assertThat(quick(line)).as(String.join(" ", line)).isTrue();

      Result quick = run(line);
      JobSpec quickSpec = ops.submitted().get(ops.submitted().size() - 1);
      Result picocli = runWithPicocli(line);
      JobSpec picocliSpec = ops.submitted().get(ops.submitted().size() - 1);

      assertThat(quickSpec).isEqualTo(picocliSpec);
      assertThat(quickSpec.argv()).containsExactly(command);
      assertThat(quick.code()).isZero().isEqualTo(picocli.code());
      assertThat(quick.out()).matches("j\\S+\n").isNotEqualTo(picocli.out()); // two jobs
      assertThat(quick.err()).isEqualTo(picocli.err()).isEmpty();
    }
  }

  @Test
  void when_the_token_or_the_grid_is_wrong_then_the_same_error_line_both_ways() throws IOException {
    env.put("GRID_TOKEN", "wrong");
    assertSameBothWays("nodes");
    assertSameBothWays("submit", "--", "true");
    env.remove("GRID_TOKEN");
    assertSameBothWays("jobs");
    assertSameBothWays("status", done.value());
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    env.put("GRID_TOKEN", TOKEN);
    env.put("GRID_URL", "http://127.0.0.1:" + closed);
    assertSameBothWays("schedule", "list");
    assertSameBothWays("logs", done.value());
    env.put("GRID_URL", "not a url");
    assertSameBothWays("nodes");
    assertThat(ops.submitted()).hasSize(2); // the two the setup made
  }

  @Test
  void when_a_line_has_options_or_is_not_exactly_a_quick_form_then_picocli_takes_it() {
    List<String[]> lines =
        List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"nodes", "--json"},
            new String[] {"nodes", "--help"},
            new String[] {"nodes", "extra"},
            new String[] {"jobs", "--state", "RUNNING"},
            new String[] {"status"},
            new String[] {"status", "a", "b"},
            new String[] {"status", "a b"},
            new String[] {"status", "-x"},
            new String[] {"status", "--url", env.get("GRID_URL")},
            new String[] {"status", "@ids"},
            new String[] {"logs", done.value(), "--stderr"},
            new String[] {"cancel"},
            new String[] {"schedule"},
            new String[] {"schedule", "list", "--json"},
            new String[] {"schedule", "runs", "nightly"},
            new String[] {"submit"},
            new String[] {"submit", "--"},
            new String[] {"submit", "--wait", "--"},
            new String[] {"submit", "true"},
            new String[] {"submit", "--", ""},
            new String[] {"submit", "--", "cat", "@list"},
            new String[] {"submit", "--timeout", "1s", "--", "true"},
            new String[] {"submit", "--wait", "--wait", "--", "true"},
            new String[] {"result", done.value()},
            new String[] {"frobnicate"});
    for (String[] args : lines) {
      assertThat(quick(args)).as(String.join(" ", args)).isFalse();
    }
    // the wrong ones among them read as before, and none sent a job
    for (String[] args :
        List.of(
            new String[] {"submit"},
            new String[] {"submit", "--"},
            new String[] {"submit", "--wait", "--"},
            new String[] {"submit", "--", ""},
            new String[] {"submit", "--wait", "--wait", "--", "true"},
            new String[] {"status", "a b"},
            new String[] {"status", "-x"})) {
      Result result = run(args);
      assertThat(result.code()).as(String.join(" ", args)).isEqualTo(GridCli.USAGE);
      assertThat(result).isEqualTo(runWithPicocli(args));
    }
    assertThat(ops.submitted()).hasSize(2); // the setup's
  }

  @Test
  void when_submit_waits_the_quick_way_then_it_is_taken() {
    assertThat(quick("submit", "--wait", "--", "true")).isTrue();
    assertThat(quick("submit", "--wait", "--", "sh", "-c", "exit 3")).isTrue();
  }
}
