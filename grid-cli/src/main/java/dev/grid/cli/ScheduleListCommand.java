package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code bin/schedule list}: every schedule with its next and last fire, in its own zone. */
final class ScheduleListCommand implements Callable<Integer> {
  private final ScheduleCommand schedule;

  private final OptionSpec json =
      Specs.flag("--json", "Print a JSON list (spec, paused, nextFireMillis, ...).");

  ScheduleListCommand(ScheduleCommand schedule) {
    this.schedule = schedule;
  }

  CommandSpec spec() {
    return Specs.command(
            "list", this, "List schedules by name; fire times are in each schedule's zone.")
        .addOption(json);
  }

  @Override
  public Integer call() {
    return run(schedule.cli, json.getValue());
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, boolean json) {
    try (GridClient grid = cli.client()) {
      List<ScheduleInfo> schedules = grid.schedules().list();
      if (json) {
        cli.out.println(Json.toPrettyString(schedules));
        return 0;
      }
      Table table =
          new Table(
              "NAME",
              "CRON",
              "TZ",
              "NEXT FIRE",
              "LAST FIRE",
              "MISFIRE",
              "OVERLAP",
              "PAUSED",
              "COMMAND");
      for (ScheduleInfo info : schedules) {
        ScheduleSpec spec = info.spec();
        ZoneId zone = ScheduleCommand.zone(info);
        table.row(
            spec.name(),
            spec.cron(),
            zone.getId(),
            ScheduleCommand.time(info.nextFireMillis(), zone),
            ScheduleCommand.time(info.lastFireMillis(), zone),
            misfire(spec),
            word(spec.overlap()),
            info.paused() ? "yes" : "no",
            JobsCommand.shorten(spec.job().display()));
      }
      table.print(cli.out);
      return 0;
    }
  }

  private static String misfire(ScheduleSpec spec) {
    return spec.misfire() == MisfirePolicy.ALL
        ? "all (max " + spec.maxCatchUp() + ")"
        : word(spec.misfire());
  }

  static String word(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
