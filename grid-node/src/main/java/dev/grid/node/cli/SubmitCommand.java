package dev.grid.node.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code bin/submit}: hands a job to the grid and prints its id, or waits for it as srun does. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Submit a job and print its id.",
      "With --wait, print the job's output (and a Java job's result) and exit with its exit",
      "code instead (no exit code: 0 for SUCCEEDED, 124 for TIMED_OUT, 130 for CANCELLED,",
      "1 otherwise)."
    },
    footer = {"", "Examples:", "  submit -- tar czf /backups/home.tgz /home",
        "  submit --wait --timeout 5m --shell 'make -j4 test | tail -20'",
        "  submit --wait --jar app.jar --class com.example.Pi -- 1000000"})
final class SubmitCommand implements Callable<Integer> {
  static final int EXIT_TIMED_OUT = 124;
  static final int EXIT_CANCELLED = 130;

  @ParentCommand GridCli cli;

  @Option(names = "--wait", description = "Wait for the job to end; print its output.")
  boolean wait;

  @Mixin JobOptions job;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      JobSpec spec = job.jobSpec(grid::uploadJar);
      JobId id = grid.submit(spec);
      if (!wait) {
        cli.out.println(id);
        return 0;
      }
      JobInfo done = GridCli.await(grid.completion(id));
      GridCli.writeRaw(cli.out, grid.stdout(id));
      GridCli.writeRaw(cli.err, grid.stderr(id));
      if (spec.java() != null && done.state() == JobState.SUCCEEDED) {
        ResultCommand.printResult(grid, id, cli.out);
      }
      return exitCode(done);
    }
  }

  /** The job's exit code; without one, a code that says why, and a line on stderr. */
  private int exitCode(JobInfo done) {
    if (done.exitCode() != null) {
      return done.exitCode();
    }
    if (done.state() == JobState.SUCCEEDED) {
      return 0; // a Java job: no process, no exit code
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
