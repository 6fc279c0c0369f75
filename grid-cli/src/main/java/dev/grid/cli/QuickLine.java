package dev.grid.cli;

import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The most common command lines, run without picocli: {@code nodes}, {@code jobs}, {@code status
 * ID}, {@code logs ID}, {@code cancel ID}, {@code schedule list} and {@code submit [--wait] -- CMD
 * [ARGS...]}, exactly so, with no other option.
 *
 * <p>Why: a client command is a JVM that lives a fifth of a second, and picocli's model, even built
 * in code (see {@link Specs}), cost about a third of a {@code bin/nodes}: each {@code CommandSpec}
 * compiles its regular expressions, each {@code CommandLine} registers its built-in converters,
 * finding some by reflection, and the first looks for Groovy on the class path. These forms need
 * none of it: each is a fixed list of words and at most one value, and the commands' own work
 * ({@code run(...)} beside each {@code call()}) is the same code either way.
 *
 * <p>Anything else goes to picocli as before: an option, {@code --help}, a missing or extra word,
 * an id picocli would refuse or take for an option, an {@code @FILE} (picocli reads arguments from
 * it). Declining is always safe, so when in doubt this class declines. {@code QuickLineTest} runs
 * each form both ways against a fake grid and compares stdout, stderr, exit code and what reached
 * the grid.
 */
final class QuickLine {
  private QuickLine() {}

  /** Runs the command line if it is one of the quick forms; null if it is not (nothing ran). */
  static Integer run(GridCli cli, String[] args) {
    Callable<Integer> command = match(cli, args);
    if (command == null) {
      return null;
    }
    try {
      return command.call();
    } catch (Exception e) {
      // what GridCli's handler prints for a command that picocli ran and that failed
      cli.err.println("error: " + GridCli.message(e));
      return GridCli.ERROR;
    }
  }

  /** The command to run for one of the quick forms, or null. */
  static Callable<Integer> match(GridCli cli, String[] args) {
    for (String arg : args) {
      if (arg.startsWith("@")) {
        return null; // picocli would read arguments from the file it names
      }
    }
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "nodes":
        return args.length == 1 ? () -> NodesCommand.run(cli, false) : null;
      case "jobs":
        return args.length == 1
            ? () ->
                JobsCommand.run(
                    cli, JobFilter.ALL, false, false, JobsCommand.Paging.FIRST, JobColumn.DEFAULT)
            : null;
      case "schedule":
        return args.length == 2 && args[1].equals("list")
            ? () -> ScheduleListCommand.run(cli, false)
            : null;
      case "status":
      case "logs":
      case "cancel":
        JobId id = args.length == 2 ? id(args[1]) : null;
        if (id == null) {
          return null;
        }
        return switch (command) {
          case "status" -> () -> StatusCommand.run(cli, id, false);
          case "logs" -> () -> LogsCommand.run(cli, id, false);
          default -> () -> CancelCommand.run(cli, id, false);
        };
      case "submit":
        return submit(cli, args);
      default:
        return null;
    }
  }

  /** {@code submit -- CMD [ARGS...]} or {@code submit --wait -- CMD [ARGS...]}. */
  private static Callable<Integer> submit(GridCli cli, String[] args) {
    boolean wait = args.length > 1 && args[1].equals("--wait");
    int dashes = wait ? 2 : 1;
    if (args.length <= dashes + 1 || !args[dashes].equals("--")) {
      return null;
    }
    List<String> command = Arrays.asList(args).subList(dashes + 1, args.length);
    JobSpec spec;
    try {
      spec = JobOptions.commandOnly(command);
    } catch (IllegalArgumentException e) {
      return null; // picocli reports it, as a usage error
    }
    return () -> SubmitCommand.run(cli, spec, wait);
  }

  /** The id, if picocli would take the word as one: not an option, and valid. */
  private static JobId id(String word) {
    if (word.startsWith("-")) {
      return null;
    }
    try {
      return JobId.of(word);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
