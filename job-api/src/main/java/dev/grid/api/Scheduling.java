package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How the grid schedules a job, beside what it runs: its name, its priority, the queue it waits in,
 * the node labels it needs, and whether it is submitted held.
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
 * @param queue the named queue it waits in ({@code --queue}); null for {@value #DEFAULT_QUEUE}. An
 *     admin may cap the slots a queue's jobs hold at once ({@code bin/queue set NAME --max-slots
 *     N}), so that one queue cannot take every slot
 * @param constraints node labels the job needs ({@code --constraint gpu,zone=a}): it runs only on a
 *     node that declared every one ({@code bin/grid-node --labels gpu,ssd,zone=a}); null or empty
 *     for any node
 * @param waitForLabel accept the job although no node of the grid has declared one of its labels
 *     yet (it waits for such a node); without it such a submit is refused
 * @param resources the CPUs and memory it reserves on its node ({@code --cpus 2 --mem 4G}); null
 *     for none (it takes a slot only)
 */
public record Scheduling(
    @JsonInclude(JsonInclude.Include.NON_NULL) String name,
    int priority,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean hold,
    @JsonInclude(JsonInclude.Include.NON_NULL) String queue,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> constraints,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean waitForLabel,
    @JsonInclude(JsonInclude.Include.NON_NULL) Resources resources) {

  /** The queue of a job that names none. */
  public static final String DEFAULT_QUEUE = "default";

  private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9._-]{1,64}(=[A-Za-z0-9._-]{1,64})?");

  /** The most labels a job may need. */
  public static final int MAX_CONSTRAINTS = 16;

  /** What one level of priority is worth in waiting time. */
  public static final Duration AGING = Duration.ofMinutes(1);

  public static final int MIN_PRIORITY = -1000;
  public static final int MAX_PRIORITY = 1000;

  /** The longest name a job may have. */
  public static final int MAX_NAME = 128;

  /** No name, priority 0, not held, the default queue. */
  public static final Scheduling DEFAULT = new Scheduling(null, 0, false, null, null, false, null);

  /** A name and a priority, not held, in the default queue. */
  public Scheduling(String name, int priority) {
    this(name, priority, false, null);
  }

  /** A name, a priority and whether it is held, in the default queue. */
  public Scheduling(String name, int priority, boolean hold) {
    this(name, priority, hold, null);
  }

  /** A name, a priority, whether it is held and its queue; any node. */
  public Scheduling(String name, int priority, boolean hold, String queue) {
    this(name, priority, hold, queue, null, false, null);
  }

  /** As the canonical constructor, reserving nothing. */
  public Scheduling(
      String name,
      int priority,
      boolean hold,
      String queue,
      List<String> constraints,
      boolean waitForLabel) {
    this(name, priority, hold, queue, constraints, waitForLabel, null);
  }

  /** Validates eagerly; a bad value is named in the message. */
  public Scheduling {
    if (name != null) {
      checkName(name);
    }
    if (queue != null) {
      checkQueueName(queue);
    }
    if (constraints != null && constraints.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException(
          "constraints " + constraints + " hold a null: give labels like gpu or zone=a");
    }
    if (constraints != null) {
      constraints = constraints.isEmpty() ? null : List.copyOf(new TreeSet<>(constraints));
    }
    if (constraints != null) {
      if (constraints.size() > MAX_CONSTRAINTS) {
        throw new IllegalArgumentException(
            constraints.size()
                + " constraints: a job may need at most "
                + MAX_CONSTRAINTS
                + " labels");
      }
      constraints.forEach(Scheduling::checkLabel);
    }
    if (resources != null && resources.none()) {
      resources = null;
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
    return new Scheduling(name, priority, newHold, queue, constraints, waitForLabel, resources);
  }

  /** This, in the given queue (null for the default). */
  public Scheduling withQueue(String newQueue) {
    return new Scheduling(name, priority, hold, newQueue, constraints, waitForLabel, resources);
  }

  /** This, needing the given node labels (null for none); accepted before any node has them. */
  public Scheduling withConstraints(List<String> labels, boolean waitForTheLabel) {
    return new Scheduling(name, priority, hold, queue, labels, waitForTheLabel, resources);
  }

  /** This, reserving the given CPUs and memory (null or {@link Resources#NONE} for none). */
  public Scheduling withResources(Resources newResources) {
    return new Scheduling(name, priority, hold, queue, constraints, waitForLabel, newResources);
  }

  /** What it reserves; {@link Resources#NONE} if nothing. */
  public Resources resourcesOrNone() {
    return resources == null ? Resources.NONE : resources;
  }

  /** The labels it needs, sorted; empty for any node. */
  public List<String> constraintsOrNone() {
    return constraints == null ? List.of() : constraints;
  }

  /** Whether a node with these labels may run it. */
  public boolean runsOn(Collection<String> labels) {
    return constraints == null || labels.containsAll(constraints);
  }

  /**
   * Refuses a label that is not a word or {@code key=value} of {@code A-Z a-z 0-9 . _ -}.
   *
   * @throws IllegalArgumentException naming it
   */
  public static String checkLabel(String label) {
    if (label == null || !LABEL.matcher(label).matches()) {
      throw new IllegalArgumentException(
          "label '"
              + label
              + "' is not valid: a word or key=value, each 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    return label;
  }

  /** The queue it waits in: its own, or {@value #DEFAULT_QUEUE}. */
  public String queueOrDefault() {
    return queue == null ? DEFAULT_QUEUE : queue;
  }

  /**
   * Refuses a job name that is empty, over {@value #MAX_NAME} characters, with spaces at either end
   * or a control character.
   *
   * @throws IllegalArgumentException naming it
   */
  public static String checkName(String name) {
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
    return name;
  }

  /**
   * Refuses a queue name that is not 1 to 64 of {@code A-Z a-z 0-9 . _ -}.
   *
   * @throws IllegalArgumentException naming it
   */
  public static String checkQueueName(String queue) {
    if (queue == null || !QUEUE_NAME.matcher(queue).matches()) {
      throw new IllegalArgumentException(
          "queue name '" + queue + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    return queue;
  }

  /**
   * The job's place in the queue, smaller first: its submission time, made earlier by its priority
   * ({@link #AGING} per level).
   */
  public long queueKey(long submittedAtMillis) {
    return submittedAtMillis - priority * AGING.toMillis();
  }
}
