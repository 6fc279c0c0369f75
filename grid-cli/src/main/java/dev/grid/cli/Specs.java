package dev.grid.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The few pieces every command's picocli model is made of.
 *
 * <p>The commands build their models in code ({@code CommandSpec}, {@code OptionSpec.builder}), not
 * with picocli's annotations: from annotations picocli builds the model by reflection at every
 * start, with a proxy for each annotation, and that was about 77 ms of a client command's 200-290
 * ms. An option's value stays in its {@link OptionSpec} (picocli's default binding), and a command
 * reads it from there when it runs. {@code CliModelTest} holds the help texts the annotated
 * commands printed and fails if a model drifts from them, or if an option does not parse.
 */
final class Specs {
  private Specs() {}

  /**
   * A command named {@code name} that runs {@code command} (a {@code Callable<Integer>}, or any
   * object for one that only holds subcommands), with {@code -h, --help} and {@code -V, --version}
   * as picocli's {@code mixinStandardHelpOptions} adds them (that mixin too is read by reflection).
   */
  static CommandSpec command(String name, Object command, String... description) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
    spec.usageMessage().description(description);
    spec.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    spec.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .description("Print version information and exit.")
            .build());
    return spec;
  }

  /** An option without a value: {@code --json}. */
  static OptionSpec flag(String name, String description) {
    return OptionSpec.builder(name)
        .type(boolean.class)
        .initialValue(false)
        .description(description)
        .build();
  }

  /**
   * A positional parameter that takes one value and must be given, as picocli's {@code @Parameters}
   * makes one on a field that is not a list: {@code ID}, {@code NAME}.
   */
  static PositionalParamSpec parameter(String label, Class<?> type, String description) {
    return PositionalParamSpec.builder()
        .type(type)
        .required(true)
        .paramLabel(label)
        .description(description)
        .build();
  }

  /** The values of a repeatable option or positional, empty when none was given. */
  static <T> List<T> list(ArgSpec arg) {
    List<T> values = arg.getValue();
    return values == null ? List.of() : values;
  }

  /** The entries of a {@code K=V} option, empty when none was given. */
  static Map<String, String> map(ArgSpec arg) {
    Map<String, String> entries = arg.getValue();
    return entries == null ? Map.of() : entries;
  }
}
