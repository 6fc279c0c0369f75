package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreeTest {

  @Test
  void when_a_process_was_just_started_then_the_last_pid_is_at_least_its_pid() throws Exception {
    Process child = new ProcessBuilder("true").start();
    try {
      assertThat(ProcessTree.lastPid()).isGreaterThanOrEqualTo(child.pid());
    } finally {
      child.waitFor();
    }
  }

  @Test
  void when_the_command_name_holds_spaces_and_parentheses_then_the_session_is_still_read(
      @TempDir Path temp) throws Exception {
    Path stat = temp.resolve("stat");
    Files.writeString(stat, "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 97 0 0 0\n");

    assertThat(ProcessTree.livingInSession(stat, 4242)).isTrue();
    assertThat(ProcessTree.livingInSession(stat, 4243)).isFalse();
  }

  @Test
  void when_the_process_is_a_zombie_then_it_is_not_counted(@TempDir Path temp) throws Exception {
    Path stat = temp.resolve("stat");
    Files.writeString(stat, "4242 (sleep) Z 1 4242 4242 0 -1 4194560 97 0 0 0\n");

    assertThat(ProcessTree.livingInSession(stat, 4242)).isFalse();
  }
}
