package dev.grid.cli;

import dev.grid.api.JavaTask;
import dev.grid.api.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What to run, as {@code submit} and {@code schedule add} take it: {@code --timeout}, {@code
 * --retries}, {@code --env}, {@code --workdir}, and {@code --shell LINE} or {@code -- CMD ARGS...},
 * or a Java job: {@code --jar FILE --class NAME -- ARGS...}. A picocli mixin; {@link
 * #jobSpec(Function)} turns the options into a {@link JobSpec}.
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

  @Option(
      names = "--workdir",
      paramLabel = "DIR",
      description = "Directory to run in on the worker.")
  String workdir;

  @Option(names = "--shell", paramLabel = "LINE", description = "A line for sh -c, instead of CMD.")
  String shell;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      description = "A jar of Java jobs (uploaded if the grid lacks it); needs --class.")
  Path jar;

  @Option(
      names = "--class",
      paramLabel = "NAME",
      description =
          "The GridJob class to run from --jar, like com.example.Pi; the words after --"
              + " are its arguments.")
  String className;

  @Option(
      names = "--isolated",
      description =
          "Run the Java job in a child JVM of its own, killed for sure on timeout or"
              + " cancel (slower to start).")
  boolean isolated;

  @Parameters(
      paramLabel = "CMD",
      arity = "0..*",
      description = "The program and its arguments, passed unchanged (put -- before them).")
  List<String> command = new ArrayList<>();

  /**
   * The job the options describe.
   *
   * @param uploadJar makes the {@code --jar} file available to the grid and returns its hash;
   *     called only once the options are known to be valid
   * @throws ParameterException (a usage error) if there is nothing to run, both a shell line and a
   *     command, or a value the job spec refuses
   */
  JobSpec jobSpec(Function<Path, String> uploadJar) {
    if (jar != null || className != null) {
      return javaSpec(uploadJar);
    }
    if (isolated) {
      throw usage("--isolated is for Java jobs: give --jar and --class");
    }
    if (shell != null && !command.isEmpty()) {
      throw usage("give either --shell LINE or a command after --, not both");
    }
    if (shell == null && command.isEmpty()) {
      throw usage(
          "nothing to run: give a command after --, or --shell LINE, or --jar and" + " --class");
    }
    try {
      JobSpec base = shell != null ? JobSpec.shell(shell) : JobSpec.of(command);
      return base.withEnv(env).withWorkDir(workdir).withTimeout(timeout).withMaxRetries(retries);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
  }

  private JobSpec javaSpec(Function<Path, String> uploadJar) {
    if (jar == null || className == null) {
      throw usage(
          jar == null
              ? "--class needs --jar FILE: the jar that holds the class"
              : "--jar needs --class NAME: the GridJob class to run, like com.example.Pi");
    }
    if (shell != null) {
      throw usage("give either --shell LINE or --jar and --class, not both");
    }
    if (!env.isEmpty() || workdir != null) {
      throw usage(
          "--env and --workdir do not apply to a Java job: it runs in the worker's JVM;"
              + " pass what it needs as arguments after --");
    }
    if (!Files.isRegularFile(jar)) {
      throw usage("jar file '" + jar + "' not found: give the path of a built jar");
    }
    JobSpec probe;
    try {
      probe =
          JobSpec.java("0".repeat(64), className, command.toArray(String[]::new))
              .withTimeout(timeout)
              .withMaxRetries(retries);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
    String sha = uploadJar.apply(jar);
    return probe.withJava(new JavaTask(sha, className, command, isolated));
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
