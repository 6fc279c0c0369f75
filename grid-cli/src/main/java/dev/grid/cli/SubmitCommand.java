package dev.grid.cli;

import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** {@code bin/submit}: hands a job to the grid and prints its id, or waits for it as srun does. */
final class SubmitCommand implements Callable<Integer> {
  static final int EXIT_TIMED_OUT = 124;
  static final int EXIT_CANCELLED = 130;

  private final GridCli cli;
  private final JobOptions job = new JobOptions(true);

  private final OptionSpec wait =
      Specs.flag("--wait", "Wait for the job to end; print its output.");

  private final OptionSpec json =
      Specs.flag(
          "--json",
          "Print JSON: {\"id\": ...}; with --wait, the ended job (as status --json)"
              + " instead of its output.");

  private final OptionSpec array =
      OptionSpec.builder("--array")
          .type(String.class)
          .paramLabel("INDICES[%N]")
          .description(
              "Submit an array: one task per index (0-999, 1,3,5-7), in one request;",
              "each task sees GRID_ARRAY_INDEX. %%N: at most N tasks at a time.")
          .build();

  private final OptionSpec afterOk =
      OptionSpec.builder("--after")
          .type(List.class)
          .auxiliaryTypes(JobId.class)
          .splitRegex(",")
          .paramLabel("ID[,ID...]")
          .description(
              "Run after these jobs (or arrays) all succeed; if one does not, end CANCELLED.")
          .build();

  private final OptionSpec afterAny =
      OptionSpec.builder("--after-any")
          .type(List.class)
          .auxiliaryTypes(JobId.class)
          .splitRegex(",")
          .paramLabel("ID[,ID...]")
          .description("Run after these jobs (or arrays) all end, whatever their state.")
          .build();

  private CommandSpec commandSpec;

  SubmitCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "submit",
            this,
            "Submit a job and print its id.",
            "With --wait, print the job's output (and a Java job's result) and exit with its exit",
            "code instead (no exit code: 0 for SUCCEEDED, 124 for TIMED_OUT, 130 for CANCELLED,",
            "1 otherwise).");
    spec.usageMessage()
        .footer(
            "",
            "Examples:",
            "  submit -- tar czf /backups/home.tgz /home",
            "  submit --wait --timeout 5m --shell 'make -j4 test | tail -20'",
            "  submit --wait --jar app.jar --class com.example.Pi -- 1000000",
            "  submit --array 0-999%%50 --shell './render.sh $GRID_ARRAY_INDEX'",
            "  submit --after j0mf3k2x9a-04f2k1qz --shell './encode.sh'");
    for (OptionSpec option : List.of(wait, json, array, afterOk, afterAny)) {
      spec.addOption(option);
    }
    commandSpec = job.addTo(spec);
    return commandSpec;
  }

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      // the spec needs the client first: a --jar is uploaded to the grid
      JobSpec spec = withArrayAndAfter(job.jobSpec(cli::local, grid::uploadJar));
      return send(cli, grid, spec, wait.getValue(), json.getValue());
    }
  }

  /** The command's work for a job known already, also done without the model by QuickLine. */
  static int run(GridCli cli, JobSpec spec, boolean wait) {
    try (GridClient grid = cli.client()) {
      return send(cli, grid, spec, wait, false);
    }
  }

  /** Submits the job; prints its id, or waits for it and prints its output. */
  private static int send(GridCli cli, GridClient grid, JobSpec spec, boolean wait, boolean json) {
    JobId id = grid.submit(spec);
    if (!wait) {
      cli.out.println(json ? Json.toPrettyString(Map.of("id", id.value())) : id);
      return 0;
    }
    JobInfo done =
        spec.array() == null ? GridCli.await(grid.completion(id)) : watchArray(cli, grid, id);
    if (json) {
      cli.out.println(Json.toPrettyString(done));
      return done.state() == JobState.SUCCEEDED ? 0 : exitCode(cli, done);
    }
    if (done.tasks() != null) {
      // An array has no output of its own: say how its tasks ended.
      cli.out.println(id + " " + done.state() + ": " + done.taskSummary());
      return done.state() == JobState.SUCCEEDED ? 0 : exitCode(cli, done);
    }
    GridCli.writeRaw(cli.out, grid.stdout(id));
    GridCli.writeRaw(cli.err, grid.stderr(id));
    if (spec.java() != null && done.state() == JobState.SUCCEEDED) {
      ResultCommand.printResult(grid, id, cli.out);
    }
    return exitCode(cli, done);
  }

  /** Waits for an array to end, its progress on stderr meanwhile. */
  static JobInfo watchArray(GridCli cli, GridClient grid, JobId array) {
    JobWatch.Watcher progress =
        new JobWatch.Progress(array, cli.err, cli.stderrTerminal, cli.nanos);
    return JobWatch.untilEnd(
        grid.completion(array), () -> grid.status(array), progress, JobWatch.POLL);
  }

  private JobSpec withArrayAndAfter(JobSpec spec) {
    try {
      String indices = array.getValue();
      if (indices != null) {
        spec = spec.withArray(ArraySpec.parse(indices));
      }
      List<JobId> ok = Specs.list(afterOk);
      List<JobId> any = Specs.list(afterAny);
      if (!ok.isEmpty() || !any.isEmpty()) {
        spec = spec.withAfter(new Dependencies(ok, any));
      }
      return spec;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandSpec.commandLine(), e.getMessage(), e);
    }
  }

  /** The job's exit code; without one, a code that says why, and a line on stderr. */
  static int exitCode(GridCli cli, JobInfo done) {
    if (done.exitCode() != null) {
      return done.exitCode();
    }
    if (done.state() == JobState.SUCCEEDED) {
      return 0; // a Java job: no process, no exit code
    }
    cli.err.println(
        "error: job "
            + done.id()
            + " ended "
            + done.state()
            + (done.message() == null
                ? " without an exit code"
                : ": " + GridCli.oneLine(done.message())));
    return switch (done.state()) {
      case TIMED_OUT -> EXIT_TIMED_OUT;
      case CANCELLED -> EXIT_CANCELLED;
      default -> GridCli.ERROR;
    };
  }
}
