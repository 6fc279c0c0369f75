package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a group's files through channels kept open, against plain files (a cgroup file makes its
 * text afresh for every read from offset 0; a plain file rewritten in place shows its new text).
 */
class OpenFilesTest {
  @TempDir Path temp;

  @Test
  void each_read_shows_what_the_file_holds_now() throws Exception {
    Path usage = Files.writeString(temp.resolve("cpuacct.usage_user"), "1000\n");
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.readLong(usage)).isEqualTo(1000);

      Files.writeString(usage, "25\n");

      assertThat(files.readLong(usage)).isEqualTo(25);
    }
  }

  @Test
  void a_file_longer_than_the_buffer_is_read_whole() throws Exception {
    StringBuilder stat = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      stat.append("key_").append(i).append(' ').append(i).append('\n');
    }
    Path file = Files.writeString(temp.resolve("memory.stat"), stat);
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.keyed(file, "key_199")).hasValue(199);
      assertThat(files.read(file)).isEqualTo(stat.toString().strip());
    }
  }

  @Test
  void after_close_a_read_fails_naming_the_file() throws Exception {
    Path peak = Files.writeString(temp.resolve("memory.max_usage_in_bytes"), "4096\n");
    OpenFiles files = new OpenFiles();
    files.read(peak);

    files.close();
    files.close();

    assertThatThrownBy(() -> files.read(peak))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(peak + ": its group was removed");
  }
}
