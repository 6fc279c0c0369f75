package dev.grid.node.exec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;

/**
 * Commons Exec's {@link DefaultExecutor}, but launching the job's argv exactly as given.
 *
 * <p>Why: Commons Exec 1.6.0 trims every argument a {@link CommandLine} holds ({@code
 * CommandLine.Argument} calls {@code String.trim()}, whatever the quoting flag), so an argument
 * like {@code " x"} or {@code " "} would not reach the program as written, and it rewrites {@code
 * \} to {@code /} in the executable. So launching is the one step taken back from it: Commons Exec
 * still wires stdin/stdout/stderr to our pumps, waits for the process, accepts any exit value and
 * hands the process to our {@code ProcessDestroyer} hook. The {@link CommandLine} given to {@code
 * execute} holds the same argv (added with quoting off) and serves Commons Exec's bookkeeping only.
 */
final class ExactArgvExecutor extends DefaultExecutor {
  private final List<String> argv;
  private final Path workDir;

  /**
   * The deprecated no-argument constructor is the only one a subclass outside Commons Exec's
   * package can call ({@code DefaultExecutor.Builder} uses a package-private one).
   */
  @SuppressWarnings("deprecation")
  ExactArgvExecutor(List<String> argv, Path workDir) {
    super();
    this.argv = List.copyOf(argv);
    this.workDir = workDir;
  }

  /** The argv as a CommandLine, every argument added with quoting off, for execute(). */
  static CommandLine commandLine(List<String> argv) {
    CommandLine command = new CommandLine(argv.get(0));
    for (String arg : argv.subList(1, argv.size())) {
      command.addArgument(arg, false);
    }
    return command;
  }

  /** Launches {@link #argv} in {@link #workDir}, with exactly the environment given. */
  @Override
  protected Process launch(CommandLine ignored, Map<String, String> env, Path ignoredDir)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    return builder.start();
  }
}
