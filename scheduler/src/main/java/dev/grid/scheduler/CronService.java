package dev.grid.scheduler;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import dev.grid.scheduler.cron.CronSchedule;
import dev.grid.scheduler.cron.Misfires;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cron on the primary: Quartz (RAM store) built from the replicated {@code schedules} map when this
 * node becomes primary, and kept in step with it while it stays primary.
 *
 * <p>Exactly once. A due time becomes the job {@code cron.NAME.DUE_MILLIS}, created with
 * putIfAbsent, and its run record has the same key whoever writes it; so two primaries, a fire
 * handled twice, or a catch-up after a failover can never make two jobs of one due time. Each
 * schedule's last handled due time is replicated and only moves forward; a new primary starts from
 * it, and applies the schedule's misfire policy to the due times in between.
 *
 * <p>Early. A fire's job is made and handed to a worker {@link #EARLY} before its due time, and the
 * worker starts it at the due time ({@link JobRecord#notBeforeMillis}), so the writes and the
 * hand-over are done by then. An array, and a schedule whose overlap policy must see how the
 * previous run stands at the due time (forbid, replace, with that run not ended), fire at the due
 * time itself. Pausing or deleting a schedule cancels its fire made early whose due time has not
 * come.
 *
 * <p>Concurrency: each schedule is handled on one of a few threads ({@code grid-cron-N}, chosen by
 * its name), so its fires and catch-ups run one at a time in due-time order, while schedules due at
 * the same instant are handled side by side. Quartz only hands fires over.
 */
public final class CronService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CronService.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** Threads for schedules' work, at most; one schedule's work runs on one at a time. */
  private static final int WORKERS = 16;

  /** Due times older than this when handled follow the misfire policy; newer ones just run. */
  public static final Duration GRACE = Duration.ofSeconds(2);

  /**
   * How long before its due time a fire's job is made: enough for its writes and its hand-over to a
   * worker on a busy grid, little enough for a worker slot to wait on it.
   */
  public static final Duration EARLY = Duration.ofMillis(500);

  /** Work on one schedule taking longer than this is logged with where it waits. */
  static final Duration STALL_AFTER = Duration.ofSeconds(10);

  private final ScheduleTable schedules;
  private final JobTable jobs;
  private final Clock clock;
  private final LongPredicate holdsLease;
  private final String nodeName;
  private final HazelcastListeners listeners;
  private final CronOutcomes outcomes;
  private volatile Session session;
  private volatile boolean closed;

  /**
   * A service that fires nothing until {@link #activate}d. It listens to the schedules map from
   * here on, once (see {@link HazelcastListeners} for why not per session).
   */
  public CronService(
      String nodeName,
      ScheduleTable schedules,
      JobTable jobs,
      Clock clock,
      LongPredicate holdsLease) {
    this(nodeName, schedules, jobs, clock, holdsLease, CronOutcomes.NONE);
  }

  /** As the other constructor, telling {@code outcomes} what became of each due time. */
  public CronService(
      String nodeName,
      ScheduleTable schedules,
      JobTable jobs,
      Clock clock,
      LongPredicate holdsLease,
      CronOutcomes outcomes) {
    this.outcomes = outcomes;
    this.nodeName = nodeName;
    this.schedules = schedules;
    this.jobs = jobs;
    this.clock = clock;
    this.holdsLease = holdsLease;
    this.listeners = new HazelcastListeners("cron");
    listeners.onEntries(schedules.map(), new Changes(this));
  }

  /** A schedule changed on some node: the active session re-reads it. */
  private void changed(String name) {
    Session s = session;
    if (s != null && !s.stopped) {
      s.inTurn(name, "re-reading schedule '" + name + "'", () -> s.refresh(name));
    }
  }

  /** Starts firing schedules under {@code epoch}. */
  public synchronized void activate(long epoch) {
    if (closed || (session != null && session.epoch == epoch)) {
      return;
    }
    deactivate();
    try {
      session = new Session(epoch);
      session.start();
    } catch (SchedulerException | RuntimeException e) {
      LOG.error("cron could not start, epoch {}", epoch, e);
      deactivate();
    }
  }

  /** Stops firing; idempotent. */
  public synchronized void deactivate() {
    Session s = session;
    session = null;
    if (s != null) {
      s.stop();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    deactivate();
    listeners.close();
  }

  /** One epoch's cron: a Quartz scheduler and the threads that handle its fires. */
  private final class Session {
    final long epoch;

    /** Schedules whose catch-up is queued and not yet run. */
    final Set<String> catchUpQueued = ConcurrentHashMap.newKeySet();

    /** The catch-up pass and the first listing of the schedules. */
    final ScheduledExecutorService passes;

    /** The threads that run schedules' work (fires, refreshes, catch-ups). */
    final ThreadPoolExecutor workers;

    /** Each schedule's work, one piece at a time, in order; schedules side by side. */
    final KeyedSerialExecutor bySchedule;

    Scheduler quartz;

    /** Logs where a cron thread waits when one piece of work takes over 10 s. */
    final StallWatch watch = new StallWatch("cron", STALL_AFTER, System::nanoTime);

    volatile boolean stopped;

    Session(long epoch) {
      this.epoch = epoch;
      this.passes =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "grid-cron-pass");
                t.setDaemon(true);
                return t;
              });
      AtomicInteger threads = new AtomicInteger();
      this.workers =
          new ThreadPoolExecutor(
              WORKERS,
              WORKERS,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, "grid-cron-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      this.workers.allowCoreThreadTimeOut(true);
      this.bySchedule = new KeyedSerialExecutor(workers);
    }

    /**
     * Runs {@code task} after the schedule's earlier work, watched for stalls. Schedules do not
     * wait for each other: with a thread per hash stripe, five schedules due at the same second
     * shared four threads, and the fifth fire waited for another's whole handling.
     */
    void inTurn(String name, String what, Runnable task) {
      bySchedule.execute(
          name,
          () -> {
            try (StallWatch.Entry watched = watch.enter(what)) {
              task.run();
            }
          });
    }

    boolean live() {
      return !stopped && !closed && holdsLease.test(epoch);
    }

    void start() throws SchedulerException {
      Properties p = new Properties();
      p.setProperty(
          StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME,
          "grid-cron-" + nodeName + "-" + INSTANCES.incrementAndGet());
      p.setProperty("org.quartz.threadPool.threadCount", "2");
      p.setProperty("org.quartz.threadPool.threadNamePrefix", "grid-quartz");
      p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
      p.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
      p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
      quartz = new StdSchedulerFactory(p).getScheduler();
      quartz.setJobFactory((bundle, scheduler) -> new FireJob(this));
      // Listed on a cron thread, not here: starting makes no call that could wait on a member.
      passes.execute(
          () -> {
            try {
              for (ScheduleRecord r : schedules.records()) {
                inTurn(r.name(), "scheduling '" + r.name() + "'", () -> refresh(r.name()));
              }
            } catch (RuntimeException e) {
              LOG.warn("listing the schedules failed; the catch-up pass schedules each", e);
            }
          });
      passes.scheduleWithFixedDelay(
          () -> {
            try (StallWatch.Entry pass = watch.enter("the catch-up pass listing the schedules")) {
              catchUpAll();
            } catch (RuntimeException e) {
              // A failed pass must not cancel the next ones.
              LOG.warn("cron catch-up pass failed", e);
            }
          },
          1,
          1,
          TimeUnit.SECONDS);
      quartz.start();
      LOG.info("cron running on this primary, epoch {}", epoch);
    }

    void stop() {
      stopped = true;
      try {
        if (quartz != null) {
          quartz.shutdown(false);
        }
      } catch (SchedulerException e) {
        LOG.debug("stopping quartz failed", e);
      }
      passes.shutdownNow();
      workers.shutdownNow();
      watch.close();
      LOG.info("cron stopped, epoch {}", epoch);
    }

    /** Quartz's thread: hand the fire to the cron thread. */
    void quartzFired(String name, Instant due) {
      if (!stopped) {
        inTurn(name, "the fire of '" + name + "' due " + due, () -> handleDue(name, due));
      }
    }

    /** Re-reads one schedule: catches up, then (re)creates its Quartz trigger. */
    void refresh(String name) {
      try {
        quartz.deleteJob(JobKey.jobKey(name));
        Optional<ScheduleRecord> r = schedules.record(name);
        if (r.isPresent() && r.get().paused()) {
          // The pause itself cancels; a fire made while it was being written is cancelled here.
          schedules.cancelEarlyFire(r.get());
        }
        if (r.isEmpty() || r.get().paused() || !live()) {
          return;
        }
        ScheduleRecord now = catchUp(r.get(), clock.instant());
        CronSchedule cron = ScheduleTable.cron(now);
        Instant from = Instant.ofEpochMilli(Math.max(now.handledUntilMillis(), clock.millis()));
        Optional<Instant> first = cron.nextAfter(from);
        if (first.isEmpty()) {
          return;
        }
        // Handed over early; handleDue decides then whether the fire may be made then.
        trigger(name, first.get(), first.get().minus(EARLY));
      } catch (SchedulerException | RuntimeException e) {
        LOG.error("could not schedule '{}'", name, e);
      }
    }

    /**
     * The schedule's one Quartz trigger: the fire of {@code due}, handled {@code at} (Quartz fires
     * at once if that has passed). One trigger per due time, at the instant CronSchedule computed:
     * Quartz's own cron triggers get the repeated hour wrong when clocks go back. The next one is
     * set after each fire (handleDue -> refresh).
     */
    void trigger(String name, Instant due, Instant at) throws SchedulerException {
      JobKey key = JobKey.jobKey(name);
      quartz.deleteJob(key);
      Trigger trigger =
          TriggerBuilder.newTrigger()
              .withIdentity(name)
              .forJob(key)
              .startAt(Date.from(at))
              .withSchedule(
                  SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
              .build();
      quartz.scheduleJob(
          JobBuilder.newJob(FireJob.class)
              .withIdentity(key)
              .usingJobData("name", name)
              .usingJobData("due", due.toEpochMilli())
              .build(),
          trigger);
    }

    /**
     * Whether the next fire may be made before its due time: only a single job (an array's tasks
     * are started by their slices, which do not wait), and only if the overlap policy cannot depend
     * on how the previous run stands then (it allows overlap, or that run has ended, and an ended
     * run stays ended).
     */
    boolean mayFireEarly(ScheduleRecord r) {
      if (r.spec().job().array() != null) {
        return false;
      }
      if (r.spec().overlap() == OverlapPolicy.ALLOW || r.lastJobId() == null) {
        return true;
      }
      return jobs.get(r.lastJobId()).map(j -> j.state().isTerminal()).orElse(true);
    }

    /** The safety net, once a second: each schedule's late due times, on its own thread. */
    void catchUpAll() {
      Instant until = clock.instant().minus(GRACE);
      for (ScheduleRecord listed : schedules.records()) {
        if (!live()) {
          return;
        }
        String name = listed.name();
        if (listed.paused() || !catchUpQueued.add(name)) {
          continue; // its previous pass has not run yet: do not pile up
        }
        inTurn(
            name,
            "catching up '" + name + "'",
            () -> {
              catchUpQueued.remove(name);
              try {
                Optional<ScheduleRecord> r = schedules.record(name);
                if (r.isEmpty() || r.get().paused() || !live()) {
                  return;
                }
                catchUp(r.get(), until);
                if (!quartz.checkExists(JobKey.jobKey(name))) {
                  refresh(name); // a schedule whose trigger was lost (a failed refresh)
                }
              } catch (SchedulerException | RuntimeException e) {
                LOG.warn("catching up schedule '{}' failed; next pass retries", name, e);
              }
            });
      }
    }

    /** Handles every due time up to {@code until} that is not handled yet, per the policy. */
    ScheduleRecord catchUp(ScheduleRecord r, Instant until) {
      Instant handled = Instant.ofEpochMilli(r.handledUntilMillis());
      if (!until.isAfter(handled)) {
        return r;
      }
      Misfires.Plan plan =
          Misfires.plan(
              ScheduleTable.cron(r),
              handled,
              until,
              r.spec().misfire(),
              r.spec().maxCatchUp(),
              GRACE);
      long last = r.handledUntilMillis();
      JobId newestRan = null;
      String why =
          "no primary ran at its due time; misfire policy "
              + r.spec().misfire().name().toLowerCase(Locale.ROOT);
      for (int i = 0; i < plan.missed().size(); i++) {
        Instant missed = plan.missed().get(i);
        // Beyond the listing bound, the newest listed record counts the rest (newer still).
        String reason =
            i == plan.missed().size() - 1 && plan.missedNotListed() > 0
                ? why + "; and " + plan.missedNotListed() + " later due times, not listed"
                : why;
        // A fire cut short after creating its job (a crash, a failover) is not missed.
        JobId job = fireJobId(r.name(), missed.toEpochMilli());
        boolean ran = plan.missed().size() - i <= 100 && jobs.get(job).isPresent();
        if (ran) {
          newestRan = job;
        }
        schedules.recordRun(
            ran
                ? new ScheduleRunRecord(
                    r.name(), missed.toEpochMilli(), ScheduleRun.Outcome.STARTED, job, null)
                : new ScheduleRunRecord(
                    r.name(), missed.toEpochMilli(), ScheduleRun.Outcome.MISSED, null, reason));
        if (!ran) {
          outcomes.missed(r.name(), 1);
        }
        last = Math.max(last, missed.toEpochMilli());
      }
      if (plan.missedNotListed() > 0) {
        outcomes.missed(r.name(), plan.missedNotListed());
        LOG.warn(
            "schedule '{}': {} missed fires beyond the {} listed",
            r.name(),
            plan.missedNotListed(),
            plan.missed().size());
        // The unlisted ones lie between the listed ones and the first run (runs are newest).
        last = plan.run().isEmpty() ? until.toEpochMilli() : plan.run().get(0).toEpochMilli() - 1;
      }
      ScheduleRecord current = r;
      if (last > r.handledUntilMillis()) {
        // A fire cut short after creating its job is the latest run, for the overlap policy.
        schedules.advance(r.name(), last, newestRan, epoch);
        current = schedules.record(r.name()).orElse(r);
      }
      for (Instant due : plan.run()) {
        if (!live()) {
          return current;
        }
        current = fire(current, due.toEpochMilli());
      }
      return current;
    }

    void handleDue(String name, Instant due) {
      if (!live()) {
        return;
      }
      boolean next = true;
      try {
        Optional<ScheduleRecord> r = schedules.record(name);
        if (r.isEmpty() || r.get().paused() || due.toEpochMilli() <= r.get().handledUntilMillis()) {
          return;
        }
        // Anything Quartz skipped before this due time is caught up first, in order.
        ScheduleRecord current = catchUp(r.get(), due.minusMillis(1));
        if (clock.instant().isBefore(due) && !mayFireEarly(current)) {
          trigger(name, due, due); // made at the due time itself
          next = false;
          return;
        }
        fire(current, due.toEpochMilli());
      } catch (SchedulerException | RuntimeException e) {
        LOG.warn("fire of '{}' due {} failed; the catch-up pass retries it", name, due, e);
      } finally {
        if (next) {
          refresh(name);
        }
      }
    }

    /** One due time becomes one job (or a skip); returns the record as it now stands. */
    ScheduleRecord fire(ScheduleRecord r, long due) {
      if (due <= r.handledUntilMillis() || !live()) {
        return r;
      }
      String name = r.name();
      if (r.lastJobId() != null && r.spec().overlap() != OverlapPolicy.ALLOW) {
        Optional<JobRecord> previous = jobs.get(r.lastJobId());
        if (previous.isPresent() && !previous.get().state().isTerminal()) {
          switch (r.spec().overlap()) {
            case FORBID -> {
              schedules.recordRun(
                  new ScheduleRunRecord(
                      name,
                      due,
                      ScheduleRun.Outcome.SKIPPED,
                      null,
                      "overlap forbid: previous run "
                          + r.lastJobId()
                          + " was "
                          + previous.get().state()));
              schedules.advance(name, due, null, epoch);
              outcomes.skipped(name);
              return schedules.record(name).orElse(r);
            }
            case REPLACE -> jobs.cancel(r.lastJobId());
            default -> {}
          }
        }
      }
      JobId id = fireJobId(name, due);
      if (jobs.submitIfAbsent(id, fireSpec(r.spec()))) {
        outcomes.fired(name);
      }
      schedules.recordStartedAsync(
          new ScheduleRunRecord(name, due, ScheduleRun.Outcome.STARTED, id, null));
      schedules.advance(name, due, id, epoch);
      return new ScheduleRecord(
          r.spec(), r.createdAtMillis(), r.paused(), due, id, Math.max(epoch, r.epoch()));
    }
  }

  /** A fire's job: the schedule's job, named for the schedule ({@code bin/jobs --name NAME}). */
  static JobSpec fireSpec(ScheduleSpec schedule) {
    JobSpec job = schedule.job();
    Scheduling s = job.schedulingOrDefault();
    return job.withScheduling(
        new Scheduling(
            schedule.name(),
            s.priority(),
            false,
            s.queue(),
            s.constraints(),
            s.waitForLabel(),
            s.resources()));
  }

  /** The job a due time becomes: the same for every primary that fires it. */
  static JobId fireJobId(String schedule, long dueMillis) {
    return new CronFire(schedule, dueMillis).jobId();
  }

  /** The Quartz job of a schedule: hands the fire to the cron thread. */
  @DisallowConcurrentExecution
  public static final class FireJob implements Job {
    private final Session session;

    FireJob(Session session) {
      this.session = session;
    }

    @Override
    public void execute(JobExecutionContext context) {
      // The due time as computed, not Quartz's scheduled fire time: a trigger that fires late
      // (misfire "fire now") reports the late time as its scheduled one.
      session.quartzFired(
          context.getJobDetail().getJobDataMap().getString("name"),
          Instant.ofEpochMilli(context.getJobDetail().getJobDataMap().getLong("due")));
    }
  }

  /**
   * Schedule changes made on any node, re-read on the cron thread; a schedule loaded from the blob
   * store (a LOADED event, not an added one) is new to cron too.
   */
  private record Changes(CronService cron)
      implements EntryAddedListener<String, ScheduleRecord>,
          EntryUpdatedListener<String, ScheduleRecord>,
          EntryRemovedListener<String, ScheduleRecord>,
          EntryLoadedListener<String, ScheduleRecord> {
    @Override
    public void entryAdded(EntryEvent<String, ScheduleRecord> e) {
      changed(e.getKey());
    }

    @Override
    public void entryLoaded(EntryEvent<String, ScheduleRecord> e) {
      changed(e.getKey());
    }

    @Override
    public void entryUpdated(EntryEvent<String, ScheduleRecord> e) {
      // Advancing the last fire is an update too; only pause/resume needs a new trigger.
      if (e.getOldValue() == null
          || e.getValue() == null
          || e.getOldValue().paused() != e.getValue().paused()) {
        changed(e.getKey());
      }
    }

    @Override
    public void entryRemoved(EntryEvent<String, ScheduleRecord> e) {
      changed(e.getKey());
    }

    private void changed(String name) {
      cron.changed(name);
    }
  }
}
