package dev.grid.scheduler;

import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides what retention deletes: a pure function from a snapshot of jobs, schedules and run
 * records to the jobs and run records to forget. {@link RetentionService} carries the plan out.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>A job that has not ended is never expired.
 *   <li>An ended job expires once it ended more than the policy's age ago (unless the age is 0).
 *   <li>A cron job ({@code cron.NAME.DUE}) also expires once its due time is not among the newest
 *       {@code keepRuns} due times of its schedule (its own keepRuns, else the policy's; 0 keeps
 *       all). A schedule's due times are those of its jobs and of its run records together, so its
 *       jobs and its history shrink alike.
 *   <li>An array expires as one: its own record (which never runs) and all its tasks, once every
 *       task has ended and the last of them ended more than the age ago (its own record's last
 *       change counts too: an array cancelled before its tasks were created). Until then none of
 *       its tasks expires, so its status keeps counting them all. A task whose array record is not
 *       in the snapshot expires by its own age, as a job of its own. An array of a schedule also
 *       follows the cron rules below, as one job.
 *   <li>A run record goes with its job when the job expires; one without a job in the snapshot
 *       (missed, skipped, or whose job is gone) expires by the age of its due time or by count.
 *   <li>What cron still needs stays: of a schedule that exists, nothing due at or after its last
 *       handled due time (a fire in progress, whose job a catch-up looks for so as not to run it
 *       twice), and not its latest job (the overlap policy reads it).
 * </ul>
 *
 * <p>The snapshot's parts must be read runs first, then schedules, then jobs: a run record's job is
 * created before the record, and a schedule's last handled due time only grows, so an older part
 * can only make the plan keep more.
 */
final class RetentionPlanner {
  private RetentionPlanner() {}

  /** What cron needs to know of a schedule, and how many of its runs it keeps. */
  record ScheduleView(String name, long handledUntilMillis, JobId lastJobId, int keepRuns) {}

  /** The state retention decides from. */
  record Snapshot(
      List<JobSummary> jobs, List<ScheduleView> schedules, List<ScheduleRunRecord> runs) {}

  /**
   * What to delete.
   *
   * @param jobs ended jobs to delete with their output and their run record, oldest end first; an
   *     array's tasks come together, followed by the array's own record
   * @param runs keys of run records to delete that belong to no job in {@code jobs}
   * @param arrays which of {@code jobs} are arrays' own records: they never end themselves, so they
   *     are deleted as arrays, not as ended jobs
   */
  record Plan(List<JobId> jobs, List<String> runs, Set<JobId> arrays) {
    Plan(List<JobId> jobs, List<String> runs) {
      this(jobs, runs, Set.of());
    }

    boolean isEmpty() {
      return jobs.isEmpty() && runs.isEmpty();
    }
  }

  /**
   * What expires as one: a job, or an array with its tasks.
   *
   * @param endedAtMillis when the last of them ended
   * @param tasks an array's tasks (deleted before it), by id; empty for a job
   */
  private record Unit(JobId id, long endedAtMillis, List<JobSummary> tasks, boolean array) {}

  static Plan plan(Snapshot snapshot, RetentionPolicy policy, long nowMillis) {
    Map<String, ScheduleView> schedules = new HashMap<>();
    for (ScheduleView s : snapshot.schedules()) {
      schedules.put(s.name(), s);
    }
    Map<String, Long> oldestKept = oldestKeptDue(snapshot, schedules, policy.keepRuns());
    long ageCutoff =
        policy.expiresByAge() ? nowMillis - policy.maxAge().toMillis() : Long.MIN_VALUE;

    Set<JobId> present = new HashSet<>();
    for (JobSummary j : snapshot.jobs()) {
      present.add(j.id());
    }
    List<JobId> jobs = new ArrayList<>();
    Set<JobId> arrays = new HashSet<>();
    for (Unit u : endedUnits(snapshot.jobs())) {
      boolean old = u.endedAtMillis() < ageCutoff;
      Optional<CronFire> fire = CronFire.of(u.id());
      boolean expires;
      if (fire.isEmpty()) {
        expires = old;
      } else {
        CronFire f = fire.get();
        expires =
            cronMayForget(schedules.get(f.schedule()), f.dueMillis(), u.id())
                && (old || beyondCount(oldestKept, f.schedule(), f.dueMillis()));
      }
      if (expires) {
        for (JobSummary t : u.tasks()) {
          jobs.add(t.id());
        }
        jobs.add(u.id());
        if (u.array()) {
          arrays.add(u.id());
        }
      }
    }

    List<ScheduleRunRecord> runRecords = new ArrayList<>(snapshot.runs());
    runRecords.sort(
        Comparator.comparingLong(ScheduleRunRecord::fireMillis)
            .thenComparing(ScheduleRunRecord::schedule));
    List<String> runs = new ArrayList<>();
    for (ScheduleRunRecord r : runRecords) {
      if (!cronMayForget(schedules.get(r.schedule()), r.fireMillis(), null)) {
        continue;
      }
      if (r.jobId() != null && present.contains(r.jobId())) {
        continue; // it goes with its job, if its job goes
      }
      if (r.fireMillis() < ageCutoff || beyondCount(oldestKept, r.schedule(), r.fireMillis())) {
        runs.add(r.key());
      }
    }
    return new Plan(List.copyOf(jobs), List.copyOf(runs), Set.copyOf(arrays));
  }

