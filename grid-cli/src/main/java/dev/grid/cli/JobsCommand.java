package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobFilter;
import dev.grid.api.JobInfo;
import dev.grid.api.JobPage;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** {@code bin/jobs}: the grid's jobs, oldest first. */
final class JobsCommand implements Callable<Integer> {
  private static final int COMMAND_WIDTH = 60;

  private final GridCli cli;

  private final OptionSpec state =
      OptionSpec.builder("--state")
          .type(JobState.class)
          .paramLabel("STATE")
          .description("Only jobs in this state: ${COMPLETION-CANDIDATES}.")
          .build();

  private final OptionSpec name =
      OptionSpec.builder("--name")
          .type(String.class)
          .paramLabel("NAME")
          .description("Only jobs of this name (submit --name), exactly.")
          .build();

  private final OptionSpec json = Specs.flag("--json", "Print a JSON list of jobs.");

  private final OptionSpec format =
      OptionSpec.builder("--format", "-o")
          .type(String.class)
          .paramLabel("COLUMNS")
          .description(
              "The columns to show, comma-separated, as squeue's --Format: "
                  + JobColumn.known()
                  + " (default: id,state,node,attempt,exit,submitted,command).")
          .build();

  private final OptionSpec tasks =
      Specs.flag("--tasks", "List each task of an array after it (ids ARRAY_INDEX).");

  private final OptionSpec limit =
      OptionSpec.builder("--limit")
          .type(int.class)
          .defaultValue("" + JobPage.DEFAULT_LIMIT)
          .paramLabel("N")
          .description(
              "Show at most N jobs, up to "
                  + JobPage.MAX_LIMIT
                  + " (default: ${DEFAULT-VALUE}); when more follow, say how to see them.")
          .build();

  private final OptionSpec after =
      OptionSpec.builder("--after")
          .type(String.class)
          .paramLabel("CURSOR")
          .description("Start after this point of the list: the value of a previous 'more:' line.")
          .build();

  private final OptionSpec all =
      Specs.flag("--all", "Show every job, reading the list a page (--limit) at a time.");

  JobsCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command(
            "jobs",
            this,
            "List jobs, oldest first.",
            "An array is one line with its tasks' counts; --tasks lists its tasks too.")
        .addOption(state)
        .addOption(name)
        .addOption(json)
        .addOption(format)
        .addOption(tasks)
        .addOption(limit)
        .addOption(after)
        .addOption(all);
  }

  @Override
  public Integer call() {
    if (all.<Boolean>getValue() && after.getValue() != null) {
      throw new IllegalArgumentException("give --all or --after, not both");
    }
    String columns = format.getValue();
    if (columns != null && json.<Boolean>getValue()) {
      throw new ParameterException(
          format.command().commandLine(), "give --format or --json, not both");
    }
    List<JobColumn> shown;
    try {
      shown = columns == null ? JobColumn.DEFAULT : JobColumn.parse(columns);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(format.command().commandLine(), e.getMessage(), e);
    }
    JobFilter filter;
    try {
      filter = new JobFilter(state.getValue(), name.getValue());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(name.command().commandLine(), e.getMessage(), e);
    }
    return run(
        cli,
        filter,
        json.getValue(),
        tasks.getValue(),
        new Paging(limit.getValue(), after.getValue(), all.getValue()),
        shown);
  }

  /**
   * Which part of the list to show.
   *
   * @param limit jobs per page, 1 to {@value JobPage#MAX_LIMIT}
   * @param after the cursor to start after, or null for the first page
   * @param all every page
   */
  record Paging(int limit, String after, boolean all) {
    static final Paging FIRST = new Paging(JobPage.DEFAULT_LIMIT, null, false);
  }

  /**
   * The command's work, also done without the model by {@link QuickLine}.
   *
   * @param filter which jobs: by state, by name
   */
  static int run(
      GridCli cli,
      JobFilter filter,
      boolean json,
      boolean tasks,
      Paging paging,
      List<JobColumn> columns) {
    if (paging.limit() < 1 || paging.limit() > JobPage.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "--limit " + paging.limit() + " is not valid: give 1 to " + JobPage.MAX_LIMIT);
    }
    try (GridClient grid = cli.client()) {
      List<JobInfo> jobs = new ArrayList<>();
      String next = paging.after();
      do {
        JobPage page = grid.jobsPage(filter, tasks, paging.limit(), next);
        jobs.addAll(page.jobs());
        next = page.next();
      } while (paging.all() && next != null);
      if (json) {
        cli.out.println(Json.toPrettyString(jobs));
      } else {
        table(jobs, columns, cli.clock::millis).print(cli.out);
      }
      if (next != null) {
        cli.err.println(
            "more: bin/jobs"
                + (filter.state() == null ? "" : " --state " + filter.state())
                + (filter.name() == null ? "" : " --name " + GridCli.shellQuoted(filter.name()))
                + (tasks ? " --tasks" : "")
                + (json ? " --json" : "")
                + (columns.equals(JobColumn.DEFAULT) ? "" : " --format " + keys(columns))
                + (paging.limit() == JobPage.DEFAULT_LIMIT ? "" : " --limit " + paging.limit())
                + " --after "
                + next);
      }
      return 0;
    }
  }

  private static Table table(List<JobInfo> jobs, List<JobColumn> columns, LongSupplier now) {
    String[] headers = new String[columns.size()];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = columns.get(i).header();
    }
    Table table = new Table(headers);
    Object[] cells = new Object[headers.length];
    for (JobInfo job : jobs) {
      for (int i = 0; i < cells.length; i++) {
        cells[i] = columns.get(i).cell(job, now);
      }
      table.row(cells);
    }
    return table;
  }

  private static String keys(List<JobColumn> columns) {
    StringJoiner keys = new StringJoiner(",");
    for (JobColumn column : columns) {
      keys.add(column.key());
    }
    return keys.toString();
  }

  /** The command; for an array, its indices and its tasks' counts first. */
  static String command(JobInfo job) {
    String command = job.spec() == null ? "" : job.spec().display();
    if (job.tasks() != null) {
      return "[" + job.spec().array().display() + " " + job.taskSummary() + "] " + command;
    }
    return command;
  }

  /** A command cut to fit a table column. */
  static String shorten(String text) {
    return text.length() <= COMMAND_WIDTH ? text : text.substring(0, COMMAND_WIDTH - 3) + "...";
  }
}
