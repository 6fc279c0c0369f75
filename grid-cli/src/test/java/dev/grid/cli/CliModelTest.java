package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.launch.GridHome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The commands' picocli models, built in code (see {@link Specs}), against what is documented: the
 * help texts the annotated commands printed, the options the {@code bin/} scripts name, and every
 * option and parameter parsing into the value its command reads.
 */
class CliModelTest {
  private static final Path HELP = Path.of("src/test/resources/dev/grid/cli/help.txt");

  /** A value of each type an option takes, as typed and as the command then reads it. */
  private record Sample(String text, Object value) {}

  private static final Map<Class<?>, Sample> SAMPLES =
      Map.of(
          String.class, new Sample("x1", "x1"),
          int.class, new Sample("7", 7),
          Integer.class, new Sample("7", 7),
          Duration.class, new Sample("1m30s", Duration.ofSeconds(90)),
          Path.class, new Sample("/tmp/f", Path.of("/tmp/f")),
          JobId.class, new Sample("ja", JobId.of("ja")),
          JobState.class, new Sample("running", JobState.RUNNING),
          MisfirePolicy.class, new Sample("all", MisfirePolicy.ALL),
          OverlapPolicy.class, new Sample("forbid", OverlapPolicy.FORBID));

  private static CommandLine root() {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return GridCli.newCommandLine(Map.of(), sink, sink);
  }

  /** Every command, parents before their subcommands, in the order the help lists them. */
  private static List<CommandLine> commands(CommandLine command) {
    List<CommandLine> all = new ArrayList<>(List.of(command));
    for (CommandLine sub : command.getSubcommands().values()) {
      all.addAll(commands(sub));
    }
    return all;
  }

  @Test
  void every_commands_help_is_the_documented_one() throws IOException {
    StringBuilder help = new StringBuilder();
    for (CommandLine command : commands(root())) {
      help.append("### ").append(command.getCommandSpec().qualifiedName()).append('\n');
      help.append(command.getUsageMessage(CommandLine.Help.Ansi.OFF));
    }
    Path actual = Path.of("target/help-actual.txt");
    Files.writeString(actual, help);
    assertThat(help.toString())
        .as(
            "a command's help changed; if it was meant to, copy %s over %s (and update the"
                + " README and bin/ scripts if they name the options)",
            actual, HELP)
        .isEqualTo(Files.readString(HELP));
  }

  @Test
  void every_option_and_parameter_parses_into_the_value_its_command_reads() {
    int checked = 0;
    for (CommandLine command : commands(root())) {
      CommandSpec spec = command.getCommandSpec();
      if (!(spec.userObject() instanceof Callable<?>)) {
        continue; // a command that only holds subcommands: its options are the inherited ones
      }
      for (OptionSpec option : spec.options()) {
        if (!option.usageHelp() && !option.versionHelp()) {
          checkOption(path(spec), option.longestName());
          checked++;
        }
      }
      for (int i = 0; i < spec.positionalParameters().size(); i++) {
        checkParameter(path(spec), i);
        checked++;
      }
    }
    assertThat(checked).as("options and parameters checked").isGreaterThan(40);
  }

  /** Parses {@code PATH OPTION [VALUE]} in a fresh model and checks what the option then holds. */
  private static void checkOption(List<String> path, String name) {
    CommandLine root = root();
    CommandSpec spec = find(root, path);
    OptionSpec option = spec.findOption(name);
    List<String> args = new ArrayList<>(path);
    args.add(name);
    Object expected = true;
    if (option.arity().max() > 0) {
      Sample sample = sample(option);
      args.add(sample.text());
      expected = sample.value();
    }
    args.addAll(requiredOthers(spec, option));
    parse(root, args);
    assertThat(option.<Object>getValue()).as(String.join(" ", args)).isEqualTo(expected);
  }

  private static void checkParameter(List<String> path, int index) {
    CommandLine root = root();
    CommandSpec spec = find(root, path);
    PositionalParamSpec parameter = spec.positionalParameters().get(index);
    Sample sample = sample(parameter);
    List<String> args = new ArrayList<>(path);
    args.addAll(requiredOthers(spec, parameter));
    args.add(sample.text());
    parse(root, args);
    assertThat(parameter.<Object>getValue()).as(String.join(" ", args)).isEqualTo(sample.value());
  }