  /**
   * The ended jobs and arrays, oldest end first: jobs outside arrays that have ended, and arrays
   * whose tasks have all ended (a task goes with its array, never alone, unless its array's record
   * is not in the snapshot).
   */
  private static List<Unit> endedUnits(List<JobSummary> all) {
    Map<JobId, List<JobSummary>> tasksOf = new HashMap<>();
    for (JobSummary j : all) {
      if (j.arrayParent()) {
        tasksOf.put(j.id(), new ArrayList<>());
      }
    }
    for (JobSummary j : all) {
      List<JobSummary> siblings = j.arrayId() == null ? null : tasksOf.get(j.arrayId());
      if (siblings != null) {
        siblings.add(j);
      }
    }
    List<Unit> units = new ArrayList<>();
    for (JobSummary j : all) {
      if (j.arrayParent()) {
        List<JobSummary> tasks = tasksOf.get(j.id());
        long end = j.endedAtMillis();
        boolean allEnded = true;
        for (JobSummary t : tasks) {
          allEnded &= t.state().isTerminal();
          end = Math.max(end, t.endedAtMillis());
        }
        if (allEnded) {
          tasks.sort(Comparator.comparing(JobSummary::id));
          units.add(new Unit(j.id(), end, tasks, true));
        }
      } else if (j.state().isTerminal()
          && (j.arrayId() == null || !tasksOf.containsKey(j.arrayId()))) {
        units.add(new Unit(j.id(), j.endedAtMillis(), List.of(), false));
      }
    }
    units.sort(Comparator.comparingLong(Unit::endedAtMillis).thenComparing(Unit::id));
    return units;
  }

  /**
   * Whether cron no longer needs a due time of the schedule (or its job): it is before the last
   * handled due time, and its job, if any, is not the latest run. A schedule not in the snapshot
   * (deleted) needs nothing: a schedule added again later only fires after it was added.
   */
  private static boolean cronMayForget(ScheduleView s, long dueMillis, JobId job) {
    return s == null
        || (dueMillis < s.handledUntilMillis() && (job == null || !job.equals(s.lastJobId())));
  }

  private static boolean beyondCount(Map<String, Long> oldestKept, String schedule, long due) {
    Long oldest = oldestKept.get(schedule);
    return oldest != null && due < oldest;
  }

  /**
   * Per schedule with more due times than it keeps, the oldest due time it keeps; schedules that
   * keep all their runs, or have no more than they keep, are absent.
   */
  private static Map<String, Long> oldestKeptDue(
      Snapshot snapshot, Map<String, ScheduleView> schedules, int defaultKeep) {
    Map<String, TreeSet<Long>> dues = new HashMap<>();
    for (JobSummary j : snapshot.jobs()) {
      CronFire.of(j.id())
          .ifPresent(
              f -> dues.computeIfAbsent(f.schedule(), k -> new TreeSet<>()).add(f.dueMillis()));
    }
    for (ScheduleRunRecord r : snapshot.runs()) {
      dues.computeIfAbsent(r.schedule(), k -> new TreeSet<>()).add(r.fireMillis());
    }
    Map<String, Long> out = new HashMap<>();
    for (Map.Entry<String, TreeSet<Long>> e : dues.entrySet()) {
      ScheduleView s = schedules.get(e.getKey());
      int keep = s != null ? s.keepRuns() : defaultKeep;
      if (keep == 0 || e.getValue().size() <= keep) {
        continue;
      }
      Iterator<Long> newestFirst = e.getValue().descendingIterator();
      long due = 0;
      for (int i = 0; i < keep; i++) {
        due = newestFirst.next();
      }
      out.put(e.getKey(), due);
    }
    return out;
  }
}
