package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.internal.Json;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/result ID}: what a Java job returned, as its {@code toString()}. */
final class ResultCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  private final OptionSpec json =
      Specs.flag("--json", "Print JSON: id, and result (the value's toString()).");

  ResultCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "result",
            this,
            "Print the value a Java job returned (its toString()).",
            "A job that has none (a shell job, one that has not SUCCEEDED) is an error saying why.")
        .addPositional(id)
        .addOption(json);
  }

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      JobId job = id.getValue();
      if (json.<Boolean>getValue()) {
        cli.out.println(Json.toPrettyString(resultJson(job, grid.resultText(job))));
      } else {
        printResult(grid, job, cli.out);
      }
      return 0;
    }
  }

  /** What {@code --json} prints: the job's id and its result's text. */
  static Map<String, Object> resultJson(JobId id, String text) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id.value());
    json.put("result", text);
    return json;
  }

  static void printResult(GridClient grid, JobId id, PrintStream out) {
    String text = grid.resultText(id);
    out.print(text);
    out.println();
    out.flush();
  }
}
