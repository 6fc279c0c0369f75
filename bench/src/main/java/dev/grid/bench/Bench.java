package dev.grid.bench;

import dev.grid.api.GridClient;
import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import dev.grid.scheduler.TaskBlock;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The grid's first benchmark, from one run: shell-job throughput of a local grid against a plain
 * ProcessBuilder pool on the same machine, submit-to-start latency, and an idle node's resident
 * memory, each with its target and PASS or MISS.
 *
 * <p>Run it from a checkout (it builds what is missing):
 *
 * <pre>
 * bin/bench                                   # 2000 jobs, 200 latency samples
 * bin/bench --jobs 5000 --latency-samples 500
 * bin/bench --baseline-only                   # just the ProcessBuilder pool
 * bin/bench --java-only --java-tasks 2000     # just Java tasks: raw executor, then the grid
 * bin/bench --java-only --baseline-only       # just the raw Hazelcast executor
 * bin/bench storage                           # just the blob store (see StorageBench)
 * bin/bench peers                             # the grid against db-scheduler, Quartz, JobRunr
 * bin/bench peers --jobs 200 --only grid,db-scheduler   # (see PeersBench)
 * </pre>
 *
 * or, once built with {@code mvn -q -DskipTests package}:
 *
 * <pre>
 * java -cp "bench/target/bench.jar:bench/target/lib/*" dev.grid.bench.Bench --jobs 2000
 * </pre>
 *
 * <p>What it does: (1) a pool of one thread per core spawns {@code true} N times (after a warm-up)
 * with ProcessBuilder: jobs/s, the physical limit here; (2) a {@link LocalGrid} of three node
 * processes with four slots each starts from the built jar, a warm-up runs, then N {@code true}
 * jobs are submitted through {@link GridClient} from a few client threads and awaited: jobs/s from
 * the first submit to the last end the grid recorded, and its ratio to (1) (target at least 0.50);
 * (3) jobs are submitted one at a time, each after the previous ended: the job's start time minus
 * the client's clock just before the submit, p50 and p99 (targets 20 and 20 ms), and the submit
 * call itself, p99 (target 5 ms); (4) the grid rests two seconds and each node's VmRSS is read from
 * {@code /proc} (target under 300 MB); (5) the blob store's write and read throughput against one
 * local file ({@link StorageBench}); (6) Java jobs: before the grid starts, {@code --java-tasks}
 * no-op tasks ({@link dev.grid.bench.job.NoOpJob}) are sent round-robin to three bare Hazelcast
 * member processes through the raw {@code IExecutorService} ({@link RawExecutorRun}); then the same
 * class, packed into a jar ({@link NoOpJar}) and uploaded with {@link GridClient#uploadJar}, runs
 * as one array of as many tasks on the grid ({@link JavaArrayRun}): tasks/s of each and their ratio
 * (target at least 0.50). Extra figures without a target say where the CPU went during (2): per
 * job, in the node JVMs, in the job processes they spawned, and in this JVM (the client), from
 * {@code /proc}; and during (6), per task, in the nodes and in the raw members. Node logs stay in
 * the printed directory when a run fails or {@code --dir} was given.
 *
 * <p>{@code bench peers} ({@link PeersBench}) runs alone: the grid against db-scheduler, Quartz
 * (JDBC, clustered) and JobRunr, three nodes each on one PostgreSQL it starts itself, jobs
 * submitted one at a time, with the grid's ratio to each.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    subcommands = {StorageBench.class, PeersBench.class, ScaleBench.class, GrowBench.class},
    description =
        "Measures the grid against a ProcessBuilder pool and the raw Hazelcast"
            + " executor on this machine.")
public final class Bench implements Callable<Integer> {
  @Option(
      names = "--jobs",
      defaultValue = "2000",
      description = "Jobs per throughput run (default ${DEFAULT-VALUE}).")
  int jobs;

  @Option(
      names = "--latency-samples",
      defaultValue = "200",
      description = "Sequential submits timed (default ${DEFAULT-VALUE}).")
  int latencySamples;

