package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/cancel ID}: stops a job; prints its id and state after the request. */
final class CancelCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  private final OptionSpec json =
      Specs.flag("--json", "Print the job as the grid answered (as status --json prints it).");

  CancelCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "cancel", this, "Cancel a job: a running one has its whole process tree killed.")
        .addPositional(id)
        .addOption(json);
  }

  @Override
  public Integer call() {
    return run(cli, id.getValue(), json.getValue());
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, JobId id, boolean json) {
    try (GridClient grid = cli.client()) {
      JobInfo job = grid.cancel(id);
      if (json) {
        cli.out.println(Json.toPrettyString(job));
        return 0;
      }
      String note =
          job.state().isTerminal() ? "" : " (cancel requested: its process tree is being killed)";
      cli.out.println(job.id() + " " + job.state() + note);
      return 0;
    }
  }
}
