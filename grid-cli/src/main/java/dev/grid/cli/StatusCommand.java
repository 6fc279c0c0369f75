package dev.grid.cli;

import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.GridException;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.Usage;
import dev.grid.api.internal.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/status ID}: one job, its state and history. */
final class StatusCommand implements Callable<Integer> {
  private static final int RESULT_WIDTH = 200;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  private final GridCli cli;

  private final PositionalParamSpec id =
      Specs.parameter("ID", JobId.class, "The job's id, as submit printed it.");

  private final OptionSpec json =
      Specs.flag("--json", "Print JSON (id, state, node, attempt, exitCode, ...).");

  private final OptionSpec watch =
      Specs.flag(
          "--watch",
          "Follow the job until it ends, and exit as submit --wait does: each change of its state"
              + " as a line; for an array, a progress line on stderr and how its tasks ended.");

  StatusCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command("status", this, "Show one job.")
        .addPositional(id)
        .addOption(json)
        .addOption(watch);
  }

  @Override
  public Integer call() {
    if (watch.<Boolean>getValue()) {
      return watch(cli, id.getValue(), json.getValue());
    }
    return run(cli, id.getValue(), json.getValue());
  }

  /**
   * {@code --watch}: follows the job to its end. A single job's history as lines on stdout as it
   * grows; an array's progress on stderr, then its counts. With {@code --json}, only the ended
   * job's JSON. The exit code is {@code submit --wait}'s.
   */
  static int watch(GridCli cli, JobId id, boolean json) {
    try (GridClient grid = cli.client()) {
      JobInfo first = grid.status(id);
      JobWatch.Watcher watcher;
      if (first.tasks() != null) {
        watcher = new JobWatch.Progress(id, cli.err, cli.stderrTerminal, cli.nanos);
      } else if (json) {
        watcher =
            new JobWatch.Watcher() {
              @Override
              public void seen(JobInfo job) {}

              @Override
              public void ended(JobInfo job) {}
            };
      } else {
        watcher = new JobWatch.Events(cli.out);
      }
      JobInfo done;
      if (first.state().isTerminal()) {
        watcher.ended(first);
        done = first;
      } else {
        watcher.seen(first);
        done =
            JobWatch.untilEnd(grid.completion(id), () -> grid.status(id), watcher, JobWatch.POLL);
      }
      if (json) {
        cli.out.println(Json.toPrettyString(done));
      } else if (done.tasks() != null) {
        cli.out.println(id + " " + done.state() + ": " + done.taskSummary());
      }
      return done.state() == JobState.SUCCEEDED ? 0 : SubmitCommand.exitCode(cli, done);
    }
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, JobId id, boolean json) {
    try (GridClient grid = cli.client()) {
      JobInfo job = grid.status(id);
      if (json) {
        cli.out.println(Json.toPrettyString(job));
      } else {
        print(job, cli.out, resultLine(grid, job));
      }
      return 0;
    }
  }

  static void print(JobInfo job, PrintStream out) {
    print(job, out, null);
  }

  /** A Java job's result on one line, cut short; null for other jobs and jobs without one. */
  static String resultLine(GridClient grid, JobInfo job) {
    if (job.spec() == null
        || job.spec().java() == null
        || job.state() != JobState.SUCCEEDED
        || job.tasks() != null) { // an array: each task has its own result
      return null;
    }
    try {
      String text = GridCli.oneLine(grid.resultText(job.id()));
      return text.length() <= RESULT_WIDTH
          ? text
          : text.substring(0, RESULT_WIDTH) + "... (bin/result " + job.id() + ")";
    } catch (GridException e) {
      return "(none: " + GridCli.oneLine(e.getMessage()) + ")";
    }
  }

  static void print(JobInfo job, PrintStream out, String result) {
    Table fields = new Table("ID", job.id().value());
    if (job.spec() != null && job.spec().schedulingOrDefault().name() != null) {
      fields.row("NAME", job.spec().schedulingOrDefault().name());
    }
    fields.row("STATE", job.state());
    fields.row("NODE", job.node());
    fields.row("ATTEMPT", job.attempt());
    fields.row("EXIT CODE", job.exitCode());
    fields.row("COMMAND", job.spec() == null ? null : job.spec().display());
    if (job.tasks() != null) {
      fields.row("ARRAY", job.spec().array().display());
      fields.row("TASKS", job.taskSummary());
    }
    if (job.arrayId() != null) {
      fields.row("ARRAY TASK", job.arrayId() + " index " + job.arrayIndex());
    }
    if (job.spec() != null && job.spec().after() != null) {
      fields.row("AFTER", after(job.spec().after()));
    }
    if (job.spec() != null && job.spec().schedulingOrDefault().priority() != 0) {
      fields.row("PRIORITY", job.spec().schedulingOrDefault().priority());
    }
    if (job.spec() != null && job.spec().schedulingOrDefault().queue() != null) {
      fields.row("QUEUE", job.spec().schedulingOrDefault().queue());
    }
    if (job.spec() != null && !job.spec().resourcesOrNone().none()) {
      fields.row("RESERVES", reserves(job.spec().resourcesOrNone()));
    }
    fields.row("SUBMITTED", time(job.submittedAtMillis()));
    fields.row("SUBMITTED BY", job.spec() == null ? null : job.spec().submittedBy());
    fields.row("STARTED", time(job.startedAtMillis()));
    fields.row("ENDED", time(job.endedAtMillis()));
    fields.row(
        "OUTPUT",
        job.stdoutBytes()
            + " B stdout, "
            + job.stderrBytes()
            + " B stderr"
            + (job.outputTruncated() ? " (truncated at the cap)" : ""));
    fields.row("MESSAGE", job.message());
    if (job.usage() != null) {
      fields.row("CPU", cpu(job.usage()));
      fields.row("PEAK MEMORY", Resources.roughMemory(job.usage().peakMemoryBytes()));
    }
    if (job.spec() != null && job.tasks() == null) {
      fields.row("RETRIES", retries(job));
    }
    if (job.retryAtMillis() != null && !job.state().isTerminal()) {
      fields.row("NEXT ATTEMPT", "not before " + time(job.retryAtMillis()) + " (backoff)");
    }
    if (result != null) {
      fields.row("RESULT", result);
    }
    fields.print(out);
    if (job.tasks() != null) {
      out.println();
      out.println("An array's state sums up its tasks: bin/jobs --tasks lists each one.");
    }
    if (!job.history().isEmpty()) {
      out.println();
      Table history = new Table("TIME", "STATE", "NODE", "ATTEMPT", "EPOCH", "EXIT", "MESSAGE");
      for (JobEvent event : job.history()) {
        history.row(
            time(event.atMillis()),
            event.state(),
            event.node(),
            event.attempt(),
            event.epoch(),
            event.exitCode(),
            event.message());
      }
      history.print(out);
    }
  }

  /** The retries a job may have and has used: {@code 1 of 3 used; on lost, failed; backoff ...}. */
  static String retries(JobInfo job) {
    JobSpec spec = job.spec();
    StringBuilder out =
        new StringBuilder()
            .append(job.retriesUsed())
            .append(" of ")
            .append(spec.maxRetries())
            .append(" used");
    List<String> causes = new ArrayList<>();
    for (RetryOn cause : RetryOn.values()) {
      if (spec.retriesOn(cause)) {
        causes.add(cause.word());
      }
    }
    out.append("; on ").append(String.join(", ", causes));
    if (spec.retriesOn(RetryOn.FAILED) || spec.retriesOn(RetryOn.TIMEOUT)) {
      out.append("; backoff ").append(spec.backoffOrDefault().display());
    }
    return out.toString();
  }

  private static String after(Dependencies after) {
    List<String> parts = new ArrayList<>();
    if (!after.ok().isEmpty()) {
      parts.add("ok " + after.ok().stream().map(JobId::value).collect(Collectors.joining(",")));
    }
    if (!after.any().isEmpty()) {
      parts.add("any " + after.any().stream().map(JobId::value).collect(Collectors.joining(",")));
    }
    return String.join("; ", parts);
  }

  static String time(Long millis) {
    return millis == null ? null : TIME.format(Instant.ofEpochMilli(millis));
  }

  /** What a job reserves, like {@code 2 CPUs, 4G}. */
  static String reserves(Resources r) {
    List<String> parts = new ArrayList<>();
    if (r.cpus() > 0) {
      parts.add(r.cpus() + (r.cpus() == 1 ? " CPU" : " CPUs"));
    }
    if (r.memoryBytes() > 0) {
      parts.add(Resources.formatMemory(r.memoryBytes()) + " memory");
    }
    return String.join(", ", parts);
  }

  /** CPU time as {@code 12.345 s (user 12.001 s, system 0.344 s)}. */
  static String cpu(Usage u) {
    return seconds(u.cpuMillis())
        + " (user "
        + seconds(u.cpuUserMillis())
        + ", system "
        + seconds(u.cpuSystemMillis())
        + ")";
  }

  private static String seconds(long millis) {
    return String.format(java.util.Locale.ROOT, "%.3f s", millis / 1000.0);
  }
}
