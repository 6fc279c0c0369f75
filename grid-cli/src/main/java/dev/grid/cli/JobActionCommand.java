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
 * {@code bin/hold ID}, {@code bin/release ID} and {@code bin/requeue ID}: one request about one
 * job; prints its id and state after it (for a requeue, the new job's).
 */
final class JobActionCommand implements Callable<Integer> {
  /** What the command asks. */
  enum Action {
    HOLD("hold", "Hold a job not yet dispatched: it waits, HELD, until bin/release."),
    RELEASE("release", "Release a held job: queued again (or waiting, if it has dependencies)."),
    REQUEUE(
        "requeue",
        "Run an ended job again, as a new job (an array: its tasks that did not succeed).");

    final String name;
    final String summary;

    Action(String name, String summary) {
      this.name = name;
      this.summary = summary;
    }
  }

  private final GridCli cli;
  private final Action action;

  private final PositionalParamSpec id =
      Specs.parameter("ID", JobId.class, "The job's (or array's) id.");

  private final OptionSpec json =
      Specs.flag("--json", "Print the job as the grid answered (as status --json prints it).");

  JobActionCommand(GridCli cli, Action action) {
    this.cli = cli;
    this.action = action;
  }

  CommandSpec spec() {
    return Specs.command(action.name, this, action.summary).addPositional(id).addOption(json);
  }

  @Override
  public Integer call() {
    JobId given = id.getValue();
    try (GridClient grid = cli.client()) {
      JobInfo job =
          switch (action) {
            case HOLD -> grid.hold(given);
            case RELEASE -> grid.release(given);
            case REQUEUE -> grid.requeue(given);
          };
      if (json.<Boolean>getValue()) {
        cli.out.println(Json.toPrettyString(job));
      } else if (action == Action.REQUEUE) {
        cli.out.println(given + " requeued as " + job.id() + " " + job.state());
      } else {
        cli.out.println(job.id() + " " + job.state());
      }
      return 0;
    }
  }
}
