package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;

/**
 * How the grid schedules a job, beside what it runs: its name, its priority, and whether it is
 * submitted held.
 *
 * <pre>{@code
 * JobSpec urgent = JobSpec.shell("make report").withScheduling(new Scheduling("report", 10));
 * }</pre>
 *
 * <p><b>Priority.</b> Higher runs first; equal priorities in the order they were submitted. So that
 * a low-priority job is never starved, every {@link #AGING} a job has waited counts as one more
 * level: a job of priority 0 goes before a job of priority 10 submitted more than ten minutes after
 * it. The order is fixed at submission (submit time minus priority times {@link #AGING}), so a
 * job's place in the queue never moves.
 *
 * @param name a name to list and filter jobs by ({@code bin/jobs --name}); null for none. Names
 *     need not be unique
 * @param priority from {@value #MIN_PRIORITY} to {@value #MAX_PRIORITY}; 0 by default
 * @param hold submit it {@link JobState#HELD}: it is not dispatched until released ({@code
 *     GridClient#release})
 */
public record Scheduling(
    @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    int priority,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean hold) {

  /** What one level of priority is worth in waiting time. */
  public static final Duration AGING = Duration.ofMinutes(1);

  public static final int MIN_PRIORITY = -1000;
  public static final int MAX_PRIORITY = 1000;

  /** The longest name a job may have. */
  public static final int MAX_NAME = 128;

  /** No name, priority 0, not held. */
  public static final Scheduling DEFAULT = new Scheduling(null, 0, false);

  /** A name and a priority, not held. */
  public Scheduling(String name, int priority) {
    this(name, priority, false);
  }

  /** Validates eagerly; a bad value is named in the message. */
  public Scheduling {
    if (name != null) {
      if (name.isEmpty() || name.length() > MAX_NAME || !name.strip().equals(name)) {
        throw new IllegalArgumentException(
            "job name '"
                + name
                + "' is not valid: give 1 to "
                + MAX_NAME
                + " characters, without spaces at either end");
      }
      for (int i = 0; i < name.length(); i++) {
        if (Character.isISOControl(name.charAt(i))) {
          throw new IllegalArgumentException(
              "job name '" + name.replaceAll("\\p{Cntrl}", "?") + "' holds a control character");
        }
      }
    }
    if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "priority "
              + priority
              + " is out of range: give "
              + MIN_PRIORITY
              + " to "
              + MAX_PRIORITY
              + " (higher runs first)");
    }
  }

  /** This, submitted held or not. */
  public Scheduling withHold(boolean newHold) {
    return new Scheduling(name, priority, newHold);
  }

  /**
   * The job's place in the queue, smaller first: its submission time, made earlier by its priority
   * ({@link #AGING} per level).
   */
  public long queueKey(long submittedAtMillis) {
    return submittedAtMillis - priority * AGING.toMillis();
  }
}
