package dev.grid.examples;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bin/demo}: the grid's main job on this machine. Starts three node processes, runs shell
 * jobs that spread round-robin, SIGKILLs the primary, watches another take over, runs more jobs,
 * reads every output back (also those of jobs that ran on the killed node) and stops the nodes.
 * Exits 0 only if every step worked.
 */
public final class Demo {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private Demo() {}

  public static void main(String[] args) throws Exception {
    boolean keep = List.of(args).contains("--keep");
    Path dir = Files.createTempDirectory("grid-demo-");
    int status;
    try (LocalGrid grid = new LocalGrid(dir, 3, 2)) {
      status = run(grid);
    }
    if (!keep) {
      deleteTree(dir);
    } else {
      System.out.println("node logs and data kept in " + dir);
    }
    System.exit(status);
  }

  private static int run(LocalGrid grid) throws Exception {
    say("starting 3 nodes (2 slots each) under %s", grid.baseDir());
    grid.start(WAIT);
    try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      NodeInfo primary = awaitPrimary(client, null);
      printNodes(client);

      say("submitting 12 shell jobs");
      List<JobId> ids = new ArrayList<>();
      for (int i = 1; i <= 12; i++) {
        ids.add(
            client.submit(
                JobSpec.shell(
                    "echo \"job " + i + " ran on $GRID_NODE as $GRID_JOB_ID\"; sleep 0.3")));
      }
      List<JobInfo> first = awaitAll(client, ids);
      Map<String, Integer> perNode = new TreeMap<>();
      first.forEach(j -> perNode.merge(j.node(), 1, Integer::sum));
      say("all 12 succeeded; jobs per node: %s", perNode);

      NodeProcess victim =
          grid.nodes().stream()
              .filter(n -> n.name().equals(primary.name()))
              .findFirst()
              .orElseThrow();
      say(
          "SIGKILL the primary %s (pid %d, epoch %d)",
          victim.name(), victim.pid(), primary.epoch());
      long killedAt = System.nanoTime();
      victim.kill();
      NodeInfo next = awaitPrimary(client, primary.name());
      say(
          "%s took over with epoch %d after %d ms",
          next.name(), next.epoch(), (System.nanoTime() - killedAt) / 1_000_000);
      printNodes(client);

      say("submitting 6 more jobs to the surviving nodes");
      List<JobId> more = new ArrayList<>();
      for (int i = 13; i <= 18; i++) {
        more.add(
            client.submit(
                JobSpec.command(
                    "sh", "-c", "echo \"job $0 ran on $GRID_NODE\"", Integer.toString(i))));
      }
      awaitAll(client, more);
      ids.addAll(more);

      say("reading every job's output back:");
      int missing = 0;
      for (JobId id : ids) {
        JobInfo job = client.status(id);
        String out = new String(client.stdout(id), StandardCharsets.UTF_8).strip();
        String mark = job.node().equals(victim.name()) ? "  (its node was killed)" : "";
        System.out.printf("  %-22s %-9s %s%s%n", id, job.state(), out, mark);
        if (job.state() != JobState.SUCCEEDED || out.isEmpty()) {
          missing++;
        }
      }
      if (missing > 0) {
        say("FAILED: %d job(s) did not succeed or lost their output", missing);
        return 1;
      }
      say("every job succeeded and every output was read back; stopping the nodes");
      return 0;
    }
  }

  private static List<JobInfo> awaitAll(GridClient client, List<JobId> ids) throws Exception {
    List<CompletableFuture<JobInfo>> futures = ids.stream().map(client::completion).toList();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return futures.stream().map(CompletableFuture::join).toList();
  }

  private static NodeInfo awaitPrimary(GridClient client, String notThis) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        List<NodeInfo> primaries =
            client.nodes().stream()
                .filter(NodeInfo::primary)
                .filter(n -> !n.name().equals(notThis))
                .toList();
        if (primaries.size() == 1) {
          return primaries.get(0);
        }
      } catch (RuntimeException e) {
        // a node may be going away; ask again
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    throw new IllegalStateException("no primary within " + WAIT);
  }

  private static void printNodes(GridClient client) {
    System.out.printf(
        "  %-6s %-8s %-8s %-10s %-6s %s%n", "NODE", "PRIMARY", "ROLE", "EPOCH", "SLOTS", "URL");
    for (NodeInfo n : client.nodes()) {
      System.out.printf(
          "  %-6s %-8s %-8s %-10d %-6d %s%n",
          n.name(),
          n.primary() ? "yes" : "no",
          n.role() == null ? "-" : n.role(),
          n.epoch(),
          n.slots(),
          n.httpUrl());
    }
  }

  private static void say(String format, Object... args) {
    System.out.printf("demo: " + format + "%n", args);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
