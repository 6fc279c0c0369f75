package dev.grid.scheduler;

import dev.grid.api.Dependencies;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Whether a waiting job may run, must wait, or can never run: a pure decision over what the
 * replicated records say of its parents, so any primary (after a failover, or a full restart)
 * decides the same.
 *
 * <ul>
 *   <li>an afterok parent that ended other than {@code SUCCEEDED}, or whose record is gone: the job
 *       is cancelled at once, with a reason naming that parent and its state;
 *   <li>a parent not ended yet: the job waits;
 *   <li>every parent ended (afterok ones succeeded): the job is queued. An afterany parent whose
 *       record is gone had ended (only ended jobs expire).
 * </ul>
 */
final class DependencyCheck {
  private DependencyCheck() {}

  /**
   * A parent as the records show it.
   *
   * @param id the parent's id
   * @param state its state (an array's summed up by {@link ArrayProgress}); null if no record
   * @param detail for an array, its task counts; else null
   */
  record Parent(JobId id, JobState state, String detail) {
    String describe() {
      return id + " " + state + (detail == null ? "" : " (" + detail + ")");
    }
  }

  /** The outcome: {@code to} is null to keep waiting, else QUEUED or CANCELLED with the reason. */
  record Decision(JobState to, String reason) {
    static final Decision WAIT = new Decision(null, null);
  }

  static Decision decide(Dependencies after, Function<JobId, Parent> parents) {
    boolean waiting = false;
    List<String> met = new ArrayList<>();
    for (JobId id : after.ok()) {
      Parent p = parents.apply(id);
      if (p == null || p.state() == null) {
        return new Decision(
            JobState.CANCELLED,
            "dependency never satisfied: afterok parent " + id + " is no longer known");
      }
      if (p.state().isTerminal() && p.state() != JobState.SUCCEEDED) {
        return new Decision(
            JobState.CANCELLED, "dependency never satisfied: afterok parent " + p.describe());
      }
      waiting |= !p.state().isTerminal();
      met.add(id + " " + p.state());
    }
    for (JobId id : after.any()) {
      Parent p = parents.apply(id);
      if (p != null && p.state() != null && !p.state().isTerminal()) {
        waiting = true;
      }
      met.add(id + " " + (p == null || p.state() == null ? "ended (record expired)" : p.state()));
    }
    return waiting
        ? Decision.WAIT
        : new Decision(JobState.QUEUED, "dependencies met: " + String.join(", ", met));
  }
}
