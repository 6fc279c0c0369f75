package dev.grid.cli;

import dev.grid.api.JobInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.function.LongSupplier;

/**
 * A column {@code bin/jobs --format} can show, as {@code squeue --Format} names its fields. The
 * default columns are {@link #DEFAULT}; names are read case-insensitively.
 */
enum JobColumn {
  ID("ID"),
  NAME("NAME"),
  STATE("STATE"),
  NODE("NODE"),
  ATTEMPT("ATTEMPT"),
  PRIORITY("PRIORITY"),
  QUEUE("QUEUE"),
  EXIT("EXIT"),
  SUBMITTED("SUBMITTED"),
  STARTED("STARTED"),
  ENDED("ENDED"),
  ELAPSED("ELAPSED"),
  USER("USER", "submittedby"),
  ARRAY("ARRAY"),
  INDEX("INDEX"),
  TASKS("TASKS"),
  MESSAGE("MESSAGE"),
  COMMAND("COMMAND");

  /** What {@code bin/jobs} shows without {@code --format}. */
  static final List<JobColumn> DEFAULT =
      List.of(ID, STATE, NODE, ATTEMPT, EXIT, SUBMITTED, COMMAND);

  private final String header;
  private final String alias;

  JobColumn(String header) {
    this(header, null);
  }

  JobColumn(String header, String alias) {
    this.header = header;
    this.alias = alias;
  }

  String header() {
    return header;
  }

  /** The name {@code --format} takes. */
  String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The columns a {@code --format} value names, in its order.
   *
   * @throws IllegalArgumentException naming the unknown column and listing the known ones
   */
  static List<JobColumn> parse(String format) {
    List<JobColumn> columns = new ArrayList<>();
    for (String part : format.split(",", -1)) {
      String name = part.strip().toLowerCase(Locale.ROOT);
      columns.add(byName(name, format));
    }
    return List.copyOf(columns);
  }

  private static JobColumn byName(String name, String format) {
    for (JobColumn column : values()) {
      if (column.key().equals(name) || name.equals(column.alias)) {
        return column;
      }
    }
    String what = name.isEmpty() ? "an empty column" : "unknown column '" + name + "'";
    throw new IllegalArgumentException(
        what + " in --format '" + format + "': give some of " + known() + ", comma-separated");
  }

  /** Every name, aliases in parentheses: {@code id, state, ..., user (submittedby), ...}. */
  static String known() {
    StringJoiner names = new StringJoiner(", ");
    for (JobColumn column : values()) {
      names.add(column.key() + (column.alias == null ? "" : " (" + column.alias + ")"));
    }
    return names.toString();
  }

  /**
   * This column's cell for a job; null shows as {@code -}.
   *
   * @param nowMillis the time now, for the elapsed time of a job that has not ended
   */
  Object cell(JobInfo job, LongSupplier nowMillis) {
    return switch (this) {
      case ID -> job.id();
      case NAME -> job.spec() == null ? null : job.spec().schedulingOrDefault().name();
      case STATE -> job.state();
      case NODE -> job.node();
      case ATTEMPT -> job.attempt();
      case PRIORITY -> job.spec() == null ? null : job.spec().schedulingOrDefault().priority();
      case QUEUE -> job.spec() == null ? null : job.spec().schedulingOrDefault().queueOrDefault();
      case EXIT -> job.exitCode();
      case SUBMITTED -> StatusCommand.time(job.submittedAtMillis());
      case STARTED -> StatusCommand.time(job.startedAtMillis());
      case ENDED -> StatusCommand.time(job.endedAtMillis());
      case ELAPSED -> elapsed(job, nowMillis);
      case USER -> job.spec() == null ? null : job.spec().submittedBy();
      case ARRAY -> array(job);
      case INDEX -> job.arrayIndex();
      case TASKS -> job.taskSummary();
      case MESSAGE -> job.message();
      case COMMAND -> JobsCommand.shorten(JobsCommand.command(job));
    };
  }

  /** For an array its indices, for a task its array's id; null for other jobs. */
  private static String array(JobInfo job) {
    if (job.tasks() != null && job.spec() != null && job.spec().array() != null) {
      return job.spec().array().display();
    }
    return job.arrayId() == null ? null : job.arrayId().value();
  }

  /** Run time of the latest attempt, to its end or to now; null before it started. */
  private static String elapsed(JobInfo job, LongSupplier nowMillis) {
    if (job.startedAtMillis() == null) {
      return null;
    }
    long end = job.endedAtMillis() != null ? job.endedAtMillis() : nowMillis.getAsLong();
    return duration(Math.max(0, end - job.startedAtMillis()));
  }

  /** As squeue shows a time: {@code M:SS}, {@code H:MM:SS}, {@code D-HH:MM:SS}. */
  static String duration(long millis) {
    long seconds = millis / 1000;
    long days = seconds / 86_400;
    long hours = seconds / 3600 % 24;
    long minutes = seconds / 60 % 60;
    long secs = seconds % 60;
    if (days > 0) {
      return String.format(Locale.ROOT, "%d-%02d:%02d:%02d", days, hours, minutes, secs);
    }
    if (hours > 0) {
      return String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, secs);
    }
    return String.format(Locale.ROOT, "%d:%02d", minutes, secs);
  }
}
