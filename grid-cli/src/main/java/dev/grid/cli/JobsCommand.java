package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code bin/jobs}: the grid's jobs, oldest first. */
final class JobsCommand implements Callable<Integer> {
  private static final int COMMAND_WIDTH = 60;

  private final GridCli cli;

  private final OptionSpec state =
      OptionSpec.builder("--state")
          .type(JobState.class)
          .paramLabel("STATE")
          .description("Only jobs in this state: ${COMPLETION-CANDIDATES}.")
          .build();

  private final OptionSpec json = Specs.flag("--json", "Print a JSON list of jobs.");

  private final OptionSpec tasks =
      Specs.flag("--tasks", "List each task of an array after it (ids ARRAY_INDEX).");

  JobsCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "jobs",
            this,
            "List jobs, oldest first.",
            "An array is one line with its tasks' counts; --tasks lists its tasks too.")
        .addOption(state)
        .addOption(json)
        .addOption(tasks);
  }

  @Override
  public Integer call() {
    return run(cli, state.getValue(), json.getValue(), tasks.getValue());
  }

  /**
   * The command's work, also done without the model by {@link QuickLine}.
   *
   * @param state only jobs in this state; null for all
   */
  static int run(GridCli cli, JobState state, boolean json, boolean tasks) {
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
