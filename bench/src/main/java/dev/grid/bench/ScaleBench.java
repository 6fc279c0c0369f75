package dev.grid.bench;

import dev.grid.bench.scale.FloorDispatch;
import dev.grid.bench.scale.RecordSizes;
import dev.grid.bench.scale.ScaleSimulation;
import dev.grid.bench.scale.ScaleWorkload;
import dev.grid.scheduler.TaskBlock;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How far one primary's dispatch decisions go: the real planner and indexes ({@link
 * dev.grid.scheduler.InMemoryPrimary}, no Hazelcast) over a thousand simulated workers and a
 * million queued jobs, on simulated time ({@link ScaleSimulation}), in this JVM.
 *
 * <pre>
 * bin/bench scale                           # 1,000 workers, 1,000,000 jobs, 60 s of passes at most
 * bin/bench scale --workers 100 --jobs 100000
 * </pre>
 *
 * <p>Prints the heap the queued state takes (after a full GC, before and after the queue is
 * submitted), the first pass over the full queue and the steady state (decisions per second of the
 * passes' own time, and time per pass), the target (keeps up with {@value #TARGET_PER_SECOND}
 * dispatches a second) with PASS or MISS, and the ratio to the floor measured in the same run
 * ({@link FloorDispatch}: as many decisions by a bare round-robin over a FIFO). A small untimed
 * simulation runs first so that the timed one does not measure the JIT compiler. The simulation
 * checks its own decisions as it goes; a run with a violation prints it and no figures. Needs about
 * 2 GB of heap at the default sizes ({@code bin/bench} gives the JVM 3 GB).
 */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Measures the primary's dispatch decisions over simulated workers and a large queue,"
            + " in this JVM without Hazelcast.")
final class ScaleBench implements Callable<Integer> {
  /** Decisions a second the primary must keep up with. */
  static final double TARGET_PER_SECOND = 10_000;

  @Option(
      names = "--workers",
      defaultValue = "1000",
      description = "Simulated workers, 2 to 4 slots each (default ${DEFAULT-VALUE}).")
  int workers = 1000;

  @Option(
      names = "--jobs",
      defaultValue = "1000000",
      description =
          "Queued jobs, a tenth of them (at most 100,000) as one array's tasks"
              + " (default ${DEFAULT-VALUE}).")
  int jobs = 1_000_000;

  @Option(
      names = "--seconds",
      defaultValue = "60",
      description =
          "Time budget for the simulation (its passes and its workers); it stops early once every"
              + " job ran"
              + " (default ${DEFAULT-VALUE}).")
  int seconds = 60;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the simulated queue (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Spec CommandSpec spec;

  private final PrintStream out;

  ScaleBench() {
    this(System.out);
  }

  ScaleBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    check("--workers", workers, 1, 100_000, "workers");
    check("--jobs", jobs, 1, 10_000_000, "jobs");
    check("--seconds", seconds, 1, 3600, "seconds");
    Runtime runtime = Runtime.getRuntime();
    out.printf(
        Locale.ROOT,
        "machine: %d cores, Java %s, max heap %d MB%n",
        runtime.availableProcessors(),
        System.getProperty("java.version"),
        runtime.maxMemory() >> 20);
    warmUp();

    ScaleWorkload workload = new ScaleWorkload(workers, jobs, seed);
    long heapBefore = heapAfterGc();
    long loadStart = System.nanoTime();
    ScaleSimulation sim = new ScaleSimulation(workload, System::nanoTime);
    sim.load();
    long loadNanos = System.nanoTime() - loadStart;
    long heapQueued = heapAfterGc() - heapBefore;
    out.printf(
        Locale.ROOT,
        "workload: %,d workers (%,d slots), %,d jobs: %,d single jobs in 4 queues (2 limited),"
            + " an array of %,d tasks; indexed in %.1f s%n",
        workers,
        workload.totalSlots(),
        jobs,
        workload.singleJobs(),
        workload.arrayTasks(),
        loadNanos / 1e9);
    out.printf(
        Locale.ROOT,
        "heap of the queued state (records and the primary's indexes, after a full GC): %,d MB,"
            + " %,d bytes a job%n",
        heapQueued >> 20,
        heapQueued / jobs);

    long[] gcBefore = gcCountAndMillis();
    ScaleSimulation.Result r = sim.run(Duration.ofSeconds(seconds).toNanos());
    long[] gcAfter = gcCountAndMillis();
    if (r.violationCount() > 0) {
      out.printf(
          Locale.ROOT, "BROKEN RUN: %,d violations, no figures; the first:%n", r.violationCount());
      r.violations().forEach(v -> out.println("  " + v));
      return 1;
    }
    report(workload, r);
    out.printf(
        Locale.ROOT,
        "GC during the run (passes and the simulated workers): %,d collections, %.1f s%n",
        gcAfter[0] - gcBefore[0],
        (gcAfter[1] - gcBefore[1]) / 1e3);
    RecordSizes sizes = RecordSizes.measure();
    out.printf(
        Locale.ROOT,
        "serialized with the grid's Kryo (as the maps' backups and events carry them): a queued"
            + " job %,d B, an ended one %,d B; a block of %d tasks queued %,d B, ended %,d B%n",
        sizes.queuedJob(),
        sizes.endedJob(),
        TaskBlock.SIZE,
        sizes.queuedBlock(),
        sizes.endedBlock());
    return 0;
  }