  private static CommandSpec find(CommandLine root, List<String> path) {
    CommandLine command = root;
    for (String word : path) {
      command = command.getSubcommands().get(word);
    }
    return command.getCommandSpec();
  }

  @Test
  void when_a_grid_url_is_given_after_a_nested_subcommand_then_the_command_uses_it()
      throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    for (List<String> command :
        List.of(List.of("nodes"), List.of("schedule", "list"), List.of("storage", "check"))) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
      List<String> args = new ArrayList<>(command);
      args.addAll(List.of("--url", "127.0.0.1:" + closed));
      GridCli.newCommandLine(Map.of("GRID_TOKEN", "t"), errStream, errStream)
          .execute(args.toArray(String[]::new));
      assertThat(err.toString(StandardCharsets.UTF_8))
          .as(String.join(" ", args))
          .contains("127.0.0.1:" + closed);
    }
  }

  @Test
  void every_option_a_bin_script_names_is_one_its_command_takes() throws IOException {
    Path bin = GridHome.find().resolve("bin");
    Map<String, TreeSet<String>> named = new LinkedHashMap<>();
    for (String script : GridCli.SUBCOMMANDS) {
      named.put(script, optionsNamedIn(Files.readString(bin.resolve(script))));
    }
    assertThat(named.get("submit")).contains("--wait", "--timeout", "--shell");
    CommandLine root = root();
    for (Map.Entry<String, TreeSet<String>> script : named.entrySet()) {
      TreeSet<String> taken = new TreeSet<>();
      for (CommandLine command : commands(root.getSubcommands().get(script.getKey()))) {
        taken.addAll(command.getCommandSpec().optionsMap().keySet());
      }
      assertThat(taken).as("options of bin/%s", script.getKey()).containsAll(script.getValue());
    }
  }

  /** The {@code --options} in a script's header comment. */
  private static TreeSet<String> optionsNamedIn(String script) {
    TreeSet<String> options = new TreeSet<>();
    Matcher option = Pattern.compile("--[a-z][a-z-]*").matcher("");
    for (String line : script.lines().toList()) {
      if (line.startsWith("#")) {
        option.reset(line);
        while (option.find()) {
          options.add(option.group());
        }
      }
    }
    return options;
  }

  /** The words that name the command: {@code schedule add}. */
  private static List<String> path(CommandSpec spec) {
    List<String> words = new ArrayList<>();
    for (CommandSpec c = spec; c.parent() != null; c = c.parent()) {
      words.add(0, c.name());
    }
    return words;
  }

  /** Whatever else the command needs to parse: its other required options and parameters. */
  private static List<String> requiredOthers(CommandSpec spec, ArgSpec tested) {
    List<String> args = new ArrayList<>();
    for (OptionSpec option : spec.options()) {
      if (option.required() && option != tested) {
        args.add(option.longestName());
        args.add(sample(option).text());
      }
    }
    for (PositionalParamSpec parameter : spec.positionalParameters()) {
      if (parameter.required() && parameter != tested) {
        args.add(sample(parameter).text());
      }
    }
    return args;
  }

  /** A value for the option or parameter, as typed and as its command reads it. */
  private static Sample sample(ArgSpec arg) {
    if (Map.class.isAssignableFrom(arg.type())) {
      return new Sample("K=V", Map.of("K", "V"));
    }
    Class<?> type = arg.isMultiValue() ? arg.auxiliaryTypes()[0] : arg.type();
    Sample one = SAMPLES.get(type);
    if (one == null) {
      fail("no sample value for %s of type %s: add one to SAMPLES", arg, type);
    }
    return arg.isMultiValue() ? new Sample(one.text(), List.of(one.value())) : one;
  }

  private static void parse(CommandLine root, List<String> args) {
    try {
      root.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(String.join(" ", args) + ": " + e.getMessage(), e);
    }
  }
}
