package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bin/cancel ID}: stops a job; prints its id and state after the request. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = "Cancel a job: a running one has its whole process tree killed.")
final class CancelCommand implements Callable<Integer> {
  @ParentCommand GridCli cli;

  @Parameters(paramLabel = "ID", description = "The job's id.")
  JobId id;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      JobInfo job = grid.cancel(id);
      String note =
          job.state().isTerminal() ? "" : " (cancel requested: its process tree is being killed)";
      cli.out.println(job.id() + " " + job.state() + note);
      return 0;
    }
  }
}
