package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePromiseStoreTest {
  private static final Configuration V0 = Configuration.initial(3);

  @TempDir Path dir;

  @Test
  void when_nothing_was_stored_then_the_promise_is_zero_at_the_initial_configuration() {
    assertThat(new FilePromiseStore(dir.resolve("lease")).load(V0))
        .isEqualTo(new VoterState(0, V0, null));
  }

  @Test
  void when_a_promise_is_stored_then_a_new_store_on_the_same_dir_reads_it() {
    new FilePromiseStore(dir).store(new VoterState(Ballot.of(12, 2), V0, null));
    new FilePromiseStore(dir).store(new VoterState(Ballot.of(13, 0), V0, null));
    assertThat(new FilePromiseStore(dir).load(V0).promised()).isEqualTo(Ballot.of(13, 0));
    assertThat(dir.resolve("promised.tmp")).doesNotExist();
  }

  @Test
  void when_a_file_from_before_configurations_is_loaded_then_it_is_version_0_of_the_start_list()
      throws Exception {
    Files.writeString(dir.resolve("promised"), Ballot.of(7, 1) + "\n");
    assertThat(new FilePromiseStore(dir).load(V0))
        .isEqualTo(new VoterState(Ballot.of(7, 1), V0, null));
  }

  @Test
  void when_version_0_is_stored_then_the_file_reads_as_it_always_did() throws Exception {
    new FilePromiseStore(dir).store(new VoterState(Ballot.of(7, 1), V0, null));
    assertThat(Files.readString(dir.resolve("promised"))).isEqualTo(Ballot.of(7, 1) + "\n");
  }

  @Test
  void when_a_configuration_and_a_pending_change_are_stored_then_both_come_back() {
    Configuration v1 = V0.next(List.of(0, 1, 2, 3));
    Configuration v2 = v1.settled().next(List.of(0, 1, 3));
    VoterState changing = new VoterState(Ballot.of(20, 3), v1, null);
    VoterState pending =
        new VoterState(Ballot.of(21, 0), v1.settled(), new PendingChange(Ballot.of(21, 0), v2));
    for (VoterState state : List.of(changing, pending)) {
      new FilePromiseStore(dir).store(state);
      assertThat(new FilePromiseStore(dir).load(V0)).isEqualTo(state);
    }
  }

  @Test
  void when_the_file_is_damaged_then_loading_refuses_and_names_the_file() throws Exception {
    Files.writeString(dir.resolve("promised"), "garbage");
    assertThatThrownBy(() -> new FilePromiseStore(dir).load(V0))
        .isInstanceOf(GridException.class)
        .hasMessageContaining(dir.resolve("promised").toString())
        .hasMessageContaining("garbage");
    Files.writeString(dir.resolve("promised"), "12\nconfiguration 1 0,1,1 -\n");
    assertThatThrownBy(() -> new FilePromiseStore(dir).load(V0))
        .isInstanceOf(GridException.class)
        .hasMessageContaining("twice");
  }
}
