package dev.grid.cli;

import dev.grid.api.Backoff;
import dev.grid.api.JavaTask;
import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.Scheduling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/**
 * What to run, as {@code submit} and {@code schedule add} take it: {@code --timeout}, {@code
 * --retries}, {@code --retry-on}, {@code --backoff}, {@code --env}, {@code --workdir}, and {@code
 * --shell LINE} or {@code -- CMD ARGS...}, or a Java job: {@code --jar FILE --class NAME --
 * ARGS...}. {@link #addTo} puts the options in a command's model (as a picocli mixin would); {@link
 * #jobSpec(UnaryOperator, Function)} turns them into a {@link JobSpec}.
 */
final class JobOptions {
  private final OptionSpec timeout =
      OptionSpec.builder("--timeout")
          .type(Duration.class)
          .converters(new DurationConverter())
          .paramLabel("DURATION")
          .description("Kill the job's process tree after this long: 30s, 5m, 1h, 500ms, PT30S.")
          .build();

  private final OptionSpec retries;

  private final OptionSpec retryOn =
      OptionSpec.builder("--retry-on")
          .type(String.class)
          .paramLabel("CAUSES")
          .description(
              "Also run it again, within --retries, when it fails (failed: a non-zero exit, a"
                  + " start that failed, a Java job that threw) or times out (timeout): failed,"
                  + "timeout. A lost node is always retried.")
          .build();

  private final OptionSpec backoff =
      OptionSpec.builder("--backoff")
          .type(Duration.class)
          .converters(new DurationConverter())
          .paramLabel("DURATION")
          .description(
              "Wait this long before the first retry after a failure or timeout, doubling for each"
                  + " retry after it (default: 10s; 0 to retry at once).")
          .build();

  private final OptionSpec backoffMax =
      OptionSpec.builder("--backoff-max")
          .type(Duration.class)
          .converters(new DurationConverter())
          .paramLabel("DURATION")
          .description("The longest wait between retries (default: 1h).")
          .build();

  private final OptionSpec name =
      OptionSpec.builder("--name")
          .type(String.class)
          .paramLabel("NAME")
          .description("A name to list and find the job by (bin/jobs --name); need not be unique.")
          .build();

  private final OptionSpec priority =
      OptionSpec.builder("--priority")
          .type(int.class)
          .initialValue(0)
          .paramLabel("N")
          .description(
              "Higher runs first, -1000 to 1000 (default: ${DEFAULT-VALUE}); each minute a job"
                  + " waits counts as one more, so none waits for ever.")
          .build();

  private final OptionSpec hold =
      Specs.flag(
          "--hold", "Submit it held: it is not dispatched until bin/release ID (an array too).");

  private final OptionSpec queue =
      OptionSpec.builder("--queue")
          .type(String.class)
          .paramLabel("NAME")
          .description(
              "The named queue it waits in (default: default); an admin may cap the slots a queue"
                  + " holds at once (bin/queue set).")
          .build();

  private final OptionSpec constraint =
      OptionSpec.builder("--constraint")
          .type(List.class)
          .auxiliaryTypes(String.class)
          .splitRegex(",")
          .paramLabel("LABEL")
          .description(
              "Run only on a node that declared this label (bin/grid-node --labels): gpu,"
                  + " zone=a; comma-separated or repeated, all needed.")
          .build();

  private final OptionSpec cpus =
      OptionSpec.builder("--cpus")
          .type(Integer.class)
          .paramLabel("N")
          .description(
              "CPUs it reserves on its node (default: none, only a slot); held to them where the"
                  + " node uses cgroups.")
          .build();

  private final OptionSpec mem =
      OptionSpec.builder("--mem")
          .type(String.class)
          .paramLabel("SIZE")
          .description(
              "Memory it reserves on its node, like 512M or 4G (default: none); where the node"
                  + " uses cgroups, more ends it FAILED, out of memory.")
          .build();

  private final OptionSpec waitForLabel =
      Specs.flag(
          "--wait-for-label",
          "Accept the job although no node has declared one of its --constraint labels yet.");

  private final OptionSpec env =
      OptionSpec.builder("--env")
          .type(Map.class)
          .auxiliaryTypes(String.class, String.class)
          .paramLabel("K=V")
          .description("An environment variable; repeatable.")
          .build();

