package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code bin/grid-node --config FILE}: the file's settings, their checks, and flags over them. */
class ConfigFileTest {
  /** The template shipped in the package as conf/grid.conf. */
  private static final Path TEMPLATE = Path.of("src/dist/conf/grid.conf");

  private static final Pattern COMMENTED = Pattern.compile("# ([a-z-]+) = (.*)");

  @TempDir Path dir;

  private Path write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, List.of(lines), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  private static NodeMain parse(String... args) {
    CommandLine cli = NodeMain.commandLine(args);
    cli.parseArgs(args);
    return cli.getCommand();
  }

  /** Runs the command line as main does, up to the node's start, and returns what it printed. */
  private static String errorOf(String... args) {
    StringWriter err = new StringWriter();
    try {
      CommandLine cli = NodeMain.commandLine(args);
      cli.setErr(new PrintWriter(err, true));
      cli.setOut(new PrintWriter(new StringWriter(), true));
      assertThat(cli.execute(args)).isNotZero();
    } catch (IllegalArgumentException e) {
      return "error: " + e.getMessage();
    }
    return err.toString();
  }

  @Test
  void the_file_gives_the_options_and_a_flag_wins_over_it() throws IOException {
    Path file =
        write(
            "grid.conf",
            "# a node",
            "name = n1",
            "http-port = 18801   # the API",
            "members = 10.0.0.1:15701, 10.0.0.2:15701,10.0.0.3:15701",
            "data-dir = /var/lib/grid",
            "retain-jobs = 30d",
            "",
            "slots = 8");

    NodeMain fromFile = parse("--config", file.toString());
    assertThat(fromFile.name).isEqualTo("n1");
    assertThat(fromFile.httpPort).isEqualTo(18801);
    assertThat(fromFile.members)
        .containsExactly("10.0.0.1:15701", "10.0.0.2:15701", "10.0.0.3:15701");
    assertThat(fromFile.dataDir).isEqualTo(Path.of("/var/lib/grid"));
    assertThat(fromFile.retention().maxAge()).isEqualTo(Duration.ofDays(30));
    assertThat(fromFile.slots).isEqualTo(8);
    assertThat(fromFile.port).as("not in the file: the flag's default").isEqualTo(15701);

    NodeMain overridden = parse("--http-port", "18901", "--config=" + file, "--name", "n9");
    assertThat(overridden.httpPort).isEqualTo(18901);
    assertThat(overridden.name).isEqualTo("n9");
    assertThat(overridden.slots).isEqualTo(8);
  }

  @Test
  void a_relative_path_is_taken_from_the_files_folder() throws IOException {
    Files.createDirectories(dir.resolve("etc"));
    Path file =
        write(
            "etc/grid.conf",
            "name = n1",
            "data-dir = ../data",
            "token-file = token",
            "tls-cert = /abs/cert.pem");
    NodeMain main = parse("--config", file.toString());
    assertThat(main.dataDir).isEqualTo(dir.resolve("data"));
    assertThat(main.tokenFile).isEqualTo(dir.resolve("etc/token"));
    assertThat(main.tlsCert).isEqualTo(Path.of("/abs/cert.pem"));
    assertThat(parse("--config", file.toString(), "--data-dir", "rel").dataDir)
        .as("a flag's relative path is the working directory's, as always")
        .isEqualTo(Path.of("rel"));
  }

  @Test
  void an_unknown_key_is_refused_with_the_file_the_line_and_the_key_it_may_mean()
      throws IOException {
    Path file = write("grid.conf", "name = n1", "data-dir = /d", "tls-crt = cert.pem");
    String error = errorOf("--config", file.toString());
    assertThat(error)
        .contains(file + ":3:")
        .contains("unknown key 'tls-crt'")
        .contains("Did you mean tls-cert?");

    Path dashed = write("dashed.conf", "--name = n1");
    assertThat(errorOf("--config", dashed.toString()))
        .contains(dashed + ":1:")
        .contains("without its dashes");
    Path config = write("config.conf", "config = other.conf");
    assertThat(errorOf("--config", config.toString())).contains("unknown key 'config'");
  }

