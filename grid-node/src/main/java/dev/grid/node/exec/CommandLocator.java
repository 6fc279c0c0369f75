package dev.grid.node.exec;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a job's program the way {@code execvp} will, before anything is started, so that a missing
 * command is reported as such. It has to be done here: under {@code setsid} the program is exec'd
 * by setsid, whose own "not found" is exit code 127, the same as a job's own 127.
 */
final class CommandLocator {
  /** What execvp searches when PATH is unset (glibc's confstr(_CS_PATH)). */
  private static final String DEFAULT_PATH = "/bin:/usr/bin";

  private CommandLocator() {}

  /**
   * Empty if {@code program} can be run from {@code workDir} with the job's environment, else a
   * message saying what is wrong with it.
   */
  static Optional<String> problemWith(String program, Path workDir, Map<String, String> env) {
    try {
      if (program.contains("/")) {
        return problemWithFile(program, workDir.resolve(program));
      }
      String path = env.getOrDefault("PATH", DEFAULT_PATH);
      for (String dir : path.split(":", -1)) {
        Path candidate = (dir.isEmpty() ? workDir : workDir.resolve(dir)).resolve(program);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.empty();
        }
      }
      return Optional.of(
          "command not found: '"
              + program
              + "' is in no directory of PATH="
              + path
              + "; give its full path or fix PATH");
    } catch (InvalidPathException e) {
      return Optional.of("command not found: '" + program + "' is not a valid file name");
    }
  }

  private static Optional<String> problemWithFile(String program, Path file) {
    if (!Files.exists(file)) {
      return Optional.of("command not found: '" + program + "' (no such file: " + file + ")");
    }
    if (Files.isDirectory(file) || !Files.isExecutable(file)) {
      return Optional.of(
          "command '" + program + "' cannot be run: " + file + " is not an executable file");
    }
    return Optional.empty();
  }
}
