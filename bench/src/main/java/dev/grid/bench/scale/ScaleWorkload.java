package dev.grid.bench.scale;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The simulated grid of {@code bin/bench scale}: its workers and its queue, drawn from a seeded
 * random source so that two runs of one seed make the same decisions.
 *
 * <p>Workers have 2 to 4 slots; one in ten has the label {@code gpu}, each is in {@code zone=a} or
 * {@code zone=b}, and one in four declares 8 CPUs and 16 GiB (the others' are not counted). The
 * queue: one array of a tenth of the jobs (at most {@value ArraySpec#MAX_TASKS} tasks, submitted
 * halfway through), and single jobs: 60% in the default queue, 20% in {@code etl} (limited to a
 * quarter of the slots), 10% in {@code ml} (a tenth), 10% in {@code batch}; priority 0 for 70%, 10
 * for 15%, -10 for 10%, 100 for 5%; 5% need {@code gpu}, 5% need {@code zone=b}; 5% reserve 2 CPUs
 * and 2 GiB. They were submitted one a millisecond, the oldest first.
 */
public final class ScaleWorkload {
  /** The single jobs' run time in simulated milliseconds, drawn uniformly. */
  static final int JOB_MIN_MILLIS = 100;

  static final int JOB_MAX_MILLIS = 1000;

  /** An array task's run time in simulated milliseconds: short, so the array goes in slices. */
  static final int TASK_MIN_MILLIS = 20;

  static final int TASK_MAX_MILLIS = 40;

  /** Where the simulated clock starts (any wall-clock time would do). */
  static final long START_MILLIS = 1_800_000_000_000L;

  static final String ARRAY_ID = "array-0";

  /** One worker as its node declares itself. */
  record Worker(String id, String node, int slots, Set<String> labels, int cpus, long memory) {}

  /** One queued job or the array, as submitted. */
  record Submit(JobId id, JobSpec spec, long submittedAtMillis) {}

  private final int workers;
  private final int jobs;
  private final long seed;

  /**
   * @param workers how many workers
   * @param jobs how many jobs, the array's tasks counted one by one
   * @param seed the random source's seed
   */
  public ScaleWorkload(int workers, int jobs, long seed) {
    this.workers = workers;
    this.jobs = jobs;
    this.seed = seed;
  }

  public int jobs() {
    return jobs;
  }

  /** The array's tasks: a tenth of the jobs, at most {@value ArraySpec#MAX_TASKS}. */
  public int arrayTasks() {
    return Math.min(ArraySpec.MAX_TASKS, jobs / 10);
  }

  public int singleJobs() {
    return jobs - arrayTasks();
  }

  /** The slots of every worker together. */
  public int totalSlots() {
    return workerList().stream().mapToInt(Worker::slots).sum();
  }

  /** Each worker's slots, in order. */
  public int[] workerSlots() {
    return workerList().stream().mapToInt(Worker::slots).toArray();
  }

  List<Worker> workerList() {
    List<Worker> out = new ArrayList<>(workers);
    for (int i = 0; i < workers; i++) {
      Set<String> labels = new TreeSet<>();
      labels.add(i % 2 == 0 ? "zone=a" : "zone=b");
      if (i % 10 == 0) {
        labels.add("gpu");
      }
      boolean counted = i % 4 == 1;
      out.add(
          new Worker(
              "w" + i,
              String.format("n%05d", i),
              2 + i % 3,
              labels,
              counted ? 8 : Integer.MAX_VALUE,
              counted ? 16L << 30 : Long.MAX_VALUE));
    }
    return out;
  }

  /** The queue limits: {@code etl} a quarter of the slots, {@code ml} a tenth (at least 1). */
  Map<String, Integer> queueLimits() {
    int slots = totalSlots();
    return Map.of("etl", Math.max(1, slots / 4), "ml", Math.max(1, slots / 10));
  }

  /** The submits, oldest first; the array among them, halfway. */
  List<Submit> submits() {
    Random random = new Random(seed);
    int singles = singleJobs();
    long first = START_MILLIS - singles - 1;
    List<Submit> out = new ArrayList<>(singles + 1);
    for (int i = 0; i < singles; i++) {
      if (i == singles / 2 && arrayTasks() > 0) {
        out.add(array(first + i));
      }
      out.add(new Submit(singleId(i), single(random), first + i));
    }
    if (singles == 0 && arrayTasks() > 0) {
      out.add(array(first));
    }
    return out;
  }

  private Submit array(long at) {
    return new Submit(
        JobId.of(ARRAY_ID),
        JobSpec.command("true").withArray(ArraySpec.parse("0-" + (arrayTasks() - 1))),
        at);
  }

  static JobId singleId(int i) {
    return JobId.of("job-" + i);
  }

  /** The index of a single job from its id. */
  static int singleIndex(JobId id) {
    return Integer.parseInt(id.value().substring("job-".length()));
  }

  private static JobSpec single(Random random) {
    double q = random.nextDouble();
    String queue = q < 0.6 ? null : q < 0.8 ? "etl" : q < 0.9 ? "ml" : "batch";
    double p = random.nextDouble();
    int priority = p < 0.7 ? 0 : p < 0.85 ? 10 : p < 0.95 ? -10 : 100;
    double c = random.nextDouble();
    List<String> constraints = c < 0.05 ? List.of("gpu") : c < 0.10 ? List.of("zone=b") : null;
    Resources resources = random.nextDouble() < 0.05 ? new Resources(2, 2L << 30) : null;
    return JobSpec.command("sh", "-c", "exit 0")
        .withScheduling(
            new Scheduling(null, priority, false, queue, constraints, false, resources));
  }

  /** A single job's run time, simulated ms. */
  static long jobMillis(Random random) {
    return JOB_MIN_MILLIS + random.nextInt(JOB_MAX_MILLIS - JOB_MIN_MILLIS + 1);
  }

  /** An array task's run time, simulated ms. */
  static long taskMillis(Random random) {
    return TASK_MIN_MILLIS + random.nextInt(TASK_MAX_MILLIS - TASK_MIN_MILLIS + 1);
  }
}
