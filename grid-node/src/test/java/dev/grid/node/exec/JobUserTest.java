package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The checks {@code --job-user} makes at start, each failing with what to do. */
class JobUserTest {
  private static final Optional<String> SETPRIV = Optional.of("/usr/bin/setpriv");
  private static final Optional<String> JOBS =
      Optional.of("grid-job:x:998:997::/nonexistent:/usr/sbin/nologin");

  @Test
  void a_user_that_exists_is_read_from_its_passwd_entry() {
    JobUser user = JobUser.resolve("grid-job", 0, JOBS, SETPRIV);

    assertThat(user)
        .isEqualTo(new JobUser("grid-job", 998, 997, "/nonexistent", "/usr/bin/setpriv"));
    assertThat(user.launchPrefix())
        .isEqualTo(
            List.of("/usr/bin/setpriv", "--reuid=998", "--regid=997", "--init-groups", "--"));
    assertThat(user.identity())
        .containsEntry("HOME", "/nonexistent")
        .containsEntry("USER", "grid-job")
        .containsEntry("LOGNAME", "grid-job");
  }

  @Test
  void a_user_that_does_not_exist_is_refused_saying_how_to_create_it() {
    assertThatThrownBy(() -> JobUser.resolve("grid-job", 0, Optional.empty(), SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--job-user grid-job: no such user")
        .hasMessageContaining("useradd --system --no-create-home");
  }

  @Test
  void root_is_refused() {
    Optional<String> root = Optional.of("root:x:0:0:root:/root:/bin/bash");
    assertThatThrownBy(() -> JobUser.resolve("root", 0, root, SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--job-user root is root (uid 0)")
        .hasMessageContaining("unprivileged user");
  }

  @Test
  void the_nodes_own_user_is_refused_as_pointless() {
    assertThatThrownBy(() -> JobUser.resolve("grid-job", 998, JOBS, SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is the node's own user (uid 998)");
  }

  @Test
  void a_node_not_run_as_root_is_refused_saying_so() {
    assertThatThrownBy(() -> JobUser.resolve("grid-job", 1000, JOBS, SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("this node runs as uid 1000, which cannot switch users")
        .hasMessageContaining("start the node as root");
  }

  @Test
  void without_setpriv_the_node_is_refused_saying_what_to_install() {
    assertThatThrownBy(() -> JobUser.resolve("grid-job", 0, JOBS, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("setpriv (util-linux)")
        .hasMessageContaining("install util-linux");
  }

  @Test
  void a_name_that_is_no_user_name_is_refused_before_any_lookup() {
    assertThatThrownBy(() -> JobUser.resolve("--help", 0, JOBS, SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'--help' is not a user name");
  }

  @Test
  void a_malformed_passwd_entry_is_named() {
    Optional<String> bad = Optional.of("grid-job:x:abc:997::/:/bin/sh");
    assertThatThrownBy(() -> JobUser.resolve("grid-job", 0, bad, SETPRIV))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is malformed");
  }

  @Test
  void what_a_shell_reads_at_start_is_kept_from_the_root_stage_and_set_after_the_switch() {
    // the cgroup step runs /bin/sh as root before setpriv; a bash there imports functions
    JobUser user = JobUser.resolve("grid-job", 0, JOBS, SETPRIV);
    Map<String, String> env =
        Map.of("BASH_FUNC_echo%%", "() { id; }", "SHELLOPTS", "xtrace", "PS4", "$(id)", "A", "1");

    assertThat(JobUser.rootStage(env)).containsOnlyKeys("A");
    assertThat(user.launch(Path.of("/tmp/j"), env, List.of("true")))
        .containsSubsequence(
            JobUser.ENV,
            "--chdir=/tmp/j",
            "--",
            "BASH_FUNC_echo%%=() { id; }",
            "PS4=$(id)",
            "SHELLOPTS=xtrace",
            "true");
  }
}
