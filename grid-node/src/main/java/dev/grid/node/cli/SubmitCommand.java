package dev.grid.node.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bin/submit}: hands a job to the grid and prints its id, or waits for it as srun does. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Submit a job and print its id.",
      "With --wait, print the job's output and exit with its exit code instead",
      "(no exit code: 124 for TIMED_OUT, 130 for CANCELLED, 1 otherwise)."
    },
    footer = {"", "Examples:", "  submit -- tar czf /backups/home.tgz /home",
        "  submit --wait --timeout 5m --shell 'make -j4 test | tail -20'"})
final class SubmitCommand implements Callable<Integer> {
  static final int EXIT_TIMED_OUT = 124;
  static final int EXIT_CANCELLED = 130;

  @ParentCommand GridCli cli;
  @Spec CommandSpec spec;

  @Option(names = "--wait", description = "Wait for the job to end; print its output.")
  boolean wait;

  @Option(
      names = "--timeout",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Kill the job's process tree after this long: 30s, 5m, 1h, 500ms, PT30S.")
  Duration timeout;

  @Option(
      names = "--retries",
      paramLabel = "N",
      description = "Runs again if its worker dies under it (default: ${DEFAULT-VALUE}).")
  int retries = JobSpec.DEFAULT_MAX_RETRIES;

  @Option(names = "--env", paramLabel = "K=V", description = "An environment variable; repeatable.")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--workdir", paramLabel = "DIR", description = "Directory to run in on the worker.")
  String workdir;

  @Option(names = "--shell", paramLabel = "LINE", description = "A line for sh -c, instead of CMD.")
  String shell;

  @Parameters(
      paramLabel = "CMD",
      arity = "0..*",
      description = "The program and its arguments, passed unchanged (put -- before them).")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    JobSpec job = jobSpec();
    try (GridClient grid = cli.client()) {
      JobId id = grid.submit(job);
      if (!wait) {
        cli.out.println(id);
        return 0;
      }
      JobInfo done = GridCli.await(grid.completion(id));
      GridCli.writeRaw(cli.out, grid.stdout(id));
      GridCli.writeRaw(cli.err, grid.stderr(id));
      return exitCode(done);
    }
  }

  private JobSpec jobSpec() {
    if (shell != null && !command.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "give either --shell LINE or a command after --, not both");
    }
    if (shell == null && command.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "nothing to run: give a command after --, or --shell LINE");
    }
    try {
      JobSpec base = shell != null ? JobSpec.shell(shell) : JobSpec.of(command);
      return base.withEnv(env).withWorkDir(workdir).withTimeout(timeout).withMaxRetries(retries);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** The job's exit code; without one, a code that says why, and a line on stderr. */
  private int exitCode(JobInfo done) {
    if (done.exitCode() != null) {
      return done.exitCode();
    }
    cli.err.println(
        "error: job " + done.id() + " ended " + done.state()
            + (done.message() == null ? " without an exit code" : ": " + GridCli.oneLine(done.message())));
    return switch (done.state()) {
      case TIMED_OUT -> EXIT_TIMED_OUT;
      case CANCELLED -> EXIT_CANCELLED;
      default -> GridCli.ERROR;
    };
  }
}
