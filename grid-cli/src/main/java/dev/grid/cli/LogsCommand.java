package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/** {@code bin/logs [--follow | --attempt N] ID}: what a job wrote, byte for byte. */
final class LogsCommand implements Callable<Integer> {
  private final GridCli cli;

  private final PositionalParamSpec id = Specs.parameter("ID", JobId.class, "The job's id.");

  private final OptionSpec stderr = Specs.flag("--stderr", "Print stderr instead of stdout.");

  private final OptionSpec follow =
      Specs.flag(
          "--follow",
          "Print the output as the running job writes it (a second or so behind), until the job"
              + " ends; then exit with its exit code, as submit --wait does.");

  private final OptionSpec attempt =
      OptionSpec.builder("--attempt")
          .type(Integer.class)
          .paramLabel("N")
          .description(
              "Print what attempt N wrote (1 for the first; bin/status lists them), not the"
                  + " latest.")
          .build();

  /** How often a follow asks for more. */
  static final Duration FOLLOW_EVERY = Duration.ofMillis(500);

  LogsCommand(GridCli cli) {
    this.cli = cli;
  }

  private CommandSpec self;

  CommandSpec spec() {
    self =
        Specs.command("logs", this, "Print a job's stdout (or stderr) as it wrote it.")
            .addPositional(id)
            .addOption(stderr)
            .addOption(follow)
            .addOption(attempt);
    return self;
  }

  @Override
  public Integer call() throws InterruptedException {
    Integer n = attempt.getValue();
    if (n != null) {
      if (follow.<Boolean>getValue()) {
        throw new ParameterException(
            self.commandLine(), "--attempt and --follow do not go together: follow the latest");
      }
      try (GridClient grid = cli.client()) {
        GridCli.writeRaw(cli.out, grid.output(id.getValue(), n, stderr.<Boolean>getValue()));
        return 0;
      }
    }
    if (follow.getValue()) {
      return follow(cli, id.getValue(), stderr.getValue());
    }
    return run(cli, id.getValue(), stderr.getValue());
  }

  /**
   * Prints the job's output as it comes: asks for its state, then for the bytes past those printed,
   * until a state asked before the read says it ended (so the last read has it all). A new attempt
   * (its worker died and it runs again) starts its output afresh: a line on stderr says so.
   */
  static int follow(GridCli cli, JobId id, boolean stderr) throws InterruptedException {
    try (GridClient grid = cli.client()) {
      long have = 0;
      int attempt = -1;
      // Waited on between reads: the next read comes after FOLLOW_EVERY, or at once when it ends.
      CompletableFuture<JobInfo> done = grid.completion(id);
      while (true) {
        JobInfo now = grid.status(id);
        if (now.tasks() != null) {
          cli.err.println(
              "error: job "
                  + id
                  + " is an array and has no output of its own: follow one of its tasks, like "
                  + id
                  + "_0");
          return GridCli.ERROR;
        }
        if (attempt >= 1 && now.attempt() != attempt) {
          cli.err.println(
              "[attempt "
                  + now.attempt()
                  + " of job "
                  + id
                  + (now.node() == null ? "" : " on node " + now.node())
                  + ": its output follows from its start]");
          have = 0;
        }
        attempt = now.attempt();
        byte[] more = grid.output(id, stderr, have);
        GridCli.writeRaw(cli.out, more);
        have += more.length;
        if (now.state().isTerminal()) {
          done.cancel(false);
          return SubmitCommand.exitCode(cli, now);
        }
        try {
          done.get(FOLLOW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException stillRunningOrUnknown) {
          // read again: the status read says which
        }
      }
    }
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, JobId id, boolean stderr) {
    try (GridClient grid = cli.client()) {
      GridCli.writeRaw(cli.out, stderr ? grid.stderr(id) : grid.stdout(id));
      return 0;
    }
  }
}
