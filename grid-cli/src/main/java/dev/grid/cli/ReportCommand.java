package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobReport;
import dev.grid.api.Resources;
import dev.grid.api.internal.Durations;
import dev.grid.api.internal.Json;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code bin/report}: what the jobs that ended lately cost, per queue, job name and submitter (the
 * grid's {@code sacct}).
 */
final class ReportCommand implements Callable<Integer> {
  private final GridCli cli;
  private CommandSpec spec;

  private final OptionSpec since =
      OptionSpec.builder("--since")
          .type(String.class)
          .paramLabel("DURATION")
          .defaultValue("1d")
          .description("Jobs that ended this long ago or since: 1d, 12h, 30m (default 1d).")
          .build();

  private final OptionSpec by =
      OptionSpec.builder("--by")
          .type(String.class)
          .paramLabel("GROUP")
          .description("Only one table: queue, name or submitter (default: all three).")
          .build();

  private final OptionSpec json = Specs.flag("--json", "Print the report as JSON.");

  ReportCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    spec =
        Specs.command(
                "report",
                this,
                "What ended jobs cost (count, outcomes, run and CPU time, peak memory), per queue,"
                    + " name and submitter.")
            .addOption(since)
            .addOption(by)
            .addOption(json);
    return spec;
  }

  @Override
  public Integer call() {
    Duration window;
    try {
      window = Durations.parse(since.getValue());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--since: " + e.getMessage());
    }
    String group = by.getValue();
    if (group != null && !List.of("queue", "name", "submitter").contains(group)) {
      throw new ParameterException(
          spec.commandLine(), "--by '" + group + "' is not one of queue, name, submitter");
    }
    try (GridClient grid = cli.client()) {
      JobReport report = grid.report(window);
      if (json.<Boolean>getValue()) {
        cli.out.println(Json.toPrettyString(report));
        return 0;
      }
      boolean first = true;
      for (String g : group == null ? List.of("queue", "name", "submitter") : List.of(group)) {
        if (!first) {
          cli.out.println();
        }
        first = false;
        print(
            g.toUpperCase(Locale.ROOT),
            switch (g) {
              case "queue" -> report.byQueue();
              case "name" -> report.byName();
              default -> report.bySubmitter();
            });
      }
      long measured = report.byQueue().stream().mapToLong(JobReport.Row::measured).sum();
      long jobs = report.byQueue().stream().mapToLong(JobReport.Row::jobs).sum();
      if (jobs > measured) {
        cli.out.println();
        cli.out.println(
            (jobs - measured)
                + " of "
                + jobs
                + " jobs have no CPU or memory figures: they ran where the node does not use"
                + " cgroups (not root), or in a node's JVM (Java jobs not --isolated).");
      }
      return 0;
    }
  }

  private void print(String header, List<JobReport.Row> rows) {
    Table table =
        new Table(
            header,
            "JOBS",
            "OK",
            "FAILED",
            "CANCELLED",
            "RUN TIME",
            "CPU USER",
            "CPU SYS",
            "PEAK MEM");
    for (JobReport.Row r : rows) {
      table.row(
          r.key(),
          r.jobs(),
          r.succeeded(),
          r.failed(),
          r.cancelled(),
          seconds(r.runMillis()),
          r.measured() == 0 ? "-" : seconds(r.cpuUserMillis()),
          r.measured() == 0 ? "-" : seconds(r.cpuSystemMillis()),
          r.measured() == 0 ? "-" : Resources.roughMemory(r.peakMemoryBytes()));
    }
    table.print(cli.out);
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}
