package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.ScheduleRun;
import dev.grid.api.internal.Json;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bin/schedule runs NAME}: what each due time became, oldest first. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = {
      "Show what each fire of a schedule became, oldest first.",
      "Each fire time has its job and the job's state, or 'missed' / 'skipped' and why."
    })
final class ScheduleRunsCommand implements Callable<Integer> {
  @ParentCommand ScheduleCommand schedule;

  @Parameters(paramLabel = "NAME", description = "The schedule's name.")
  String name;

  @Option(names = "--json", description = "Print a JSON list (fireTimeMillis, outcome, jobId...).")
  boolean json;

  @Override
  public Integer call() {
    try (GridClient grid = schedule.cli.client()) {
      List<ScheduleRun> runs = grid.schedules().runs(name);
      if (json) {
        schedule.cli.out.println(Json.toPrettyString(runs));
        return 0;
      }
      ZoneId zone = ScheduleCommand.zone(grid.schedules().get(name));
      Table table =
          new Table("FIRE TIME (" + zone.getId() + ")", "OUTCOME", "JOB", "STATE", "REASON");
      for (ScheduleRun run : runs) {
        table.row(
            ScheduleCommand.time(run.fireTimeMillis(), zone),
            ScheduleListCommand.word(run.outcome()),
            run.jobId(),
            run.state(),
            run.reason());
      }
      table.print(schedule.cli.out);
      return 0;
    }
  }
}
