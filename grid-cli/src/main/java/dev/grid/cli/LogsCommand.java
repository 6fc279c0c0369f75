package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/logs ID}: what a job wrote, byte for byte. */
final class LogsCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  private final OptionSpec stderr = Specs.flag("--stderr", "Print stderr instead of stdout.");

  LogsCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command("logs", this, "Print a job's stdout (or stderr) as it wrote it.")
        .addPositional(id)
        .addOption(stderr);
  }

  @Override
  public Integer call() {
    return run(cli, id.getValue(), stderr.getValue());
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, JobId id, boolean stderr) {
    try (GridClient grid = cli.client()) {
      GridCli.writeRaw(cli.out, stderr ? grid.stderr(id) : grid.stdout(id));
      return 0;
    }
  }
}
