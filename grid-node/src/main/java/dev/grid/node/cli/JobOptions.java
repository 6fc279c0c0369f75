package dev.grid.node.cli;

import dev.grid.api.JobSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What to run, as {@code submit} and {@code schedule add} take it: {@code --timeout}, {@code
 * --retries}, {@code --env}, {@code --workdir}, and {@code --shell LINE} or {@code -- CMD ARGS...}.
 * A picocli mixin; {@link #jobSpec()} turns the options into a {@link JobSpec}.
 */
final class JobOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

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

  /**
   * The job the options describe.
   *
   * @throws ParameterException (a usage error) if there is nothing to run, both a shell line and a
   *     command, or a value the job spec refuses
   */
  JobSpec jobSpec() {
    if (shell != null && !command.isEmpty()) {
      throw new ParameterException(
          mixee.commandLine(), "give either --shell LINE or a command after --, not both");
    }
    if (shell == null && command.isEmpty()) {
      throw new ParameterException(
          mixee.commandLine(), "nothing to run: give a command after --, or --shell LINE");
    }
    try {
      JobSpec base = shell != null ? JobSpec.shell(shell) : JobSpec.of(command);
      return base.withEnv(env).withWorkDir(workdir).withTimeout(timeout).withMaxRetries(retries);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
  }
}
