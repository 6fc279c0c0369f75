package dev.grid.examples;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Submits a handful of shell jobs through {@link GridClient}, waits for all of them, and prints
 * where each ran and what it printed. Exits with the number of jobs that did not succeed.
 *
 * <p>Run it against a grid (for example the one {@code bin/grid-node} started):
 *
 * <pre>
 * export GRID_URL=http://127.0.0.1:18701,http://127.0.0.1:18702 GRID_TOKEN=$(cat token)
 * java -cp "examples/target/examples.jar:examples/target/lib/*" dev.grid.examples.SubmitAndWait 6
 * </pre>
 */
public final class SubmitAndWait {
  private SubmitAndWait() {}

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    try (GridClient client = GridClient.fromEnvironment()) {
      System.exit(run(client, jobs, System.out));
    }
  }

  /** Submits {@code jobs} jobs, waits, prints a line each; returns how many did not succeed. */
  public static int run(GridClient client, int jobs, PrintStream out) throws Exception {
    List<JobId> ids = new ArrayList<>();
    for (int i = 1; i <= jobs; i++) {
      // argv reaches the program as given: no shell quoting needed for "part $i of N".
      ids.add(
          client.submit(
              JobSpec.command(
                      "sh", "-c", "echo \"$1 on $GRID_NODE\"", "sh", "part " + i + " of " + jobs)
                  .withTimeout(Duration.ofMinutes(1))));
    }
    List<CompletableFuture<JobInfo>> done = ids.stream().map(client::completion).toList();
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    int failed = 0;
    for (CompletableFuture<JobInfo> f : done) {
      JobInfo job = f.join();
      String stdout = new String(client.stdout(job.id()), StandardCharsets.UTF_8).strip();
      out.printf("%s %-9s %s%n", job.id(), job.state(), stdout);
      if (job.state() != JobState.SUCCEEDED) {
        failed++;
      }
    }
    return failed;
  }
}
