package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code bin/jobs}: the grid's jobs, oldest first. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = {
      "List jobs, oldest first.",
      "An array is one line with its tasks' counts; --tasks lists its tasks too."
    })
final class JobsCommand implements Callable<Integer> {
  private static final int COMMAND_WIDTH = 60;

  @ParentCommand GridCli cli;

  @Option(
      names = "--state",
      paramLabel = "STATE",
      description = "Only jobs in this state: ${COMPLETION-CANDIDATES}.")
  JobState state;

  @Option(names = "--json", description = "Print a JSON list of jobs.")
  boolean json;

  @Option(names = "--tasks", description = "List each task of an array after it (ids ARRAY_INDEX).")
  boolean tasks;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      List<JobInfo> jobs = grid.jobs(Optional.ofNullable(state), tasks);
      if (json) {
        cli.out.println(Json.toPrettyString(jobs));
        return 0;
      }
      Table table = new Table("ID", "STATE", "NODE", "ATTEMPT", "EXIT", "SUBMITTED", "COMMAND");
      for (JobInfo job : jobs) {
        table.row(
            job.id(),
            job.state(),
            job.node(),
            job.attempt(),
            job.exitCode(),
            StatusCommand.time(job.submittedAtMillis()),
            shorten(command(job)));
      }
      table.print(cli.out);
      return 0;
    }
  }

  /** The command; for an array, its indices and its tasks' counts first. */
  private static String command(JobInfo job) {
    String command = job.spec() == null ? "" : job.spec().display();
    if (job.tasks() != null) {
      return "[" + job.spec().array().display() + " " + job.taskSummary() + "] " + command;
    }
    return command;
  }

  /** A command cut to fit a table column. */
  static String shorten(String text) {
    return text.length() <= COMMAND_WIDTH ? text : text.substring(0, COMMAND_WIDTH - 3) + "...";
  }
}
