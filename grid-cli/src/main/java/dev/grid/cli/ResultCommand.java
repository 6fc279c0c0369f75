package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bin/result ID}: what a Java job returned, as its {@code toString()}. */
@Command(
    name = "result",
    mixinStandardHelpOptions = true,
    description = {
      "Print the value a Java job returned (its toString()).",
      "A job that has none (a shell job, one that has not SUCCEEDED) is an error saying why."
    })
final class ResultCommand implements Callable<Integer> {
  @ParentCommand GridCli cli;

  @Parameters(paramLabel = "ID", description = "The job's id.")
  JobId id;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      printResult(grid, id, cli.out);
      return 0;
    }
  }

  static void printResult(GridClient grid, JobId id, PrintStream out) {
    String text = grid.resultText(id);
    out.print(text);
    out.println();
    out.flush();
  }
}
