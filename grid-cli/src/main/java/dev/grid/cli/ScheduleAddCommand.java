package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bin/schedule add}: a cron schedule whose every fire runs the given job. */
@Command(
    name = "add",
    mixinStandardHelpOptions = true,
    description = {
      "Add a schedule and print its next fire time.",
      "CRON is Quartz with seconds (0/5 * * * * ?), five-field Unix cron (*/5 * * * *),",
      "or @every 10s, @hourly, @daily. The job options are those of submit."
    },
    footer = {
      "",
      "Examples:",
      "  schedule add --name backup --cron '30 2 * * *' --tz Europe/Paris -- backup.sh",
      "  schedule add --name probe --cron '@every 10s' --overlap forbid --keep-runs 20 \\",
      "      --shell 'curl -fs $U'"
    })
final class ScheduleAddCommand implements Callable<Integer> {
  @ParentCommand ScheduleCommand schedule;
  @Spec CommandSpec spec;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "Unique in the grid: 1 to 64 of A-Z a-z 0-9 . _ -")
  String name;

  @Option(names = "--cron", required = true, paramLabel = "EXPR", description = "When it fires.")
  String cron;

  @Option(
      names = "--tz",
      paramLabel = "ZONE",
      description = "Time zone the expression is read in, like Europe/Paris (default: UTC).")
  String zone;

  @Option(
      names = "--misfire",
      paramLabel = "POLICY",
      description = "Fires missed while no primary ran: skip, once (default) or all.")
  MisfirePolicy misfire = MisfirePolicy.ONCE;

  @Option(
      names = "--max-catch-up",
      paramLabel = "N",
      description = "With --misfire all, run at most N missed fires (default: ${DEFAULT-VALUE}).")
  int maxCatchUp = ScheduleSpec.DEFAULT_MAX_CATCH_UP;

  @Option(
      names = "--overlap",
      paramLabel = "POLICY",
      description = "A fire while the previous run runs: allow (default), forbid or replace.")
  OverlapPolicy overlap = OverlapPolicy.ALLOW;

  @Option(
      names = "--keep-runs",
      paramLabel = "N",
      description =
          "Keep this schedule's newest N runs (jobs, output, history); 0 keeps all"
              + " (default: the grid's --keep-runs).")
  Integer keepRuns;

  @Mixin JobOptions job;

  @Override
  public Integer call() {
    try (GridClient grid = schedule.cli.client()) {
      ScheduleSpec added = scheduleSpec(grid);
      schedule.cli.out.println(ScheduleCommand.nextFireLine(grid.schedules().add(added)));
      return 0;
    }
  }

  private ScheduleSpec scheduleSpec(GridClient grid) {
    try {
      return new ScheduleSpec(
          name, cron, zone, job.jobSpec(grid::uploadJar), misfire, overlap, maxCatchUp, keepRuns);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }
}
