package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.ScheduleInfo;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Model.CommandSpec;
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

  /** A subcommand that takes a schedule's name and does {@code action} with it. */
  private CommandSpec byName(
      String command, String description, BiFunction<GridClient, String, Integer> action) {
    PositionalParamSpec name = Specs.parameter("NAME", String.class, "The schedule's name.");
    Callable<Integer> run =
        () -> {
          try (GridClient grid = cli.client()) {
            return action.apply(grid, name.getValue());
          }
        };
    return Specs.command(command, run, description).addPositional(name);
  }

  private int pause(GridClient grid, String name) {
    ScheduleInfo info = grid.schedules().pause(name);
    cli.out.println(info.spec().name() + ": paused");
    return 0;
  }

  private int resume(GridClient grid, String name) {
    cli.out.println(nextFireLine(grid.schedules().resume(name)));
    return 0;
  }

  private int delete(GridClient grid, String name) {
    grid.schedules().delete(name);
    cli.out.println(name + ": deleted (its jobs stay)");
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
