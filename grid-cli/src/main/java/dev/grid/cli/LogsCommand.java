package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bin/logs ID}: what a job wrote, byte for byte. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print a job's stdout (or stderr) as it wrote it.")
final class LogsCommand implements Callable<Integer> {
  @ParentCommand GridCli cli;

  @Parameters(paramLabel = "ID", description = "The job's id.")
  JobId id;

  @Option(names = "--stderr", description = "Print stderr instead of stdout.")
  boolean stderr;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      GridCli.writeRaw(cli.out, stderr ? grid.stderr(id) : grid.stdout(id));
      return 0;
    }
  }
}