  @Option(
      names = "--warmup",
      defaultValue = "200",
      description = "Untimed jobs before each throughput run (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "Node processes (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--slots",
      defaultValue = "4",
      description = "Slots per node (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--client-threads",
      defaultValue = "4",
      description = "Threads submitting jobs (default ${DEFAULT-VALUE}).")
  int clientThreads;

  @Option(
      names = "--cron-fires",
      defaultValue = "100",
      description =
          "Cron fires timed, from five every-second schedules; 0 skips (default ${DEFAULT-VALUE}).")
  int cronFires;

  @Option(
      names = "--storage-rounds",
      defaultValue = "3",
      description =
          "Rounds of the blob store benchmark (as `bench storage`, about 30 s); 0 skips"
              + " (default ${DEFAULT-VALUE}).")
  int storageRounds;

  @Option(
      names = "--baseline-only",
      description =
          "Measure only the baselines: the ProcessBuilder pool, or with --java-only the"
              + " raw Hazelcast executor.")
  boolean baselineOnly;

  @Option(
      names = "--java-tasks",
      defaultValue = "100000",
      description =
          "Tasks in the timed array of no-op Java jobs, and no-op tasks sent to the raw"
              + " Hazelcast executor; 0 skips (default ${DEFAULT-VALUE}).")
  int javaTasks;

  @Option(
      names = "--java-warmup",
      defaultValue = "1000",
      description = "Untimed Java tasks before each Java run (default ${DEFAULT-VALUE}).")
  int javaWarmup;

  @Option(
      names = "--raw-window",
      defaultValue = "64",
      description = "Tasks in flight at once on the raw executor (default ${DEFAULT-VALUE}).")
  int rawWindow;

  @Option(
      names = "--java-only",
      description = "Measure only Java tasks: the raw executor, then the grid's array.")
  boolean javaOnly;

  @Option(
      names = "--node-jvm-option",
      paramLabel = "OPTION",
      description =
          "An extra JVM option for every node, e.g. -XX:StartFlightRecording=...;" + " repeatable.")
  List<String> nodeJvmOptions = new ArrayList<>();

  @Option(
      names = "--node-option",
      paramLabel = "OPTION",
      description = "An extra bin/grid-node option for every node, e.g. --cgroups=off; repeatable.")
  List<String> nodeOptions = new ArrayList<>();

  @Option(
      names = "--dir",
      description = "Directory for the nodes' data and logs (default: a fresh temporary one).")
  Path dir;

  @Spec CommandSpec spec;

  private static final int TICKS_PER_SECOND = 100;
  static final double QUIET_CORE_SHARE = 0.15;
  static final int QUIET_WAIT_SECONDS = 30;

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Bench());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("bench failed: " + e.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    checkPositive("--jobs", jobs);
    checkPositive("--latency-samples", latencySamples);
    checkPositive("--client-threads", clientThreads);
    checkPositive("--nodes", nodes);
    checkPositive("--slots", slots);
    checkPositive("--raw-window", rawWindow);
    if (javaTasks < 0 || javaWarmup < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--java-tasks " + javaTasks + " and --java-warmup " + javaWarmup + " must be 0 or more");
    }
    if (javaOnly && javaTasks == 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--java-only with --java-tasks 0 measures nothing: give a task count");
    }
    if (warmup < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--warmup " + warmup + " must be 0 or more");
    }
    Runtime runtime = Runtime.getRuntime();
    out.printf(
        Locale.ROOT,
        "machine: %d cores, %s %s, Java %s%n",
        runtime.availableProcessors(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.version"));

    double poolRate = 0;
    if (!javaOnly) {
      ProcessPool pool = new ProcessPool(runtime.availableProcessors());
      pool.run(warmup);
      poolRate = Figures.perSecond(jobs, pool.run(jobs));
      out.printf(
          Locale.ROOT,
          "baseline: ProcessBuilder pool of %d threads spawned `true` %d" + " times: %.0f jobs/s%n",
          pool.threads(),
          jobs,
          poolRate);
      if (baselineOnly) {
        return 0;
      }
    }
    Path base = dir != null ? dir : Files.createTempDirectory("grid-bench-");
    RawFigures raw = javaTasks > 0 ? measureRawExecutor(base.resolve("raw")) : null;
    if (baselineOnly) {
      if (dir == null) {
        deleteTree(base);
      }
      return 0;
    }
    try (LocalGrid grid = new LocalGrid(GridHome.find(), base, nodes, slots, nodeJvmOptions)) {
      for (int i = 0; i < nodes && !nodeOptions.isEmpty(); i++) {
        grid.withNodeOptions(i, nodeOptions);
      }
      long start = System.nanoTime();
      grid.start();
      out.printf(
          Locale.ROOT,
          "grid: %d nodes x %d slots up in %.1f s (logs in %s)%n",
          nodes,
          slots,
          (System.nanoTime() - start) / 1e9,
          base);
      if (!javaOnly) {
        try (GridClient client = GridClient.connect(grid.urls(), grid.token())) {
          measureGrid(new GridRun(client), poolRate, grid);
          if (cronFires > 0) {
            out.println(CronPrecision.measure(client, cronFires));
          }
        }
      }
      if (raw != null) {
        measureJava(grid, base, raw);
      }
      if (!javaOnly) {
        idleRss(grid);
      }
    }
    if (dir == null) {
      deleteTree(base); // kept if the run failed, for its logs
    }
    if (storageRounds > 0 && !javaOnly) {
      StorageBench storage = new StorageBench(out);
      storage.rounds = storageRounds;
      storage.run();
    }
    return 0;
  }

  static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private void measureGrid(GridRun run, double poolRate, LocalGrid grid) throws Exception {
    if (warmup > 0) {
      run.throughput(warmup, clientThreads);
    }
    long[] before = cpuTicks(grid);
    GridRun.Throughput result = run.throughput(jobs, clientThreads);
    long[] after = cpuTicks(grid);
    out.printf(
        Locale.ROOT,
        "grid run: %d jobs from %d client threads, states %s; submits took"
            + " %.2f s, the last job ended after %.2f s, the client saw it after %.2f s%n",
        result.jobs(),
        clientThreads,
        result.states(),
        result.submitNanos() / 1e9,
        (result.lastEndMillis() - result.firstSubmitMillis()) / 1e3,
        result.clientNanos() / 1e9);
    if (result.succeeded() != result.jobs()) {
      out.printf("warning: only %d of %d jobs succeeded%n", result.succeeded(), result.jobs());
    }
    out.println(Figures.throughputLine(result.perSecond(), poolRate));
    double msPerJob = 1000.0 / TICKS_PER_SECOND / result.jobs();
    out.println(
        Figures.cpuLine(
            (after[0] - before[0]) * msPerJob,
            (after[1] - before[1]) * msPerJob,
            (after[2] - before[2]) * msPerJob,
            Runtime.getRuntime().availableProcessors()));
    awaitQuiet(grid, result.jobs());
    GridRun.Latencies latencies = run.latencies(latencySamples);
    out.println(Figures.latencyLine(latencies.toStartMillis()));
    out.println(Figures.submitLine(latencies.submitMicros()));
  }

  /**
   * Waits until the nodes have gone quiet after the throughput run: the latencies are those of an
   * idle grid, and for some seconds after 2,000 jobs the nodes still write their records behind
   * (the submit call measured 3.1 ms at the median then, 1.4 ms once quiet). Quiet: the nodes
   * together used at most {@value #QUIET_CORE_SHARE} of a core over the last second (an idle
   * three-node grid uses about 0.08); at most {@value #QUIET_WAIT_SECONDS} s.
   */
  private void awaitQuiet(LocalGrid grid, int jobs) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(QUIET_WAIT_SECONDS);
    long first = cpuTicks(grid)[0];
    long last = first;
    double share;
    do {
      Thread.sleep(1000); // one second of the nodes' CPU per look
      long now = cpuTicks(grid)[0];
      share = (now - last) / (double) TICKS_PER_SECOND;
      last = now;
    } while (share > QUIET_CORE_SHARE && System.nanoTime() < deadline);
    out.printf(
        Locale.ROOT,
        "after the run (extra figure, no target): the nodes went quiet after %.0f s (%.2f of a"
            + " core over the last second), using %.1f ms of CPU per job meanwhile (records"
            + " written behind, not in the cpu figure above)%n",
        (System.nanoTime() - start) / 1e9,
        share,
        (last - first) * 1000.0 / TICKS_PER_SECOND / jobs);
  }

  /** The raw executor's rate and CPU per task (members, and this JVM that sends). */
  private record RawFigures(double perSecond, double membersMs, double clientMs) {}

  /** The raw Hazelcast executor on three member processes, before the grid starts. */
  private RawFigures measureRawExecutor(Path logDir) throws InterruptedException {
    long start = System.nanoTime();
    try (RawExecutorRun raw = RawExecutorRun.start(logDir, nodes)) {
      out.printf(
          Locale.ROOT,
          "raw executor: %d Hazelcast member processes up in %.1f s%n",
          nodes,
          (System.nanoTime() - start) / 1e9);
      if (javaWarmup > 0) {
        raw.run(javaWarmup, rawWindow);
      }
      long membersBefore = ticksOf(raw.pids());
      long clientBefore = ownTicks();
      RawExecutorRun.Result result = raw.run(javaTasks, rawWindow);
      double msPerTask = 1000.0 / TICKS_PER_SECOND / javaTasks;
      RawFigures figures =
          new RawFigures(
              result.perSecond(),
              (ticksOf(raw.pids()) - membersBefore) * msPerTask,
              (ownTicks() - clientBefore) * msPerTask);
      out.printf(
          Locale.ROOT,
          "raw executor run: %d no-op tasks round-robin over %d members, at"
              + " most %d in flight, in %.2f s: %.0f tasks/s%n",
          javaTasks,
          nodes,
          rawWindow,
          result.nanos() / 1e9,
          figures.perSecond());
      return figures;
    }
  }

  /** An array of no-op Java tasks through the grid, against the raw executor's rate. */
  private void measureJava(LocalGrid grid, Path base, RawFigures raw) throws Exception {
    // One request carries the whole array: give the node time to accept 100,000 records.
    try (GridClient client =
        GridClient.builder()
            .nodes(grid.urls())
            .token(grid.token())
            .requestTimeout(Duration.ofMinutes(10))
            .build()) {
      String jar = client.uploadJar(NoOpJar.write(base.resolve("jars")));
      JavaArrayRun run = new JavaArrayRun(client, jar);
      if (javaWarmup > 0) {
        run.run(javaWarmup);
      }
      long[] before = cpuTicks(grid);
      JavaArrayRun.Result result = run.run(javaTasks);
      long[] after = cpuTicks(grid);
      out.printf(
          Locale.ROOT,
          "grid java run: an array of %d no-op Java tasks (jar %s...) on %d"
              + " nodes x %d slots, tasks %s; the submit took %.2f s, the client saw the array end"
              + " after %.2f s (status polled every 1%% of the time so far, %d-%d ms)%n",
          result.tasks(),
          jar.substring(0, 12),
          nodes,
          slots,
          result.tasksByState(),
          result.submitNanos() / 1e9,
          result.nanos() / 1e9,
          JavaArrayRun.MIN_POLL_MILLIS,
          JavaArrayRun.MAX_POLL_MILLIS);
      if (result.succeeded() != result.tasks()) {
        out.printf(
            "warning: only %d of %d Java tasks succeeded%n", result.succeeded(), result.tasks());
      }
      out.println(Figures.javaLine(result.perSecond(), raw.perSecond()));
      double msPerTask = 1000.0 / TICKS_PER_SECOND / result.tasks();
      out.println(
          Figures.javaCpuLine(
              (after[0] - before[0]) * msPerTask,
              (after[2] - before[2]) * msPerTask,
              raw.membersMs(),
              raw.clientMs()));
      JavaArrayRun.DurableWrites writes = run.durableWrites(result.array(), result.tasks());
      out.printf(
          Locale.ROOT,
          "durable writes (extra figure, no target): %.2f blobs of records per task"
              + " block of %d tasks (written behind), %.4f per task, %.2f output blobs per task;"
              + " over %d tasks%n",
          writes.blockStores(),
          TaskBlock.SIZE,
          writes.storesPerTask(),
          writes.outputBlobs(),
          writes.sampled());
    }
  }

  private static long ticksOf(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Figures.cpuTicks(procFile(pid, "stat"))[0];
    }
    return sum;
  }

