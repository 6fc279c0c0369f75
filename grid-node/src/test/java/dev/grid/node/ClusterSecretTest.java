package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The cluster secret's file checks, the name derived from it, and the node's flags for it. */
class ClusterSecretTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  @TempDir Path dir;

  private Path file(String content, String perms) throws Exception {
    Path f = dir.resolve("secret-" + perms);
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  @Test
  void the_member_cluster_name_depends_on_both_the_name_and_the_secret() {
    String name = ClusterSecret.memberClusterName("grid", SECRET);
    assertThat(name).startsWith("grid-").hasSize("grid-".length() + 32);
    assertThat(ClusterSecret.memberClusterName("grid", SECRET)).isEqualTo(name);
    assertThat(ClusterSecret.memberClusterName("grid", SECRET + "x")).isNotEqualTo(name);
    assertThat(ClusterSecret.memberClusterName("prod", SECRET)).isNotEqualTo(name);
    assertThat(name).doesNotContain(SECRET.substring(0, 8));
  }

  @Test
  void a_secret_file_others_can_read_is_refused_with_the_chmod_that_fixes_it() throws Exception {
    Path open = file(SECRET + "\n", "rw-r--r--");
    assertThatThrownBy(() -> ClusterSecret.read(open, "cluster secret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chmod 600 " + open)
        .hasMessageContaining("rw-r--r--");
    assertThat(ClusterSecret.read(file(SECRET + "\n", "rw-------"), "cluster secret"))
        .isEqualTo(SECRET);
  }

  @Test
  void a_short_or_missing_secret_is_refused_naming_the_file() throws Exception {
    Path shortOne = file("abc\n", "rw-------");
    assertThatThrownBy(() -> ClusterSecret.read(shortOne, "cluster secret"))
        .hasMessageContaining(shortOne.toString())
        .hasMessageContaining("at least 16");
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ClusterSecret.read(missing, "cluster secret"))
        .hasMessageContaining(missing + " cannot be read")
        .hasMessageContaining("bin/grid-token " + missing);
  }

  @Test
  void a_one_node_grid_makes_its_own_secret_once_and_only_its_owner_can_read_it() throws Exception {
    String first = ClusterSecret.generated(dir);
    assertThat(first).hasSize(64);
    assertThat(ClusterSecret.generated(dir)).isEqualTo(first);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(ClusterSecret.GENERATED))))
        .isEqualTo("rw-------");
  }

  @Test
  void a_node_of_several_needs_a_secret_file_and_says_how_to_make_one() {
    NodeMain main = new NodeMain();
    new CommandLine(main)
        .parseArgs(
            "--name",
            "n1",
            "--data-dir",
            dir.toString(),
            "--members",
            "127.0.0.1:15701,127.0.0.1:15702");
    assertThatThrownBy(main::readSecret)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--secret-file")
        .hasMessageContaining("bin/grid-token cluster-secret");
    assertThat(dir.resolve(ClusterSecret.GENERATED)).doesNotExist();
  }

  @Test
  void a_token_file_others_can_read_is_refused() throws Exception {
    Path token = file(SECRET + "\n", "rw-rw-r--");
    NodeMain main = new NodeMain();
    new CommandLine(main)
        .parseArgs("--name", "n1", "--data-dir", dir.toString(), "--token-file", token.toString());
    assertThatThrownBy(main::readToken)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token file " + token)
        .hasMessageContaining("chmod 600 " + token);
  }
}
