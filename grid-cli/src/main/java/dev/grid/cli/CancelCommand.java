package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/cancel ID}: stops a job; prints its id and state after the request. */
final class CancelCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  CancelCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "cancel", this, "Cancel a job: a running one has its whole process tree killed.")
        .addPositional(id);
  }

  @Override
  public Integer call() {
    return run(cli, id.getValue());
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, JobId id) {
    try (GridClient grid = cli.client()) {
      JobInfo job = grid.cancel(id);
      String note =
          job.state().isTerminal() ? "" : " (cancel requested: its process tree is being killed)";
      cli.out.println(job.id() + " " + job.state() + note);
      return 0;
    }
  }
}
