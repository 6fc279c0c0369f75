package dev.grid.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Which jobs a listing shows: {@code bin/jobs --state FAILED --name nightly-report}.
 *
 * <pre>{@code
 * JobPage failedReports = grid.jobsPage(JobFilter.ALL.inState(JobState.FAILED).named("report"),
 *     false, 100, null);
 * }</pre>
 *
 * @param state only jobs in this state (an array's summed-up state); null for any
 * @param name only jobs of this name ({@link Scheduling#name}; an array's tasks have the array's),
 *     exactly; null for any
 */
public record JobFilter(JobState state, String name) {
  /** Every job. */
  public static final JobFilter ALL = new JobFilter(null, null);

  /** Validates the name as a job's name is validated. */
  public JobFilter {
    if (name != null) {
      Scheduling.checkName(name);
    }
  }

  /** Only jobs in the given state, or in any when empty. */
  public static JobFilter of(Optional<JobState> state) {
    return new JobFilter(state.orElse(null), null);
  }

  /** This filter, for jobs in the given state. */
  public JobFilter inState(JobState newState) {
    return new JobFilter(newState, name);
  }

  /** This filter, for jobs of the given name. */
  public JobFilter named(String newName) {
    return new JobFilter(state, newName);
  }

  /** Whether a job of this spec passes the name part of the filter. */
  public boolean nameMatches(JobSpec spec) {
    return name == null || (spec != null && name.equals(spec.schedulingOrDefault().name()));
  }

  /** Whether the listed job passes the filter. */
  public boolean matches(JobInfo job) {
    return (state == null || state == job.state()) && nameMatches(job.spec());
  }

  /** The state as an Optional. */
  public Optional<JobState> stateIfAny() {
    return Optional.ofNullable(state);
  }

  @Override
  public String toString() {
    return Objects.toString(state, "any state") + (name == null ? "" : ", name " + name);
  }
}