  /** Collections and milliseconds spent collecting, over every collector, since the JVM began. */
  private static long[] gcCountAndMillis() {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  private void report(ScaleWorkload workload, ScaleSimulation.Result r) {
    long allNanos = 0;
    for (long n : r.passNanos()) {
      allNanos += n;
    }
    out.printf(
        Locale.ROOT,
        "ran: %,d of %,d jobs ended (%s) in %,d passes, %.0f s simulated, %.1f s in passes%n",
        r.ended(),
        workload.jobs(),
        r.complete() ? "all" : "time budget spent",
        r.passes(),
        r.simulatedMillis() / 1e3,
        allNanos / 1e9);
    double first = Figures.perSecond(r.passDecisions()[0], r.passNanos()[0]);
    out.printf(
        Locale.ROOT,
        "first pass over the full queue: %,d decisions in %.1f ms: %,.0f/s%n",
        r.passDecisions()[0],
        r.passNanos()[0] / 1e6,
        first);
    ScaleFigures.Steady steady =
        ScaleFigures.steady(r.passNanos(), r.passDecisions(), r.steadyPasses());
    out.printf(
        Locale.ROOT,
        "steady state (%,d passes after the first, while a tenth of the jobs or more waited):"
            + " %,d decisions, %,.0f/s; a pass p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
            + " %,.0f decisions a pass%n",
        steady.passes(),
        steady.decisions(),
        steady.perSecond(),
        steady.p50Nanos() / 1e6,
        steady.p99Nanos() / 1e6,
        steady.maxNanos() / 1e6,
        steady.decisions() / (double) Math.max(1, steady.passes()));

    int[] slots = workload.workerSlots();
    int decisions = (int) Math.max(1, Math.min(Integer.MAX_VALUE, steady.decisions()));
    FloorDispatch.run(slots, decisions, System::nanoTime); // warm-up
    double floor =
        Figures.perSecond(decisions, FloorDispatch.run(slots, decisions, System::nanoTime));
    out.printf(
        Locale.ROOT,
        "floor: %,d decisions by a round-robin over an array and a FIFO of ids: %,.0f/s;"
            + " steady state / floor: %.4f%n",
        decisions,
        floor,
        steady.perSecond() / floor);
    out.printf(
        Locale.ROOT,
        "target: keeps up with %,.0f dispatches a second: steady %,.0f/s %s, first pass %,.0f/s"
            + " %s%n",
        TARGET_PER_SECOND,
        steady.perSecond(),
        steady.perSecond() >= TARGET_PER_SECOND ? "PASS" : "MISS",
        first,
        first >= TARGET_PER_SECOND ? "PASS" : "MISS");
  }

  /** A small simulation, untimed, so that the timed run finds the planner compiled. */
  private static void warmUp() {
    ScaleSimulation sim = new ScaleSimulation(new ScaleWorkload(100, 20_000, 2), System::nanoTime);
    sim.load();
    sim.run(Duration.ofSeconds(3).toNanos());
  }

  /** The heap in use after a full collection (asked twice: one may leave finalizable objects). */
  static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private void check(String option, long value, long min, long max, String what) {
    if (value < min || value > max) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          String.format(
              Locale.ROOT,
              "%s %d is out of range: give %,d to %,d %s",
              option,
              value,
              min,
              max,
              what));
    }
  }
}
