package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.ScheduleInfo;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code bin/schedule}: cron schedules, each fire of which becomes one job. Adding and listing are
 * subcommands of their own; pausing, resuming and deleting are the methods below.
 */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = "Add, list, pause, resume and delete cron schedules; show what each fire became.",
    subcommands = {ScheduleAddCommand.class, ScheduleListCommand.class, ScheduleRunsCommand.class})
final class ScheduleCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @ParentCommand GridCli cli;

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Suspend a schedule's fires until resume; running jobs go on.")
  int pause(@Parameters(paramLabel = "NAME", description = "The schedule's name.") String name) {
    try (GridClient grid = cli.client()) {
      ScheduleInfo info = grid.schedules().pause(name);
      cli.out.println(info.spec().name() + ": paused");
      return 0;
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Let a paused schedule fire again; prints its next fire time.")
  int resume(@Parameters(paramLabel = "NAME", description = "The schedule's name.") String name) {
    try (GridClient grid = cli.client()) {
      cli.out.println(nextFireLine(grid.schedules().resume(name)));
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a schedule; the jobs it made stay.")
  int delete(@Parameters(paramLabel = "NAME", description = "The schedule's name.") String name) {
    try (GridClient grid = cli.client()) {
      grid.schedules().delete(name);
      cli.out.println(name + ": deleted (its jobs stay)");
      return 0;
    }
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
