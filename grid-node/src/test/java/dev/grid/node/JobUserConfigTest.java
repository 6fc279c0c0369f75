package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code --job-user} puts the jobs' scratch directories, and what it refuses at start. */
class JobUserConfigTest {
  @TempDir Path dir;

  private NodeConfig config() {
    return NodeConfig.local("n1", 5701, dir.resolve("data"), "a-token-for-tests", 1);
  }

  @Test
  void without_a_job_user_scratch_stays_in_the_data_dir() {
    assertThat(config().scratchRoot()).isEqualTo(dir.resolve("data").resolve("scratch"));
  }

  @Test
  void with_a_job_user_scratch_is_outside_the_data_dir_in_tmp_or_where_given() {
    assertThat(config().withJobUser("grid-job", null).scratchRoot())
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "grid-jobs-n1"));
    assertThat(config().withJobUser("grid-job", dir.resolve("jobs")).scratchRoot())
        .isEqualTo(dir.resolve("jobs"));
  }

  @Test
  void a_job_scratch_inside_the_data_dir_is_refused_with_a_job_user() {
    assertThatThrownBy(() -> config().withJobUser("grid-job", dir.resolve("data/../data/jobs")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--job-scratch")
        .hasMessageContaining("is inside the data dir")
        .hasMessageContaining("give a directory outside it");
  }

  @Test
  void a_node_whose_job_user_does_not_exist_does_not_start_and_says_how_to_create_it() {
    NodeConfig config = config().withJobUser("no-such-grid-user", null);

    assertThatThrownBy(() -> GridNode.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--job-user no-such-grid-user: no such user")
        .hasMessageContaining("useradd --system --no-create-home");
    assertThat(dir.resolve("data")).as("nothing started, nothing made").doesNotExist();
  }
}
