package dev.grid.bench.scale;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import dev.grid.bench.scale.ScaleWorkload.Submit;
import dev.grid.scheduler.InMemoryPrimary;
import dev.grid.scheduler.InMemoryPrimary.JobWork;
import dev.grid.scheduler.InMemoryPrimary.TaskWork;
import dev.grid.scheduler.InMemoryPrimary.Work;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.PrimaryService;
import dev.grid.scheduler.TaskBlock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * The primary's dispatch decisions at scale, on simulated time: an {@link InMemoryPrimary} (the
 * real planner and indexes, no Hazelcast) fed a {@link ScaleWorkload}, with {@link SimWorker}s that
 * start what they are handed and end it after its run time.
 *
 * <p>Each step of {@value #STEP_MILLIS} simulated ms: the work whose time is up ends (its finish
 * written, the primary hears of it), the workers start waiting tasks in the slots that freed up,
 * the primary runs one pass, and the workers start what it handed them. Only the pass is timed: the
 * primary's own work (its events in, its decisions, its writes seen), and the records' updates that
 * entry processors would do where the records live, with no network. It runs until every job has
 * ended or the time budget is spent.
 *
 * <p>It checks what it is given as it goes, so that a broken run reports violations instead of a
 * rate: a job or task handed out twice, a job sent to a worker without a free slot or its labels or
 * room for its CPUs and memory, a queue holding more than its limit, a worker holding more tasks
 * than its slots times the deepest slice (64); and at the end of a complete run, a job or task not
 * SUCCEEDED.
 */
public final class ScaleSimulation {
  /** Simulated time between passes: the primary loop's tick. */
  static final long STEP_MILLIS = 100;

  /** The most tasks per slot a worker holds of a fast array ({@code PrimaryPlanner.MAX_DEPTH}). */
  static final int MAX_DEPTH = 64;

  /** Violations kept word for word; beyond these, only counted. */
  private static final int VIOLATIONS_KEPT = 20;

  /**
   * What a run measured.
   *
   * @param decisions jobs and tasks handed out
   * @param ended jobs and tasks that ended
   * @param passes passes run
   * @param passNanos each pass's time, in order
   * @param passDecisions each pass's decisions, in order
   * @param steadyPasses the passes counted as steady state: after the first, while a tenth of the
   *     jobs or more were still to be handed out
   * @param simulatedMillis simulated time covered
   * @param complete whether every job ended
   * @param violations what was wrong, the first {@value #VIOLATIONS_KEPT} of them
   * @param violationCount how many were wrong
   */
  public record Result(
      long decisions,
      long ended,
      int passes,
      long[] passNanos,
      int[] passDecisions,
      int steadyPasses,
      long simulatedMillis,
      boolean complete,
      List<String> violations,
      long violationCount) {}

  private final ScaleWorkload workload;
  private final LongSupplier ticker;
  private final Random durations;
  private final InMemoryPrimary primary =
      new InMemoryPrimary(1, PrimaryService.Settings.defaults());
  private final Map<String, SimWorker> workers = new HashMap<>();
  private final Map<String, Integer> queueLimits;
  private final Map<String, Integer> queueHeld = new HashMap<>();
  private final BitSet singlesOut = new BitSet();
  private final BitSet tasksOut = new BitSet();
  private final PriorityQueue<Running> running =
      new PriorityQueue<>(Comparator.comparingLong(Running::endAt));
  private final List<String> violations = new ArrayList<>();
  private long violationCount;
  private long decisions;
  private long ended;

  /** One piece of work running on a worker: a job, or tasks of one block started together. */
  private record Running(long endAt, long startAt, Work work, SimWorker worker, Resources need) {}

  /**
   * @param workload the grid and its queue
   * @param ticker nanoseconds, to time the passes ({@code System::nanoTime})
   */
  public ScaleSimulation(ScaleWorkload workload, LongSupplier ticker) {
    this(workload, ticker, 0);
  }