  private final OptionSpec workdir =
      OptionSpec.builder("--workdir")
          .type(String.class)
          .paramLabel("DIR")
          .description("Directory to run in on the worker.")
          .build();

  private final OptionSpec shell =
      OptionSpec.builder("--shell")
          .type(String.class)
          .paramLabel("LINE")
          .description("A line for sh -c, instead of CMD.")
          .build();

  private final OptionSpec jar =
      OptionSpec.builder("--jar")
          .type(Path.class)
          .paramLabel("FILE")
          .description("A jar of Java jobs (uploaded if the grid lacks it); needs --class.")
          .build();

  private final OptionSpec className =
      OptionSpec.builder("--class")
          .type(String.class)
          .paramLabel("NAME")
          .description(
              "The GridJob class to run from --jar, like com.example.Pi; the words after --"
                  + " are its arguments.")
          .build();

  private final OptionSpec isolated =
      Specs.flag(
          "--isolated",
          "Run the Java job in a child JVM of its own, killed for sure on timeout or"
              + " cancel (slower to start).");

  private final PositionalParamSpec command =
      PositionalParamSpec.builder()
          .type(List.class)
          .auxiliaryTypes(String.class)
          .arity("0..*")
          .paramLabel("CMD")
          .description("The program and its arguments, passed unchanged (put -- before them).")
          .build();

  /** The command whose options these are: its usage errors name it. */
  private CommandSpec mixee;

  /**
   * Whether these are {@code submit}'s options, with {@code --name}, {@code --retry-on} and {@code
   * --backoff}; {@code schedule add} has its own {@code --name} (the schedule's, which its jobs are
   * listed by) and takes no retries on failure, since a fire runs at most once.
   */
  private final boolean forSubmit;

  /** The options of {@code submit} ({@code true}) or of {@code schedule add}. */
  JobOptions(boolean forSubmit) {
    this.forSubmit = forSubmit;
    this.retries =
        OptionSpec.builder("--retries")
            .type(int.class)
            .initialValue(JobSpec.DEFAULT_MAX_RETRIES)
            .paramLabel("N")
            .description(
                forSubmit
                    ? "Runs again if its worker dies under it, and for the causes --retry-on adds"
                        + " (default: ${DEFAULT-VALUE})."
                    : "Kept in the schedule's job, but a fire is never run twice: one whose worker"
                        + " dies before it starts is dispatched again anyway, one that started"
                        + " ends LOST (default: ${DEFAULT-VALUE}).")
            .build();
  }

  /** Adds the options to the command's model. */
  CommandSpec addTo(CommandSpec spec) {
    mixee = spec;
    for (OptionSpec option :
        List.of(
            timeout,
            retries,
            priority,
            queue,
            constraint,
            cpus,
            mem,
            env,
            workdir,
            shell,
            jar,
            className,
            isolated)) {
      spec.addOption(option);
    }
    if (forSubmit) {
      spec.addOption(name)
          .addOption(hold)
          .addOption(waitForLabel)
          .addOption(retryOn)
          .addOption(backoff)
          .addOption(backoffMax);
    }
    return spec.addPositional(command);
  }

  /** The options' values as the command line gave them. */
  private record Given(
      Duration timeout,
      int retries,
      List<RetryOn> retryOn,
      Backoff backoff,
      Scheduling scheduling,
      Map<String, String> env,
      String workdir,
      String shell,
      Path jar,
      String className,
      boolean isolated,
      List<String> command) {}

