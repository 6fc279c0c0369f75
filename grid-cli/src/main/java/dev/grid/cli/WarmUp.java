package dev.grid.cli;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.api.internal.Json;
import dev.grid.api.internal.LightJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the {@link ResidentClient} does before it serves, so that its first calls are not slower
 * than a JVM of their own: it loads and runs once, on made-up values and without the grid, what
 * most calls use. picocli's models and the quick lines; the HTTP client, up to a refused
 * connection; reading the grid's JSON answers, and writing {@code --json}; the tables of {@code
 * bin/status}, {@code bin/jobs} and {@code bin/nodes}. About half a second of CPU, once.
 */
final class WarmUp {
  private static final List<String[]> LINES =
      List.of(
          new String[] {"submit", "--", "true"},
          new String[] {"submit", "--wait", "--timeout", "1s", "--", "true"},
          new String[] {"status", "j0-0", "--json"},
          new String[] {"jobs", "--state", "RUNNING"},
          new String[] {"logs", "j0-0", "--stderr"},
          new String[] {"schedule", "list", "--json"},
          new String[] {"nodes", "--help"});

  private WarmUp() {}

  static void run() {
    PrintStream sink =
        new PrintStream(OutputStream.nullOutputStream(), true, ResidentClient.STDOUT_CHARSET);
    for (String[] line : LINES) {
      GridCli.runsAlikeElsewhere(line);
    }
    Map<String, String> env =
        Map.of("GRID_URL", "http://127.0.0.1:" + closedPort(), "GRID_TOKEN", "warm-up");
    for (String[] line : List.of(new String[] {"nodes"}, new String[] {"jobs", "--json"})) {
      GridCli.run(line, env, Path.of("/"), sink, sink, false);
    }
    JobId id = JobId.of("j0-warm-up");
    JobEvent queued = new JobEvent(JobState.QUEUED, 1, null, 1, 1, "accepted");
    JobEvent ended = new JobEvent(JobState.SUCCEEDED, 2, "n1", 1, 1, null);
    JobInfo job =
        new JobInfo(
            id,
            JobState.SUCCEEDED,
            "n1",
            1,
            0,
            null,
            JobSpec.of(List.of("true")),
            1,
            2L,
            3L,
            0,
            0,
            false,
            List.of(queued, ended),
            null,
            null,
            null);
    for (JobInfo read : LightJson.jobInfos(Json.toBytes(List.of(job)))) {
      StatusCommand.print(read, sink);
      new Table("ID", "STATE").row(read.id(), read.state()).print(sink);
    }
    sink.println(Json.toPrettyString(job));
    NodeInfo node = new NodeInfo("n1", "http://127.0.0.1:1", true, 1, 4, 0);
    LightJson.nodeInfos(Json.toBytes(List.of(node)));
  }

  /** A loopback port nothing listens on: connecting to it is refused at once. */
  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      return 1;
    }
  }
}
