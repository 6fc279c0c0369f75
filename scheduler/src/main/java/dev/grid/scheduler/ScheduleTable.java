package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import dev.grid.api.JobId;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.scheduler.cron.CronSchedule;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated {@code schedules} and {@code schedule-runs} maps: what every node uses to add,
 * list, pause and delete schedules and to read what their fires became.
 */
public final class ScheduleTable {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleTable.class);

  /** Schedules by name. */
  public static final String SCHEDULES_MAP = "schedules";

  /** What each due time became, by {@code name@fireMillis}. */
  public static final String RUNS_MAP = "schedule-runs";

  private final IMap<String, ScheduleRecord> schedules;
  private final IMap<String, ScheduleRunRecord> runs;
  private final JobTable jobs;
  private final Clock clock;

  public ScheduleTable(HazelcastInstance hz, JobTable jobs, Clock clock) {
    this.schedules = hz.getMap(SCHEDULES_MAP);
    this.runs = hz.getMap(RUNS_MAP);
    this.jobs = jobs;
    this.clock = clock;
  }

  /** The parsed timing of a schedule; @every counts from its creation. */
  public static CronSchedule cron(ScheduleRecord r) {
    return CronSchedule.parse(
        r.spec().cron(), r.spec().zone(), Instant.ofEpochMilli(r.createdAtMillis()));
  }

  /**
   * Adds a schedule after checking its cron expression and zone (a bad one is refused naming it,
   * and nothing is stored); refuses a name in use.
   */
  public ScheduleInfo add(ScheduleSpec spec) {
    long now = clock.millis();
    ScheduleRecord r = new ScheduleRecord(spec, now, false, null, null, 0);
    cron(r);
    if (schedules.putIfAbsent(spec.name(), r) != null) {
      throw new IllegalStateException(
          "schedule '"
              + spec.name()
              + "' exists: delete it first (bin/schedule delete "
              + spec.name()
              + ") or pick another name");
    }
    return info(r);
  }

  public List<ScheduleInfo> list() {
    return records().stream()
        .sorted(Comparator.comparing(ScheduleRecord::name))
        .map(this::info)
        .toList();
  }

  public Optional<ScheduleInfo> get(String name) {
    return record(name).map(this::info);
  }

  public Optional<ScheduleInfo> setPaused(String name, boolean paused) {
    ScheduleRecord r =
        schedules.executeOnKey(name, new ScheduleUpdate.SetPaused(paused, clock.millis()));
    if (r != null && paused) {
      cancelEarlyFire(r);
    }
    return Optional.ofNullable(r).map(this::info);
  }

  /**
   * Deletes the schedule and its run history; its jobs stay, but for a fire made early whose due
   * time has not come.
   */
  public boolean delete(String name) {
    ScheduleRecord removed = schedules.remove(name);
    runs.removeAll(new RunsOf(name));
    if (removed != null) {
      cancelEarlyFire(removed);
    }
    return removed != null;
  }

  /**
   * A paused or deleted schedule's latest fire, if it was made early ({@link CronService#EARLY})
   * and its due time has not come, is cancelled, unless it has started (its worker starts it by its
   * own clock: then it runs, as after a pause that came after the due time).
   */
  void cancelEarlyFire(ScheduleRecord r) {
    JobId last = r.lastJobId();
    if (last != null
        && CronFire.of(last).map(f -> f.dueMillis() > clock.millis()).orElse(false)
        && jobs.cancelUnstarted(last).applied()) {
      LOG.info(
          "schedule '{}' paused or deleted before its fire was due: {} cancelled", r.name(), last);
    }
  }

  /** What each handled due time became, oldest first, with its job's state now. */
  public Optional<List<ScheduleRun>> runs(String name) {
    return runs(name, Long.MIN_VALUE, Integer.MAX_VALUE);
  }

  /**
   * The first {@code limit} runs due after {@code afterMillis} (exclusive), oldest first; empty if
   * there is no schedule. Reads the schedule's run records (a query where they live) and the state
   * of the page's jobs only.
   */
  public Optional<List<ScheduleRun>> runs(String name, long afterMillis, int limit) {
    if (!schedules.containsKey(name)) {
      return Optional.empty();
    }
    List<ScheduleRunRecord> records = new ArrayList<>(runs.values(new RunsOf(name)));
    records.removeIf(r -> r.fireMillis() <= afterMillis);
    records.sort(Comparator.comparingLong(ScheduleRunRecord::fireMillis));
    if (records.size() > limit) {
      records = records.subList(0, limit);
    }
    List<ScheduleRun> out = new ArrayList<>(records.size());
    for (ScheduleRunRecord r : records) {
      out.add(
          new ScheduleRun(
              r.fireMillis(),
              r.outcome(),
              r.jobId(),
              r.jobId() == null ? null : jobs.get(r.jobId()).map(JobRecord::state).orElse(null),
              r.reason()));
    }
    return Optional.of(out);
  }

  Optional<ScheduleRecord> record(String name) {
    return Optional.ofNullable(schedules.get(name));
  }

  List<ScheduleRecord> records() {
    return new ArrayList<>(schedules.values());
  }

  /** Every run record of every schedule. */
  List<ScheduleRunRecord> runRecords() {
    return new ArrayList<>(runs.values());
  }

  /** Deletes run records by key; keys with no record are passed over. */
  void deleteRuns(Collection<String> keys) {
    for (String key : keys) {
      runs.delete(key);
    }
  }

  /** Marks a due time handled (only ever forward, never by an older primary). */
  void advance(String name, long fireMillis, JobId jobId, long epoch) {
    schedules.executeOnKey(name, new ScheduleUpdate.Advance(fireMillis, jobId, epoch));
  }

  /**
   * Records what a due time became; the same due time always gets the same key. A started run is
   * written over anything; a missed or skipped one never overwrites what is there.
   */
  void recordRun(ScheduleRunRecord run) {
    if (run.outcome() == ScheduleRun.Outcome.STARTED) {
      runs.set(run.key(), run);
    } else {
      runs.putIfAbsent(run.key(), run);
    }
  }

  /** Records a started run without waiting (the fire's job is already created). */
  void recordStartedAsync(ScheduleRunRecord run) {
    runs.setAsync(run.key(), run);
  }

  IMap<String, ScheduleRecord> map() {
    return schedules;
  }

  private ScheduleInfo info(ScheduleRecord r) {
    Long next = null;
    try {
      long from = Math.max(r.handledUntilMillis(), clock.millis());
      next = cron(r).nextAfter(Instant.ofEpochMilli(from)).map(Instant::toEpochMilli).orElse(null);
    } catch (IllegalArgumentException e) {
      // a stored schedule was valid when added; a zone database change could break it
    }
    return r.toInfo(next);
  }

  /** Run records of one schedule. */
  record RunsOf(String schedule) implements Predicate<String, ScheduleRunRecord> {
    @Override
    public boolean apply(Map.Entry<String, ScheduleRunRecord> entry) {
      return entry.getValue().schedule().equals(schedule);
    }
  }
}
