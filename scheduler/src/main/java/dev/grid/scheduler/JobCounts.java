package dev.grid.scheduler;

import dev.grid.api.JobState;
import java.util.EnumMap;
import java.util.Map;

/**
 * The primary's count of unfinished jobs, as its dispatcher last saw them: what a metrics scrape
 * reads instead of walking the jobs map. Taken from the dispatcher's own index after each pass (a
 * copy of a few numbers), so reading it costs nothing; on a node that is not primary it is {@link
 * #NONE}.
 *
 * @param byState unfinished jobs by state (QUEUED, WAITING, DISPATCHED, RUNNING); an array counts
 *     once, by its own record
 * @param queuedJobs jobs waiting for a slot
 * @param queuedTasks tasks of arrays waiting for a slot
 */
public record JobCounts(Map<JobState, Integer> byState, int queuedJobs, int queuedTasks) {
  /** Nothing counted: this node does not dispatch. */
  public static final JobCounts NONE = new JobCounts(Map.of(), 0, 0);

  /** Copies the map. */
  public JobCounts {
    byState = byState.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(byState));
  }

  /** Unfinished jobs in that state; 0 for an ended state. */
  public int inState(JobState state) {
    return byState.getOrDefault(state, 0);
  }

  /** Jobs and tasks waiting for a slot. */
  public int queueDepth() {
    return queuedJobs + queuedTasks;
  }
}
