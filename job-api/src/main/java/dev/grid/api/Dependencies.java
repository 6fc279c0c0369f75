package dev.grid.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Jobs that must end before this one may run, as Slurm's {@code --dependency}: {@code ok} jobs must
 * all succeed (afterok; if one ends otherwise, this job ends {@code CANCELLED} with a message
 * naming it), {@code any} jobs must all end, however (afterany). A job waits in {@code WAITING}
 * until then. An array's id stands for all of its tasks.
 *
 * <pre>{@code
 * JobSpec reduce = JobSpec.shell("./sum.sh").withAfter(Dependencies.afterOk(mapArray));
 * }</pre>
 *
 * @param ok jobs that must all succeed first
 * @param any jobs that must all end first, in any state
 */
public record Dependencies(List<JobId> ok, List<JobId> any) {

  /** The most jobs a new job may wait for (see {@link JobSpec#checkLimits}). */
  public static final int MAX_JOBS = 1000;

  /** Copies the lists; refuses an empty one (give null instead) and an id in both lists. */
  public Dependencies {
    ok = ok == null ? List.of() : List.copyOf(new LinkedHashSet<>(ok));
    any = any == null ? List.of() : List.copyOf(new LinkedHashSet<>(any));
    if (ok.isEmpty() && any.isEmpty()) {
      throw new IllegalArgumentException(
          "dependencies name no job: give at least one id after ok or any");
    }
    Set<JobId> anyOf = new HashSet<>(any);
    for (JobId id : ok) {
      if (anyOf.contains(id)) {
        throw new IllegalArgumentException(
            "job " + id + " is both in after-ok and after-any: name it once");
      }
    }
  }

  /** Runs after all the given jobs succeed. */
  public static Dependencies afterOk(JobId... ids) {
    return new Dependencies(List.of(ids), List.of());
  }

  /** Runs after all the given jobs end, however. */
  public static Dependencies afterAny(JobId... ids) {
    return new Dependencies(List.of(), List.of(ids));
  }

  /** Every job named, ok first. */
  public List<JobId> all() {
    List<JobId> out = new ArrayList<>(ok);
    out.addAll(any);
    return out;
  }
}
