package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.internal.Json;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code bin/schedule}: cron schedules, each fire of which becomes one job. Adding, listing and
 * showing runs are subcommands of their own; pausing, resuming and deleting are the methods below,
 * each a subcommand that takes a schedule's name.
 */
final class ScheduleCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  final GridCli cli;

  ScheduleCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "schedule",
            this,
            "Add, list, pause, resume and delete cron schedules; show what each fire became.");
    spec.addSubcommand("add", new ScheduleAddCommand(this).spec());
    spec.addSubcommand("list", new ScheduleListCommand(this).spec());
    spec.addSubcommand("runs", new ScheduleRunsCommand(this).spec());
    spec.addSubcommand(
        "delete", byName("delete", "Delete a schedule; the jobs it made stay.", this::delete));
    spec.addSubcommand(
        "pause",
        byName(
            "pause", "Suspend a schedule's fires until resume; running jobs go on.", this::pause));
    spec.addSubcommand(
        "resume",
        byName(
            "resume",
            "Let a paused schedule fire again; prints its next fire time.",
            this::resume));
    return spec;
  }

  /** What a subcommand that takes a schedule's name does with it. */
  private interface ByName {
    int run(GridClient grid, String name, boolean json);
  }

  /** A subcommand that takes a schedule's name and does {@code action} with it. */
  private CommandSpec byName(String command, String description, ByName action) {
    PositionalParamSpec name = Specs.parameter("NAME", String.class, "The schedule's name.");
    OptionSpec json =
        Specs.flag(
            "--json",
            command.equals("delete")
                ? "Print JSON: name, and deleted (true)."
                : "Print the schedule as the grid answered (as schedule list --json prints one).");
    Callable<Integer> run =
        () -> {
          try (GridClient grid = cli.client()) {
            return action.run(grid, name.getValue(), json.getValue());
          }
        };
    return Specs.command(command, run, description).addPositional(name).addOption(json);
  }

  private int pause(GridClient grid, String name, boolean json) {
    ScheduleInfo info = grid.schedules().pause(name);
    cli.out.println(json ? Json.toPrettyString(info) : info.spec().name() + ": paused");
    return 0;
  }

  private int resume(GridClient grid, String name, boolean json) {
    ScheduleInfo info = grid.schedules().resume(name);
    cli.out.println(json ? Json.toPrettyString(info) : nextFireLine(info));
    return 0;
  }

  private int delete(GridClient grid, String name, boolean json) {
    grid.schedules().delete(name);
    if (json) {
      Map<String, Object> deleted = new LinkedHashMap<>();
      deleted.put("name", name);
      deleted.put("deleted", true);
      cli.out.println(Json.toPrettyString(deleted));
    } else {
      cli.out.println(name + ": deleted (its jobs stay)");
    }
    return 0;
  }

  /** {@code nightly: next fire 2026-11-30 02:30:00 Europe/Paris}, or why there is none. */
  static String nextFireLine(ScheduleInfo info) {
    String name = info.spec().name();
    if (info.nextFireMillis() == null) {
      return name + ": " + (info.paused() ? "paused, no next fire" : "no next fire");
    }
    ZoneId zone = zone(info);
    return name + ": next fire " + time(info.nextFireMillis(), zone) + " " + zone.getId();
  }

  /** The schedule's zone, or UTC if the grid sent one this JVM does not know. */
  static ZoneId zone(ScheduleInfo info) {
    try {
      return ZoneId.of(info.spec().zoneOrUtc());
    } catch (DateTimeException e) {
      return ZoneOffset.UTC;
    }
  }

  /** A fire time as a person reads it, in the schedule's zone; null stays null ("-"). */
  static String time(Long millis, ZoneId zone) {
    return millis == null ? null : TIME.withZone(zone).format(Instant.ofEpochMilli(millis));
  }
}
