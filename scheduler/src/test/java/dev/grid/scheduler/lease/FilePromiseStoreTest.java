package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePromiseStoreTest {
  @TempDir Path dir;

  @Test
  void when_nothing_was_stored_then_the_promise_is_zero() {
    assertThat(new FilePromiseStore(dir.resolve("lease")).load()).isZero();
  }

  @Test
  void when_a_promise_is_stored_then_a_new_store_on_the_same_dir_reads_it() {
    new FilePromiseStore(dir).store(Ballot.of(12, 2));
    new FilePromiseStore(dir).store(Ballot.of(13, 0));
    assertThat(new FilePromiseStore(dir).load()).isEqualTo(Ballot.of(13, 0));
    assertThat(dir.resolve("promised.tmp")).doesNotExist();
  }

  @Test
  void when_the_file_is_damaged_then_loading_refuses_and_names_the_file() throws Exception {
    Files.writeString(dir.resolve("promised"), "garbage");
    assertThatThrownBy(() -> new FilePromiseStore(dir).load())
        .isInstanceOf(GridException.class)
        .hasMessageContaining(dir.resolve("promised").toString())
        .hasMessageContaining("garbage");
  }
}