  private Given given() {
    String causes = retryOn.getValue();
    Duration first = backoff.getValue();
    Duration max = backoffMax.getValue();
    Backoff wait = null;
    try {
      if (first != null || max != null) {
        Duration f = first != null ? first : Backoff.DEFAULT.first();
        wait = new Backoff(f, max != null ? max : maxOf(Backoff.DEFAULT.max(), f));
      }
      return new Given(
          timeout.getValue(),
          retries.getValue(),
          causes == null ? null : RetryOn.parseList(causes),
          wait,
          scheduling(
              name.getValue(),
              priority.getValue(),
              Boolean.TRUE.equals(hold.getValue()),
              queue.getValue(),
              Specs.list(constraint),
              Boolean.TRUE.equals(waitForLabel.getValue()),
              resources(cpus.getValue(), mem.getValue())),
          Specs.map(env),
          workdir.getValue(),
          shell.getValue(),
          jar.getValue(),
          className.getValue(),
          isolated.getValue(),
          Specs.list(command));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
  }

  /**
   * The name, priority, hold, queue, labels and resources given, or null when none was (none sent).
   */
  private static Scheduling scheduling(
      String name,
      int priority,
      boolean held,
      String queue,
      List<String> constraints,
      boolean waitForLabel,
      Resources resources) {
    return name == null
            && priority == 0
            && !held
            && queue == null
            && constraints.isEmpty()
            && resources == null
        ? null
        : new Scheduling(name, priority, held, queue, constraints, waitForLabel, resources);
  }

  /** What --cpus and --mem reserve, or null when neither was given. */
  private static Resources resources(Integer cpus, String memory) {
    if (cpus == null && memory == null) {
      return null;
    }
    return new Resources(
        cpus == null ? 0 : cpus, memory == null ? 0 : Resources.parseMemory(memory));
  }

  private static Duration maxOf(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * The job the options describe.
   *
   * @param local a path of the command line as the caller meant it ({@link GridCli#local})
   * @param uploadJar makes the {@code --jar} file available to the grid and returns its hash;
   *     called only once the options are known to be valid
   * @throws ParameterException (a usage error) if there is nothing to run, both a shell line and a
   *     command, or a value the job spec refuses
   */
  JobSpec jobSpec(UnaryOperator<Path> local, Function<Path, String> uploadJar) {
    Given given = given();
    if (given.jar() != null || given.className() != null) {
      return javaSpec(given, local, uploadJar);
    }
    if (given.isolated()) {
      throw usage("--isolated is for Java jobs: give --jar and --class");
    }
    if (given.shell() != null && !given.command().isEmpty()) {
      throw usage("give either --shell LINE or a command after --, not both");
    }
    if (given.shell() == null && given.command().isEmpty()) {
      throw usage(
          "nothing to run: give a command after --, or --shell LINE, or --jar and" + " --class");
    }
    try {
      return processSpec(given);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
  }

  /**
   * The job of a command given after {@code --} with no option, as {@link #jobSpec} makes it; for
   * {@link QuickLine}, which runs such a command line without the model. {@code QuickLineTest}
   * checks that both make the same spec.
   *
   * @throws IllegalArgumentException if the job spec refuses the command
   */
  static JobSpec commandOnly(List<String> command) {
    return processSpec(
        new Given(
            null,
            JobSpec.DEFAULT_MAX_RETRIES,
            null,
            null,
            null,
            Map.of(),
            null,
            null,
            null,
            null,
            false,
            command));
  }

  /** A job run as a process: the shell line or the command, with the options that apply. */
  private static JobSpec processSpec(Given given) {
    JobSpec base =
        given.shell() != null ? JobSpec.shell(given.shell()) : JobSpec.of(given.command());
    return base.withEnv(given.env())
        .withWorkDir(given.workdir())
        .withTimeout(given.timeout())
        .withMaxRetries(given.retries())
        .withRetryOn(given.retryOn())
        .withBackoff(given.backoff())
        .withScheduling(given.scheduling());
  }

  private JobSpec javaSpec(
      Given given, UnaryOperator<Path> local, Function<Path, String> uploadJar) {
    Path jar = given.jar();
    String className = given.className();
    if (jar == null || className == null) {
      throw usage(
          jar == null
              ? "--class needs --jar FILE: the jar that holds the class"
              : "--jar needs --class NAME: the GridJob class to run, like com.example.Pi");
    }
    if (given.shell() != null) {
      throw usage("give either --shell LINE or --jar and --class, not both");
    }
    if (!given.env().isEmpty() || given.workdir() != null) {
      throw usage(
          "--env and --workdir do not apply to a Java job: it runs in the worker's JVM;"
              + " pass what it needs as arguments after --");
    }
    if (!Files.isRegularFile(local.apply(jar))) {
      throw usage("jar file '" + jar + "' not found: give the path of a built jar");
    }
    List<String> command = given.command();
    JobSpec probe;
    try {
      probe =
          JobSpec.java("0".repeat(64), className, command.toArray(String[]::new))
              .withTimeout(given.timeout())
              .withMaxRetries(given.retries())
              .withRetryOn(given.retryOn())
              .withBackoff(given.backoff())
              .withScheduling(given.scheduling());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage(), e);
    }
    String sha = uploadJar.apply(local.apply(jar));
    return probe.withJava(new JavaTask(sha, className, command, given.isolated()));
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
