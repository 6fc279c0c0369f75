package dev.grid.scheduler;

import com.hazelcast.projection.Projection;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.Map;

/**
 * What retention needs of a job: its id, its state, when it ended, and how it belongs to an array.
 * Made where the records live ({@link Of}), so a sweep does not pull every job's history over the
 * network.
 *
 * @param id the job
 * @param state its state now
 * @param endedAtMillis when it ended (its last state change); 0 while it runs. For an array's own
 *     record, which never runs, its last change (its submission, or a cancel): its tasks' ends say
 *     when the array ended
 * @param arrayId for a task of an array, the array's id; else null
 * @param arrayParent whether this is an array's own record
 */
record JobSummary(
    JobId id, JobState state, long endedAtMillis, JobId arrayId, boolean arrayParent) {

  /** A job outside any array. */
  JobSummary(JobId id, JobState state, long endedAtMillis) {
    this(id, state, endedAtMillis, null, false);
  }

  static JobSummary of(JobRecord r) {
    long ended = 0;
    if (r.state().isTerminal() || r.arrayParent()) {
      // A job cancelled before it ran has no end time of its own: its last change is its end.
      JobEvent last = r.history().isEmpty() ? null : r.history().get(r.history().size() - 1);
      ended =
          r.endedAtMillis() != null
              ? r.endedAtMillis()
              : last != null ? last.atMillis() : r.submittedAtMillis();
    }
    return new JobSummary(r.id(), r.state(), ended, r.arrayId(), r.arrayParent());
  }

  /** The projection run on the members. */
  record Of() implements Projection<Map.Entry<JobId, JobRecord>, JobSummary> {
    @Override
    public JobSummary transform(Map.Entry<JobId, JobRecord> entry) {
      return JobSummary.of(entry.getValue());
    }
  }
}
