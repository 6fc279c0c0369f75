package dev.grid.scheduler;

import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * An array's state summed up from its tasks' states: pure, so status, listings and dependency
 * decisions agree.
 *
 * <ul>
 *   <li>all tasks ended: {@code SUCCEEDED} if every one succeeded, {@code FAILED} if one failed,
 *       timed out or was lost, else {@code CANCELLED};
 *   <li>otherwise {@code RUNNING} once one task has been dispatched or has ended, else {@code
 *       QUEUED}, or {@code WAITING} while all its tasks wait for dependencies.
 * </ul>
 */
public final class ArrayProgress {
  private ArrayProgress() {}

  /** Counts per state of the given states. */
  public static Map<JobState, Integer> count(Collection<JobState> states) {
    Map<JobState, Integer> out = new EnumMap<>(JobState.class);
    for (JobState s : states) {
      out.merge(s, 1, Integer::sum);
    }
    return out;
  }

  /**
   * The array's state as listed: {@code HELD} while its own record is held and none of its tasks
   * holds a slot or has ended unfinished work behind it (a held array dispatches no task; those
   * running when it was held run on, and it shows {@code RUNNING} until they end); else {@link
   * #state(Map)}.
   */
  public static JobState state(JobState own, Map<JobState, Integer> counts) {
    JobState summed = state(counts);
    if (own == JobState.HELD
        && !summed.isTerminal()
        && !has(counts, JobState.DISPATCHED)
        && !has(counts, JobState.RUNNING)) {
      return JobState.HELD;
    }
    return summed;
  }

  /** The array's state from its tasks' counts (QUEUED for an array with no task yet). */
  public static JobState state(Map<JobState, Integer> counts) {
    int total = 0;
    int ended = 0;
    for (Map.Entry<JobState, Integer> e : counts.entrySet()) {
      total += e.getValue();
      ended += e.getKey().isTerminal() ? e.getValue() : 0;
    }
    if (total == 0) {
      return JobState.QUEUED;
    }
    if (ended == total) {
      if (has(counts, JobState.FAILED)
          || has(counts, JobState.TIMED_OUT)
          || has(counts, JobState.LOST)) {
        return JobState.FAILED;
      }
      return has(counts, JobState.CANCELLED) ? JobState.CANCELLED : JobState.SUCCEEDED;
    }
    if (ended > 0 || has(counts, JobState.DISPATCHED) || has(counts, JobState.RUNNING)) {
      return JobState.RUNNING;
    }
    return has(counts, JobState.QUEUED) ? JobState.QUEUED : JobState.WAITING;
  }

  /** The counts as a person reads them: {@code 1000 tasks: 50 RUNNING, 950 SUCCEEDED}. */
  public static String describe(Map<JobState, Integer> counts) {
    return JobInfo.describeTasks(counts);
  }

  private static boolean has(Map<JobState, Integer> counts, JobState s) {
    return counts.getOrDefault(s, 0) > 0;
  }
}
