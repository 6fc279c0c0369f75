package dev.grid.node;

import dev.grid.api.JobEvent;
import dev.grid.api.JobState;
import dev.grid.scheduler.CronOutcomes;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.PrimaryLease;
import dev.grid.scheduler.PrimaryService;
import dev.grid.storage.DiskUsage;
import dev.grid.storage.RepairStats;
import dev.grid.storage.ReplicatedBlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A node's metrics, served at {@code /metrics} in Prometheus' text format: each node has a registry
 * of its own (not Micrometer's global one: tests run several nodes in one JVM), every meter named
 * {@code grid_...} and tagged with the node's name. docs/OPERATIONS.md ("Metrics") lists them.
 *
 * <p>Cost: a scrape reads numbers the node keeps as it works (counters, the dispatcher's counts
 * after its last pass, the lease's view); nothing walks the jobs map or calls another member. The
 * one walk is of this node's blob directory, for its size, at most every {@link #DISK_EVERY}. On
 * the hot path a job costs two histogram records at its start and a counter at its end.
 *
 * <p>The scheduler and the store know nothing of Micrometer: they keep plain counts ({@link
 * dev.grid.scheduler.JobCounts}, {@link RepairStats}, ...) or tell a small listener ({@link
 * CronOutcomes}), and this class binds them to meters.
 */
final class NodeMetrics implements WorkerMetrics, CronOutcomes, AutoCloseable {
  /** How long the size of the blob directory is taken as known before it is walked again. */
  static final Duration DISK_EVERY = Duration.ofSeconds(30);

  /** Histogram buckets of the latencies: from a few milliseconds to minutes in a queue. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofMinutes(5),
    Duration.ofMinutes(15)
  };

  /** The states an unfinished job can be in: those the dispatcher counts. */
  private static final List<JobState> UNFINISHED = JobState.unfinished();

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Timer dispatchLatency;
  private final Timer startLatency;
  private final Timer taskStartLatency;
  private final Map<JobState, Counter> ended = new EnumMap<>(JobState.class);
  private final Counter becamePrimary;

  /** What function counters read: they hold it weakly, and a lambda made for them only would go. */
  private final List<Object> held = new ArrayList<>();

  NodeMetrics(String node) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", node);
    for (MeterBinder jvm :
        List.of(
            new JvmMemoryMetrics(),
            gc,
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics())) {
      jvm.bindTo(registry);
    }
    dispatchLatency =
        latency(
            "grid.job.dispatch.latency",
            "from a job's queueing (its submit, or a retry) to its dispatch to this node");
    startLatency =
        latency(
            "grid.job.start.latency",
            "from a job's submit to the start of an attempt on this node");
    taskStartLatency =
        latency(
            "grid.task.start.latency",
            "from an array's submit to the start of each of its tasks on this node (the time a task"
                + " waited in the array's queue)");
    for (JobState s : JobState.values()) {
      if (s.isTerminal()) {
        ended.put(
            s,
            Counter.builder("grid.jobs.ended")
                .description("jobs and arrays' tasks this node ran that reached this end state")
                .tag("state", s.name())
                .register(registry));
      }
    }
    becamePrimary =
        Counter.builder("grid.primary.acquired")
            .description("times this node became primary (failovers to it, and its first lease)")
            .register(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  /** The registry the HTTP API scrapes. */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Binds the node's parts: read when scraped, never written from here.
   *
   * @param lease the lease, which the node starts after this (null until then)
   */
  void bind(
      int slots,
      Worker worker,
      NodeOperations operations,
      PrimaryService primary,
      Supplier<PrimaryLease> lease,
      ReplicatedBlobStore blobs) {
    gauge("grid.slots", "job slots this node offers", w -> slots, worker);
    gauge("grid.slots.busy", "jobs running on this node now", Worker::runningCount, worker);
    counter(
        "grid.jobs.submitted",
        "jobs and arrays accepted through this node (an array counts once)",
        NodeOperations::submitted,
        operations);
    counter(
        "grid.jobs.dispatched",
        "jobs and tasks this node dispatched while primary",
        PrimaryService::dispatchedCount,
        primary);
    for (JobState s : UNFINISHED) {
      Gauge.builder("grid.jobs", primary, p -> p.counts().inState(s))
          .description("unfinished jobs by state as the primary sees them (0 on other nodes)")
          .tag("state", s.name())
          .strongReference(true)
          .register(registry);
    }
    gauge(
        "grid.queue.depth",
        "jobs and arrays' tasks waiting for a slot, as the primary sees them (0 on other nodes)",
        p -> p.counts().queueDepth(),
        primary);
    gauge("grid.primary", "1 while this node is primary, else 0", l -> isPrimary(l) ? 1 : 0, lease);
    gauge(
        "grid.primary.epoch",
        "the epoch (fencing token) of the lease this node holds, 0 if it is not primary",
        l -> l.get() == null ? 0 : l.get().epoch(),
        lease);
    counter(
        "grid.lease.renewals",
        "renewals of the lease this node held",
        l -> l.get() == null ? 0 : l.get().renewals(),
        lease);
    bindStorage(blobs);
  }

  private static boolean isPrimary(Supplier<PrimaryLease> lease) {
    PrimaryLease l = lease.get();
    return l != null && l.isPrimary();
  }

  private void bindStorage(ReplicatedBlobStore blobs) {
    held.add(blobs);
    DiskWalk disk = new DiskWalk(blobs);
    Gauge.builder("grid.blob.disk", disk, d -> d.usage().bytes())
        .description("bytes of blob copies on this node's disk (walked at most every 30 s)")
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
    gauge(
        "grid.blob.disk.copies",
        "blob copies on this node's disk (walked at most every 30 s)",
        d -> d.usage().copies(),
        disk);
    gauge(
        "grid.blob.under.replicated",
        "blobs the last repair pass run here found short of copies",
        b -> b.repairStats().underReplicated(),
        blobs);
    gauge(
        "grid.blob.lost",
        "blobs the last repair pass run here found with no good copy on a live node",
        b -> b.repairStats().lost(),
        blobs);
    counter(
        "grid.blob.repair.passes",
        "repair passes this node ran (as the coordinator)",
        b -> b.repairStats().passes(),
        blobs);
    repairs(blobs, "copy", RepairStats::copied);
    repairs(blobs, "record", RepairStats::recorded);
    repairs(blobs, "drop", RepairStats::dropped);
    repairs(blobs, "recopy", RepairStats::recopied);
  }

  private void repairs(ReplicatedBlobStore blobs, String action, ToLongFunction<RepairStats> n) {
    FunctionCounter.builder("grid.blob.repairs", blobs, b -> n.applyAsLong(b.repairStats()))
        .description(
            "repair actions by this node's passes: copy (one more copy), record (metadata"
                + " rebuilt), drop (a surplus or deleted copy), recopy (a damaged copy replaced)")
        .tag("action", action)
        .register(registry);
  }

  private <T> void gauge(String name, String description, ToDoubleFunction<T> value, T from) {
    Gauge.builder(name, from, value)
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  private <T> void counter(String name, String description, ToLongFunction<T> value, T from) {
    held.add(from);
    FunctionCounter.builder(name, from, x -> value.applyAsLong(x))
        .description(description)
        .register(registry);
  }

  /** This node became primary. */
  void becamePrimary() {
    becamePrimary.increment();
  }

  @Override
  public void started(JobRecord dispatched, long startedAtMillis) {
    // The times come from the record: the dispatch was stamped by the primary's clock, so across
    // nodes a skew shows here (a negative one is taken as 0).
    long queuedAt = dispatched.submittedAtMillis();
    long dispatchedAt = -1;
    List<JobEvent> history = dispatched.history();
    for (int i = history.size() - 1; i >= 0; i--) {
      JobEvent e = history.get(i);
      if (dispatchedAt < 0 && e.state() == JobState.DISPATCHED) {
        dispatchedAt = e.atMillis();
      } else if (dispatchedAt >= 0 && e.state() == JobState.QUEUED) {
        queuedAt = e.atMillis();
        break;
      }
    }
    if (dispatched.retryAtMillis() != null) {
      queuedAt = Math.max(queuedAt, dispatched.retryAtMillis()); // a backoff is no dispatch delay
    }
    if (dispatchedAt >= 0) {
      dispatchLatency.record(Math.max(0, dispatchedAt - queuedAt), TimeUnit.MILLISECONDS);
    }
    startLatency.record(
        Math.max(0, startedAtMillis - dispatched.submittedAtMillis()), TimeUnit.MILLISECONDS);
  }

  @Override
  public void tasksStarted(long arraySubmittedAtMillis, long startedAtMillis, int count) {
    long waited = Math.max(0, startedAtMillis - arraySubmittedAtMillis);
    for (int i = 0; i < count; i++) {
      taskStartLatency.record(waited, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void ended(JobState state) {
    Counter c = ended.get(state);
    if (c != null) {
      c.increment();
    }
  }

  @Override
  public void fired(String schedule) {
    cron("grid.cron.fires", "due times of the schedule that became jobs", schedule).increment();
  }

  @Override
  public void missed(String schedule, long count) {
    cron("grid.cron.missed", "due times of the schedule missed while no primary ran", schedule)
        .increment(count);
  }

  @Override
  public void skipped(String schedule) {
    cron(
            "grid.cron.skipped",
            "due times of the schedule skipped: its previous run had not ended",
            schedule)
        .increment();
  }

  /** A schedule's counter: schedules are few, made by the operator, so a tag each is bounded. */
  private Counter cron(String name, String description, String schedule) {
    return Counter.builder(name)
        .description(description)
        .tag("schedule", schedule)
        .register(registry);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /** The blob directory's size, walked again when a scrape finds it older than DISK_EVERY. */
  private static final class DiskWalk {
    private final ReplicatedBlobStore blobs;
    private DiskUsage last = new DiskUsage(0, 0);
    private long walkedAt;
    private boolean walked;

    DiskWalk(ReplicatedBlobStore blobs) {
      this.blobs = blobs;
    }

    synchronized DiskUsage usage() {
      long now = System.nanoTime();
      if (!walked || now - walkedAt >= DISK_EVERY.toNanos()) {
        walked = true;
        walkedAt = now;
        try {
          last = blobs.diskUsage();
        } catch (RuntimeException e) {
          // the store is closing, or the directory cannot be read: the last numbers stand
        }
      }
      return last;
    }
  }
}
