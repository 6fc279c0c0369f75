package dev.grid.node.cli;

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
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "List jobs, oldest first.")
final class JobsCommand implements Callable<Integer> {
  private static final int COMMAND_WIDTH = 60;

  @ParentCommand GridCli cli;

  @Option(names = "--state", paramLabel = "STATE", description = "Only jobs in this state: ${COMPLETION-CANDIDATES}.")
  JobState state;

  @Option(names = "--json", description = "Print a JSON list of jobs.")
  boolean json;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      List<JobInfo> jobs = grid.jobs(Optional.ofNullable(state));
      if (json) {
        cli.out.println(Json.toPrettyString(jobs));
        return 0;
      }
      Table table = new Table("ID", "STATE", "NODE", "ATTEMPT", "EXIT", "SUBMITTED", "COMMAND");
      for (JobInfo job : jobs) {
        table.row(job.id(), job.state(), job.node(), job.attempt(), job.exitCode(),
            StatusCommand.time(job.submittedAtMillis()),
            shorten(job.spec() == null ? "" : job.spec().display()));
      }
      table.print(cli.out);
      return 0;
    }
  }

  /** A command cut to fit a table column. */
  static String shorten(String text) {
    return text.length() <= COMMAND_WIDTH ? text : text.substring(0, COMMAND_WIDTH - 3) + "...";
  }
}
