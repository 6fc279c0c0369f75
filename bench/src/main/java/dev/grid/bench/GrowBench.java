package dev.grid.bench;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A grid that grows: many node processes on this machine, a few of them voters, every other a
 * worker that joins through them ({@code --voters}, {@code --join}).
 *
 * <pre>
 * bin/bench grow                     # 16 nodes, 3 voters, 1 slot each
 * bin/bench grow --nodes 8 --voters 3
 * </pre>
 *
 * <p>First the baseline, in the same run: a grid of as many nodes as voters, all voters, from the
 * start of its processes to one primary that every node names. Then the grown grid, the same way:
 * every process started at once, the time from the last start to one primary, a voter, with every
 * node listed (target: within {@value #TARGET_SECONDS} s), and its ratio to the baseline. Then jobs
 * ({@code sleep 0.2}) in rounds of one per slot until every node has run one (target: all do). Then
 * what a node costs: resident memory and threads of voters and workers, busy (right after the jobs)
 * and idle (after {@value #IDLE_SECONDS} s of rest).
 */
@Command(
    name = "grow",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measures a grid of many node processes, a few of them voters, on this machine: time to one"
            + " primary, jobs on every node, and what a voter and a worker cost.")
final class GrowBench implements Callable<Integer> {
  static final int TARGET_SECONDS = 60;
  private static final int IDLE_SECONDS = 20;
  private static final Duration START_WAIT = Duration.ofMinutes(3);
  private static final Duration JOB_WAIT = Duration.ofMinutes(2);

  @Option(
      names = "--nodes",
      defaultValue = "16",
      description = "Node processes (default ${DEFAULT-VALUE}).")
  int nodes = 16;

  @Option(
      names = "--voters",
      defaultValue = "3",
      description = "How many of them vote; the others are workers (default ${DEFAULT-VALUE}).")
  int voters = 3;

  @Option(
      names = "--slots",
      defaultValue = "1",
      description = "Slots per node (default ${DEFAULT-VALUE}).")
  int slots = 1;

  @Option(names = "--dir", description = "Directory for logs (default: a fresh temporary one).")
  Path dir;

  @Spec CommandSpec spec;

  private final PrintStream out;

  GrowBench() {
    this(System.out);
  }

  GrowBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    if (voters < 1 || voters > 9 || nodes < voters || nodes > 64 || slots < 1 || slots > 64) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "give --voters 1 to 9, --nodes from the voters to 64, --slots 1 to 64 (got --nodes "
              + nodes
              + " --voters "
              + voters
              + " --slots "
              + slots
              + ")");
    }
    Path base = dir != null ? dir : Files.createTempDirectory("grid-bench-grow-");
    out.printf(
        Locale.ROOT,
        "grow: %d node processes, %d voters, %d slot(s) each (logs in %s)%n",
        nodes,
        voters,
        slots,
        base);
    double baseline;
    try (LocalGrid small = grid(base.resolve("baseline"), voters, voters)) {
      baseline = secondsToOnePrimary(small);
    }
    out.printf(
        Locale.ROOT,
        "baseline: %d voters alone, one primary %.1f s after the last start%n",
        voters,
        baseline);
    try (LocalGrid grid = grid(base.resolve("grown"), nodes, voters)) {
      double seconds = secondsToOnePrimary(grid);
      out.printf(
          Locale.ROOT,
          "one primary: %.1f s after the last of %d starts (target <= %d s) %s; %.1fx the"
              + " baseline%n",
          seconds,
          nodes,
          TARGET_SECONDS,
          seconds <= TARGET_SECONDS ? "PASS" : "MISS",
          seconds / baseline);
      Map<String, Integer> perNode = jobsUntilEveryNodeRan(grid);
      boolean all = perNode.size() == nodes;
      out.printf(
          Locale.ROOT,
          "jobs on every node: %d of %d nodes ran jobs (target: all) %s; jobs per node %s%n",
          perNode.size(),
          nodes,
          all ? "PASS" : "MISS",
          perNode);
      out.println(costLine("busy (right after the jobs)", grid));
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(IDLE_SECONDS));
      out.println(costLine("idle (" + IDLE_SECONDS + " s later)", grid));
      return seconds <= TARGET_SECONDS && all ? 0 : 1;
    }
  }

  private LocalGrid grid(Path base, int count, int voting) {
    return new LocalGrid(GridHome.find(), base, count, slots, List.of()).withVoters(voting);
  }

  /** Starts every node at once; seconds from the last start to one primary every node lists. */
  private double secondsToOnePrimary(LocalGrid grid) throws Exception {
    long lastStart = System.nanoTime(); // the processes start within milliseconds of it
    grid.start(START_WAIT); // returns once every node answers its health check
    try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      long deadline = System.nanoTime() + START_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        if (onePrimary(client, grid.size())) {
          return (System.nanoTime() - lastStart) / 1e9;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    throw new IllegalStateException("no single primary within " + START_WAIT);
  }

  private static boolean onePrimary(GridClient client, int nodes) {
    try {
      List<NodeInfo> all = client.nodes();
      return all.size() == nodes
          && all.stream().filter(NodeInfo::primary).count() == 1
          && all.stream().filter(NodeInfo::primary).allMatch(n -> NodeInfo.VOTER.equals(n.role()));
    } catch (RuntimeException e) {
      return false; // no primary yet: the call may be refused
    }
  }

  /** Rounds of one short job per slot until every node has run one (or ten rounds). */
  private Map<String, Integer> jobsUntilEveryNodeRan(LocalGrid grid) throws Exception {
    Map<String, Integer> perNode = new TreeMap<>();
    try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      for (int round = 0; round < 10 && perNode.size() < grid.size(); round++) {
        List<JobId> ids = new ArrayList<>();
        for (int i = 0; i < grid.size() * slots; i++) {
          ids.add(client.submit(JobSpec.shell("sleep 0.2")));
        }
        for (JobId id : ids) {
          JobInfo done = client.completion(id).get(JOB_WAIT.toSeconds(), TimeUnit.SECONDS);
          if (done.state() != JobState.SUCCEEDED) {
            throw new IllegalStateException("job " + id + " ended " + done.state());
          }
          perNode.merge(done.node(), 1, Integer::sum);
        }
      }
    }
    return perNode;
  }

  /** Resident memory and threads of the voters and of the workers, now. */
  private String costLine(String when, LocalGrid grid) {
    List<long[]> voterCosts = new ArrayList<>();
    List<long[]> workerCosts = new ArrayList<>();
    for (int i = 0; i < grid.size(); i++) {
      String status = procStatus(grid.node(i).pid());
      long[] cost = {field(status, "VmRSS:") / 1024, field(status, "Threads:")};
      (i < voters ? voterCosts : workerCosts).add(cost);
    }
    return String.format(
        Locale.ROOT,
        "cost per node, %s (extra figure, no target): voters %s, workers %s",
        when,
        summary(voterCosts),
        summary(workerCosts));
  }

  private static String summary(List<long[]> costs) {
    if (costs.isEmpty()) {
      return "none";
    }
    long[] rss = costs.stream().mapToLong(c -> c[0]).sorted().toArray();
    long[] threads = costs.stream().mapToLong(c -> c[1]).sorted().toArray();
    return String.format(
        Locale.ROOT,
        "RSS %d-%d MB (median %d), threads %d-%d",
        rss[0],
        rss[rss.length - 1],
        rss[rss.length / 2],
        threads[0],
        threads[threads.length - 1]);
  }

  private static long field(String status, String name) {
    for (String line : status.split("\n")) {
      if (line.startsWith(name)) {
        return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + name + " in /proc/PID/status");
  }

  private static String procStatus(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "status"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/" + pid + "/status", e);
    }
  }
}
