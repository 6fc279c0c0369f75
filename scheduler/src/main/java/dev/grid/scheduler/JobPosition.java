package dev.grid.scheduler;

import dev.grid.api.JobId;
import dev.grid.api.JobInfo;

/**
 * Where a line of the job listing sits: jobs by submit time, then by id; an array's tasks right
 * after the array, by index. Every part is fixed when the job is accepted, so a position never
 * moves: a listing walked page by page from the position of the last line seen lists every job that
 * existed during the whole walk exactly once, whatever was submitted or deleted meanwhile.
 *
 * <p>Its {@link #text()} is the cursor of {@code GET /api/jobs?after=CURSOR}: {@code MILLIS.N.ID},
 * the submit time in base 36, the task index plus one (0 for a job itself) and the job's (or the
 * task's array's) id. Clients treat it as opaque.
 *
 * @param submittedAtMillis when the job (or the task's array) was accepted
 * @param group the job's id; for a task, its array's
 * @param index the task's index; -1 for a job itself, {@link Integer#MIN_VALUE} for a position
 *     before every line of its group (see {@link #groupStart()})
 */
public record JobPosition(long submittedAtMillis, JobId group, int index)
    implements Comparable<JobPosition> {

  public static JobPosition of(JobRecord r) {
    return new JobPosition(
        r.submittedAtMillis(),
        r.arrayId() != null ? r.arrayId() : r.id(),
        r.arrayIndex() != null ? r.arrayIndex() : -1);
  }

  public static JobPosition of(JobInfo info) {
    return new JobPosition(
        info.submittedAtMillis(),
        info.arrayId() != null ? info.arrayId() : info.id(),
        info.arrayIndex() != null ? info.arrayIndex() : -1);
  }

  /** The position before every line of this one's group: an array itself and all its tasks. */
  public JobPosition groupStart() {
    return new JobPosition(submittedAtMillis, group, Integer.MIN_VALUE);
  }

  @Override
  public int compareTo(JobPosition other) {
    int c = Long.compare(submittedAtMillis, other.submittedAtMillis);
    if (c == 0) {
      c = group.compareTo(other.group);
    }
    return c != 0 ? c : Integer.compare(index, other.index);
  }

  /** The cursor form, {@code MILLIS.N.ID}: only characters a URL and a shell take as they are. */
  public String text() {
    if (index < -1) {
      throw new IllegalStateException("a group's start is no line of the listing: " + this);
    }
    return Long.toString(submittedAtMillis, 36) + "." + (index + 1L) + "." + group;
  }

  /**
   * Reads a cursor made by {@link #text()}.
   *
   * @throws IllegalArgumentException naming the text if it is no such cursor
   */
  public static JobPosition parse(String text) {
    String[] parts = text.split("\\.", 3);
    try {
      if (parts.length == 3 && !parts[0].startsWith("-") && !parts[1].startsWith("-")) {
        long millis = Long.parseLong(parts[0], 36);
        long index = Long.parseLong(parts[1]);
        if (index <= Integer.MAX_VALUE) {
          return new JobPosition(millis, JobId.of(parts[2]), (int) index - 1);
        }
      }
    } catch (IllegalArgumentException bad) { // NumberFormatException too
      // fall through
    }
    throw new IllegalArgumentException(
        "cursor '"
            + text
            + "' is not valid: give the after= value of the previous page's"
            + " Link header (bin/jobs prints it as --after) as it was");
  }
}
