package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.node.exec.JobUser;
import dev.grid.node.exec.TestJobUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class path a job user's child JVM gets: entries out of the user's reach are copied where it
 * can read them, the others are kept as they are. As root, with {@value TestJobUser#NAME}.
 */
class ChildClassPathTest {
  private static JobUser user;

  @TempDir Path temp;

  @BeforeAll
  static void theUser() throws Exception {
    user = TestJobUser.ensure();
  }

  @Test
  void entries_the_user_cannot_read_are_copied_where_it_can_and_the_others_kept() throws Exception {
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
    Path hidden = Files.createDirectory(temp.resolve("checkout"));
    Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx------"));
    Path jar = Files.write(hidden.resolve("grid-node.jar"), new byte[] {1, 2, 3});
    Path classes = Files.createDirectories(hidden.resolve("classes/dev/grid"));
    Files.writeString(classes.resolve("A.class"), "bytes of A");
    Path open = Files.createDirectory(temp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path openJar = Files.write(open.resolve("lib.jar"), new byte[] {4});
    Files.setPosixFilePermissions(openJar, PosixFilePermissions.fromString("rw-r--r--"));
    Path root = temp.resolve("jobs");
    user.prepareScratchRoot(root);
    assertThat(user.cannotReach(jar, false)).isNotNull();

    String classPath =
        ChildClassPath.forUser(
            user,
            root,
            String.join(
                ":", jar.toString(), hidden.resolve("classes").toString(), openJar.toString()));

    List<String> entries = List.of(classPath.split(":"));
    assertThat(entries).hasSize(3);
    assertThat(entries.get(2)).isEqualTo(openJar.toString());
    for (String copy : entries.subList(0, 2)) {
      assertThat(Path.of(copy)).startsWith(root.resolve(ChildClassPath.DIR));
      assertThat(user.cannotReach(Path.of(copy), true)).isNull();
    }
    assertThat(Files.readAllBytes(Path.of(entries.get(0)))).containsExactly(1, 2, 3);
    Path copiedClass = Path.of(entries.get(1)).resolve("dev/grid/A.class");
    assertThat(Files.readString(copiedClass)).isEqualTo("bytes of A");
    assertThat(user.cannotReach(copiedClass, false)).isNull();
    // The user reads the copies and changes none of them.
    assertThat(Files.getOwner(copiedClass).getName()).isNotEqualTo(user.name());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copiedClass)))
        .isEqualTo("rw-r--r--");

    // A second start makes the copies afresh, whatever an earlier one left.
    Files.writeString(root.resolve(ChildClassPath.DIR).resolve("left-over"), "x");
    String again = ChildClassPath.forUser(user, root, jar.toString());
    assertThat(Files.exists(root.resolve(ChildClassPath.DIR).resolve("left-over"))).isFalse();
    assertThat(Files.readAllBytes(Path.of(again))).containsExactly(1, 2, 3);
  }
}