  private static long ownTicks() {
    return Figures.cpuTicks(procFile(ProcessHandle.current().pid(), "stat"))[0];
  }

  private void idleRss(LocalGrid grid) throws InterruptedException {
    List<String> names = new ArrayList<>();
    for (NodeProcess node : grid.nodes()) {
      names.add(node.name());
    }
    Thread.sleep(2000); // let the last jobs' buffers and threads settle
    out.println(Figures.rssRightAfterLine(names, rssOf(grid)));
    Thread.sleep((Figures.IDLE_SECONDS - 2) * 1000L);
    out.println(Figures.rssLine(names, rssOf(grid)));
  }

  private static List<Long> rssOf(LocalGrid grid) {
    List<Long> kib = new ArrayList<>();
    for (NodeProcess node : grid.nodes()) {
      kib.add(rssKib(node.pid()));
    }
    return kib;
  }

  /**
   * CPU ticks so far of the nodes, of the job processes they have reaped, and of this JVM. A tick
   * is 1/{@value #TICKS_PER_SECOND} s (USER_HZ, 100 on Linux).
   */
  private static long[] cpuTicks(LocalGrid grid) {
    long[] ticks = new long[3];
    for (NodeProcess node : grid.nodes()) {
      long[] t = Figures.cpuTicks(procFile(node.pid(), "stat"));
      ticks[0] += t[0];
      ticks[1] += t[1];
    }
    ticks[2] = Figures.cpuTicks(procFile(ProcessHandle.current().pid(), "stat"))[0];
    return ticks;
  }

  private static String procFile(long pid, String name) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/" + pid + "/" + name, e);
    }
  }

  private static long rssKib(long pid) {
    return Figures.vmRssKib(procFile(pid, "status"))
        .orElseThrow(() -> new IllegalStateException("no VmRSS in /proc/" + pid + "/status"));
  }

  private void checkPositive(String option, int value) {
    if (value < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + " " + value + " must be at least 1");
    }
  }
}
