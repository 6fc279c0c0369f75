package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** {@code bin/schedule add}: a cron schedule whose every fire runs the given job. */
final class ScheduleAddCommand implements Callable<Integer> {
  private final ScheduleCommand schedule;
  private final JobOptions job = new JobOptions(false);

  private final OptionSpec name =
      OptionSpec.builder("--name")
          .type(String.class)
          .required(true)
          .paramLabel("NAME")
          .description("Unique in the grid: 1 to 64 of A-Z a-z 0-9 . _ -")
          .build();

  private final OptionSpec cron =
      OptionSpec.builder("--cron")
          .type(String.class)
          .required(true)
          .paramLabel("EXPR")
          .description("When it fires.")
          .build();

  private final OptionSpec zone =
      OptionSpec.builder("--tz")
          .type(String.class)
          .paramLabel("ZONE")
          .description("Time zone the expression is read in, like Europe/Paris (default: UTC).")
          .build();

  private final OptionSpec misfire =
      OptionSpec.builder("--misfire")
          .type(MisfirePolicy.class)
          .initialValue(MisfirePolicy.ONCE)
          .paramLabel("POLICY")
          .description("Fires missed while no primary ran: skip, once (default) or all.")
          .build();

  private final OptionSpec maxCatchUp =
      OptionSpec.builder("--max-catch-up")
          .type(int.class)
          .initialValue(ScheduleSpec.DEFAULT_MAX_CATCH_UP)
          .paramLabel("N")
          .description(
              "With --misfire all, run at most N missed fires (default: ${DEFAULT-VALUE}).")
          .build();

  private final OptionSpec overlap =
      OptionSpec.builder("--overlap")
          .type(OverlapPolicy.class)
          .initialValue(OverlapPolicy.ALLOW)
          .paramLabel("POLICY")
          .description("A fire while the previous run runs: allow (default), forbid or replace.")
          .build();

  private final OptionSpec keepRuns =
      OptionSpec.builder("--keep-runs")
          .type(Integer.class)
          .paramLabel("N")
          .description(
              "Keep this schedule's newest N runs (jobs, output, history); 0 keeps all"
                  + " (default: the grid's --keep-runs).")
          .build();

  private final OptionSpec json =
      Specs.flag("--json", "Print the schedule as the grid answered (as schedule list --json).");

  private CommandSpec commandSpec;

  ScheduleAddCommand(ScheduleCommand schedule) {
    this.schedule = schedule;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "add",
            this,
            "Add a schedule and print its next fire time.",
            "CRON is Quartz with seconds (0/5 * * * * ?), five-field Unix cron (*/5 * * * *),",
            "or @every 10s, @hourly, @daily. The job options are those of submit.");
    spec.usageMessage()
        .footer(
            "",
            "Examples:",
            "  schedule add --name backup --cron '30 2 * * *' --tz Europe/Paris -- backup.sh",
            "  schedule add --name probe --cron '@every 10s' --overlap forbid --keep-runs 20 \\",
            "      --shell 'curl -fs $U'");
    for (OptionSpec option :
        List.of(name, cron, zone, misfire, maxCatchUp, overlap, keepRuns, json)) {
      spec.addOption(option);
    }
    commandSpec = job.addTo(spec);
    return commandSpec;
  }

  @Override
  public Integer call() {
    try (GridClient grid = schedule.cli.client()) {
      ScheduleSpec added = scheduleSpec(grid);
      ScheduleInfo info = grid.schedules().add(added);
      schedule.cli.out.println(
          json.<Boolean>getValue()
              ? Json.toPrettyString(info)
              : ScheduleCommand.nextFireLine(info));
      return 0;
    }
  }

  private ScheduleSpec scheduleSpec(GridClient grid) {
    try {
      return new ScheduleSpec(
          name.getValue(),
          cron.getValue(),
          zone.getValue(),
          job.jobSpec(schedule.cli::local, grid::uploadJar),
          misfire.getValue(),
          overlap.getValue(),
          maxCatchUp.getValue(),
          keepRuns.getValue());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandSpec.commandLine(), e.getMessage(), e);
    }
  }
}
