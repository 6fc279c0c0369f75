package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.ScheduleRun;
import dev.grid.api.internal.Json;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/schedule runs NAME}: what each due time became, oldest first. */
final class ScheduleRunsCommand implements Callable<Integer> {
  private final ScheduleCommand schedule;

  private final PositionalParamSpec name =
      Specs.parameter("NAME", String.class, "The schedule's name.");

  private final OptionSpec json =
      Specs.flag("--json", "Print a JSON list (fireTimeMillis, outcome, jobId...).");

  ScheduleRunsCommand(ScheduleCommand schedule) {
    this.schedule = schedule;
  }

  CommandSpec spec() {
    return Specs.command(
            "runs",
            this,
            "Show what each fire of a schedule became, oldest first.",
            "Each fire time has its job and the job's state, or 'missed' / 'skipped' and why.")
        .addPositional(name)
        .addOption(json);
  }

  @Override
  public Integer call() {
    try (GridClient grid = schedule.cli.client()) {
      String name = this.name.getValue();
      List<ScheduleRun> runs = grid.schedules().runs(name);
      if (json.<Boolean>getValue()) {
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
