package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code completion/grid.bash}: current with the commands, and it completes in a real bash. */
class CompletionScriptTest {
  private static final Path SCRIPT = Path.of("../completion/grid.bash");
  private static final Path ACTUAL = Path.of("target/grid.bash-actual");

  @Test
  void the_committed_script_is_what_the_generator_makes_of_the_commands_now() throws IOException {
    String generated = CompletionScript.generate();
    String committed = Files.readString(SCRIPT, StandardCharsets.UTF_8);
    if (!committed.equals(generated)) {
      Files.createDirectories(ACTUAL.getParent());
      Files.writeString(ACTUAL, generated, StandardCharsets.UTF_8);
    }
    assertThat(committed)
        .as("a command's options changed: copy grid-cli/" + ACTUAL + " over completion/grid.bash")
        .isEqualTo(generated);
  }

  @Test
  void sourced_in_bash_it_completes_each_commands_options_and_values() throws Exception {
    String check =
        String.join(
            "\n",
            "source " + SCRIPT.toAbsolutePath() + " || exit 9",
            "complete -p submit bin/status bin/jobs \"$_grid_completion_bin/cancel\"",
            "complete -p jobs 2>/dev/null && echo 'jobs taken'",
            "ask() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=();",
            "  \"$(complete -p \"$1\" | sed 's/.*-F \\([^ ]*\\).*/\\1/')\" 2>/dev/null;",
            "  echo \"$*: ${COMPREPLY[*]}\"; }",
            "ask submit --wa",
            "ask bin/jobs --fo",
            "ask bin/jobs --state FAI",
            "ask bin/schedule pa",
            "ask bin/status j1 --wat");
    Process bash =
        new ProcessBuilder("bash", "--norc", "--noprofile", "-c", check)
            .redirectErrorStream(true)
            .start();
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(bash.exitValue()).as(out).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines)
        .contains(
            "complete -o default -F _complete_submit submit",
            "complete -o default -F _complete_status bin/status",
            "complete -o default -F _complete_jobs bin/jobs",
            "submit --wa: --wait --wait-for-label",
            "bin/jobs --fo: --format",
            "bin/jobs --state FAI: FAILED",
            "bin/schedule pa: pause",
            "bin/status j1 --wat: --watch")
        .doesNotContain("jobs taken");
    assertThat(lines)
        .anyMatch(line -> line.matches("complete .* -F _complete_cancel /.*/bin/cancel"));
  }
}
