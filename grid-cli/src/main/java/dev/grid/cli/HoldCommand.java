package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code bin/hold ID} and {@code bin/release ID}: keeps a job (or array) not yet dispatched from
 * being dispatched, and lets it go again; prints its id and state after the request.
 */
final class HoldCommand implements Callable<Integer> {
  private final GridCli cli;
  private final boolean hold;

  private final PositionalParamSpec id =
      Specs.parameter("ID", JobId.class, "The job's (or array's) id.");

  private final OptionSpec json =
      Specs.flag("--json", "Print the job as the grid answered (as status --json prints it).");

  /** {@code hold} ({@code true}) or {@code release}. */
  HoldCommand(GridCli cli, boolean hold) {
    this.cli = cli;
    this.hold = hold;
  }

  CommandSpec spec() {
    return (hold
            ? Specs.command(
                "hold",
                this,
                "Hold a job not yet dispatched: it waits, HELD, until bin/release.",
                "An array's tasks already running run on; the rest wait.")
            : Specs.command(
                "release",
                this,
                "Release a held job: queued again (or waiting, if it has dependencies)."))
        .addPositional(id)
        .addOption(json);
  }

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      JobInfo job = hold ? grid.hold(id.getValue()) : grid.release(id.getValue());
      if (json.<Boolean>getValue()) {
        cli.out.println(Json.toPrettyString(job));
      } else {
        cli.out.println(job.id() + " " + job.state());
      }
      return 0;
    }
  }
}