  @Test
  void a_bad_value_is_named_with_the_file_the_line_and_what_to_do() throws IOException {
    Path file = write("grid.conf", "name = n1", "data-dir = /d", "slots = lots");
    assertThat(errorOf("--config", file.toString()))
        .startsWith("error: " + file + ":3: slots = lots: ")
        .contains("'lots' is not an int")
        .contains("Fix it there, or give --slots on the command line.")
        .doesNotContain("Usage:");

    // the node reads its token and secret (made in the data dir) before it checks retention
    Path negative = write("negative.conf", "name = n1", "data-dir = data", "keep-runs = -3");
    String error = errorOf("--config", negative.toString(), "--http-port", "0");
    assertThat(error).contains("--keep-runs -3 is negative").contains(negative + ":3");
  }

  @Test
  void a_line_that_is_no_setting_a_key_twice_or_without_value_is_refused() throws IOException {
    Path noEquals = write("a.conf", "name n1");
    assertThat(errorOf("--config", noEquals.toString()))
        .contains(noEquals + ":1: 'name n1' is not a setting");
    Path twice = write("b.conf", "name = n1", "", "name = n2");
    assertThat(errorOf("--config", twice.toString()))
        .contains(twice + ":3: name is set already on line 1");
    Path empty = write("c.conf", "tls-cert =");
    assertThat(errorOf("--config", empty.toString())).contains(empty + ":1: tls-cert has no value");
    assertThat(errorOf("--config", dir.resolve("missing.conf").toString()))
        .contains("missing.conf does not exist");
    assertThatThrownBy(() -> NodeMain.commandLine(new String[] {"--config", "a", "--config=b"}))
        .hasMessageContaining("--config is given twice");
  }

  @Test
  void a_file_others_may_change_is_refused() throws IOException {
    Path file = write("grid.conf", "name = n1", "data-dir = /d");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
    assertThat(errorOf("--config", file.toString()))
        .contains("can be changed by others than its owner")
        .contains("chmod go-w " + file);
  }

  @Test
  void the_shipped_template_lists_every_option_with_its_default_and_parses_uncommented()
      throws IOException {
    List<String> lines = Files.readAllLines(TEMPLATE, StandardCharsets.UTF_8);
    List<String> keys = new ArrayList<>();
    List<String> uncommented = new ArrayList<>();
    for (String line : lines) {
      Matcher setting = COMMENTED.matcher(line);
      if (setting.matches()) {
        keys.add(setting.group(1));
        uncommented.add(line.substring(2));
      }
    }
    CommandLine cli = new CommandLine(new NodeMain());
    for (OptionSpec option : cli.getCommandSpec().options()) {
      String name = option.longestName();
      if (List.of("--help", "--version", "--config").contains(name)) {
        continue;
      }
      String key = name.substring(2);
      assertThat(keys).as("grid.conf lists " + key).containsOnlyOnce(key);
      if (option.defaultValue() != null) {
        String line = uncommented.get(keys.indexOf(key));
        assertThat(line).as("grid.conf's default").isEqualTo(key + " = " + option.defaultValue());
      }
    }
    assertThat(keys).hasSize(cli.getCommandSpec().options().size() - 3);

    Path file = write("grid.conf", uncommented.toArray(String[]::new));
    NodeMain main = parse("--config", file.toString());
    assertThat(main.name).isEqualTo("n1");
    assertThat(main.members).hasSize(3);
    assertThat(main.jobEnv).containsExactlyInAnyOrderElementsOf(NodeConfig.DEFAULT_JOB_ENV);
    assertThat(main.retention().keepRuns()).isEqualTo(100);
    assertThat(main.timings()).isEqualTo(NodeTimings.DEFAULTS);
  }
}