  /**
   * A simulation whose primary is told each worker has {@code extraSlots} more slots than the
   * worker has: a broken primary, for the test that proves the checks catch one.
   */
  ScaleSimulation(ScaleWorkload workload, LongSupplier ticker, int extraSlots) {
    this.workload = workload;
    this.ticker = ticker;
    this.durations = new Random(1);
    this.queueLimits = workload.queueLimits();
    for (ScaleWorkload.Worker w : workload.workerList()) {
      primary.addWorker(w.id(), w.node(), w.slots() + extraSlots, w.labels(), w.cpus(), w.memory());
      workers.put(w.id(), new SimWorker(w));
    }
    queueLimits.forEach(primary::limitQueue);
  }

  /** Submits the whole queue: the primary knows it before its first pass. */
  public void load() {
    for (Submit s : workload.submits()) {
      primary.submit(s.id(), s.spec(), s.submittedAtMillis());
    }
  }

  /** Runs passes until every job ended or {@code budgetNanos} of the ticker went by. */
  public Result run(long budgetNanos) {
    long start = ticker.getAsLong();
    long now = ScaleWorkload.START_MILLIS;
    List<Long> passNanos = new ArrayList<>();
    List<Integer> passDecisions = new ArrayList<>();
    int steady = 0;
    long total = workload.jobs();
    while (ended < total && ticker.getAsLong() - start < budgetNanos) {
      endDue(now);
      for (SimWorker w : workers.values()) {
        w.startWaiting(now);
      }
      boolean tail = total - decisions < total / 10;
      long before = ticker.getAsLong();
      List<Work> handed = primary.pass(now, now * 1_000_000);
      passNanos.add(ticker.getAsLong() - before);
      int n = 0;
      for (Work work : handed) {
        n += work.size();
        arrive(work);
      }
      passDecisions.add(n);
      decisions += n;
      if (passNanos.size() > 1 && !tail) {
        steady++;
      }
      for (Work work : handed) {
        workers.get(work.workerId()).startWaiting(now);
      }
      now += STEP_MILLIS;
    }
    boolean complete = ended == total;
    if (complete) {
      checkAllSucceeded();
    }
    return new Result(
        decisions,
        ended,
        passNanos.size(),
        passNanos.stream().mapToLong(Long::longValue).toArray(),
        passDecisions.stream().mapToInt(Integer::intValue).toArray(),
        steady,
        now - ScaleWorkload.START_MILLIS,
        complete,
        List.copyOf(violations),
        violationCount);
  }

  /** Work handed out by a pass reaches its worker: checked, then queued there. */
  private void arrive(Work work) {
    SimWorker w = workers.get(work.workerId());
    if (w == null) {
      violation("work sent to " + work.workerId() + ", which is no worker");
      return;
    }
    String queue;
    if (work instanceof JobWork j) {
      int i = ScaleWorkload.singleIndex(j.job());
      if (singlesOut.get(i)) {
        violation(j.job() + " handed out twice, the second time to " + w.spec.node());
      }
      singlesOut.set(i);
      Scheduling s = primary.record(j.job()).spec().schedulingOrDefault();
      queue = s.queueOrDefault();
      if (!s.runsOn(w.spec.labels())) {
        violation(j.job() + " needs " + s.constraintsOrNone() + ", sent to " + w.spec.node());
      }
      if (w.held >= w.spec.slots()) {
        violation(j.job() + " sent to " + w.spec.node() + ", which holds " + w.held + " already");
      }
      Resources need = s.resourcesOrNone();
      if (w.cpusHeld + need.cpus() > w.spec.cpus()
          || w.memoryHeld + need.memoryBytes() > w.spec.memory()) {
        violation(j.job() + " reserves " + need + ", more than " + w.spec.node() + " has left");
      }
      w.cpusHeld += need.cpus();
      w.memoryHeld += need.memoryBytes();
    } else {
      TaskWork t = (TaskWork) work;
      int block = Integer.parseInt(t.blockKey().substring(t.blockKey().lastIndexOf(':') + 1));
      for (int slot : t.slots()) {
        int index = block * TaskBlock.SIZE + slot;
        if (tasksOut.get(index)) {
          violation("task " + index + " handed out twice, the second time to " + w.spec.node());
        }
        tasksOut.set(index);
      }
      queue = Scheduling.DEFAULT_QUEUE;
      if (w.held + t.size() > w.spec.slots() * MAX_DEPTH) {
        violation(w.spec.node() + " was sent " + t.size() + " tasks holding " + w.held);
      }
    }
    w.held += work.size();
    int held = queueHeld.merge(queue, work.size(), Integer::sum);
    Integer limit = queueLimits.get(queue);
    if (limit != null && held > limit) {
      violation("queue " + queue + " holds " + held + " slots, over its limit of " + limit);
    }
    w.waiting.add(new Waiting(work));
  }

