package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/result ID}: what a Java job returned, as its {@code toString()}. */
final class ResultCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  ResultCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "result",
            this,
            "Print the value a Java job returned (its toString()).",
            "A job that has none (a shell job, one that has not SUCCEEDED) is an error saying why.")
        .addPositional(id);
  }

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      printResult(grid, id.getValue(), cli.out);
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
