package dev.grid.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Bash completion for the {@code bin/} client commands, {@code completion/grid.bash}: picocli's
 * generator ({@link AutoComplete#bash}) run on each command's model, one part a script, since each
 * command is a script of its own ({@code bin/submit}, {@code bin/jobs}, ...).
 *
 * <p>The file is committed (the package holds it) and {@code CompletionScriptTest} fails when it
 * differs from what this class makes now, so it cannot fall behind an option. To write it anew:
 * {@code java -cp grid-cli/target/grid-cli.jar:grid-cli/target/lib/'*'
 * dev.grid.cli.CompletionScript completion/grid.bash}, or copy {@code
 * grid-cli/target/grid.bash-actual} that the test writes.
 */
final class CompletionScript {
  private CompletionScript() {}

  /** Writes the script to the file named, or to stdout. */
  public static void main(String[] args) throws IOException {
    String script = generate();
    if (args.length == 0) {
      System.out.print(script);
    } else {
      Files.writeString(Path.of(args[0]), script, StandardCharsets.UTF_8);
    }
  }

  static String generate() {
    StringBuilder script = new StringBuilder(HEADER);
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
    boolean first = true;
    for (String name : GridCli.SUBCOMMANDS) {
      CommandLine root = GridCli.newCommandLine(Map.of(), sink, sink, name);
      // the subcommand as its script runs it, with the options it inherits (--url, ...)
      String part = AutoComplete.bash(name, root.getSubcommands().get(name));
      // picocli's helper functions, the same in every part, once; then this command's functions
      String from = first ? "if [ -n \"$BASH_VERSION\" ]" : "# _complete_" + name + " finds";
      String registration =
          "complete -F _complete_"
              + name
              + " -o default "
              + name
              + " "
              + name
              + ".sh "
              + name
              + ".bash";
      if (part.indexOf(from) < 0 || !part.contains(registration)) {
        throw new IllegalStateException(
            "picocli's completion script for " + name + " no longer reads as expected");
      }
      script.append("\n# ---- bin/").append(name).append(" ----\n\n");
      script.append(
          part.substring(part.indexOf(from))
              .replace(registration, "_grid_complete _complete_" + name + " " + name));
      first = false;
    }
    return script.toString();
  }

  private static final String HEADER =
      """
      # shellcheck shell=bash
      # Bash completion for the grid's client commands: bin/submit, bin/jobs, bin/status, ...
      #   source /opt/grid/completion/grid.bash     (in ~/.bashrc), or
      #   cp /opt/grid/completion/grid.bash /etc/bash_completion.d/grid
      # Made by picocli's generator from the commands' own models (dev.grid.cli.CompletionScript);
      # do not edit: CompletionScriptTest fails when it falls behind the commands.

      # Each command is completed as it is typed: bin/NAME, ./bin/NAME, the full path of this
      # install's bin/NAME, and NAME alone (when bin/ is on the PATH), except jobs: that is bash's
      # own builtin, whose completion stays as it was.
      _grid_completion_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." 2>/dev/null && pwd)/bin"
      _grid_complete() {
        complete -F "$1" -o default "bin/$2" "./bin/$2" "$_grid_completion_bin/$2"
        [[ $2 == jobs ]] || complete -F "$1" -o default "$2"
      }
      """;
}