  /** Ends the work whose time is up, oldest first. */
  private void endDue(long now) {
    while (!running.isEmpty() && running.peek().endAt() <= now) {
      Running r = running.poll();
      primary.finish(r.work(), r.startAt(), r.endAt());
      SimWorker w = r.worker();
      int n = r.work().size();
      w.running -= n;
      w.held -= n;
      w.cpusHeld -= r.need().cpus();
      w.memoryHeld -= r.need().memoryBytes();
      String queue =
          r.work() instanceof JobWork j
              ? primary.record(j.job()).spec().schedulingOrDefault().queueOrDefault()
              : Scheduling.DEFAULT_QUEUE;
      queueHeld.merge(queue, -n, Integer::sum);
      ended += n;
    }
  }

  private void checkAllSucceeded() {
    for (int i = 0; i < workload.singleJobs(); i++) {
      JobRecord r = primary.record(ScaleWorkload.singleId(i));
      if (r.state() != JobState.SUCCEEDED || r.attempt() != 1) {
        violation(r.id() + " ended " + r.state() + " after " + r.attempt() + " attempts");
      }
    }
    int tasks = workload.arrayTasks();
    JobId array = JobId.of(ScaleWorkload.ARRAY_ID);
    for (int block = 0; block * TaskBlock.SIZE < tasks; block++) {
      TaskBlock b = primary.block(TaskBlock.key(array, block));
      for (int slot = 0; slot < TaskBlock.SIZE && block * TaskBlock.SIZE + slot < tasks; slot++) {
        if (b.state(slot) != JobState.SUCCEEDED || b.attempts()[slot] != 1) {
          violation(
              "task "
                  + (block * TaskBlock.SIZE + slot)
                  + " ended "
                  + b.state(slot)
                  + " after "
                  + b.attempts()[slot]
                  + " attempts");
        }
      }
    }
  }

  private void violation(String what) {
    violationCount++;
    if (violations.size() < VIOLATIONS_KEPT) {
      violations.add(what);
    }
  }

  /**
   * Work a worker holds and has not started all of: a job, or a slice's tasks from {@code next}.
   */
  private static final class Waiting {
    final Work work;
    int next;

    Waiting(Work work) {
      this.work = work;
    }
  }

  /** A worker: its slots run what it was handed, jobs and tasks in the order they came. */
  private final class SimWorker {
    final ScaleWorkload.Worker spec;
    final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    int running;
    int held;
    int cpusHeld;
    long memoryHeld;

    SimWorker(ScaleWorkload.Worker spec) {
      this.spec = spec;
    }

    /** Starts waiting work in the free slots. */
    void startWaiting(long now) {
      while (running < spec.slots() && !waiting.isEmpty()) {
        Waiting head = waiting.peek();
        if (head.work instanceof JobWork j) {
          waiting.poll();
          primary.start(j, now);
          Resources need = primary.record(j.job()).spec().schedulingOrDefault().resourcesOrNone();
          running++;
          running(new Running(now + ScaleWorkload.jobMillis(durations), now, j, this, need));
          continue;
        }
        TaskWork t = (TaskWork) head.work;
        int k = Math.min(spec.slots() - running, t.size() - head.next);
        int[] slots = Arrays.copyOfRange(t.slots(), head.next, head.next + k);
        int[] attempts = Arrays.copyOfRange(t.attempts(), head.next, head.next + k);
        head.next += k;
        if (head.next == t.size()) {
          waiting.poll();
        }
        TaskWork started =
            new TaskWork(t.blockKey(), t.array(), t.node(), t.workerId(), slots, attempts);
        primary.start(started, now);
        running += k;
        running(
            new Running(
                now + ScaleWorkload.taskMillis(durations), now, started, this, Resources.NONE));
      }
    }
  }

  private void running(Running r) {
    running.add(r);
  }
}
