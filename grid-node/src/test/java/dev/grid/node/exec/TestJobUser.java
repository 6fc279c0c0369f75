package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.node.Skip;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The unprivileged user the job-user tests run jobs as, created if missing (and left in place): the
 * tests need root, as CI has, and are skipped with a message elsewhere.
 */
public final class TestJobUser {
  /** The user's name. */
  public static final String NAME = "grid-test-job";

  private TestJobUser() {}

  /** Skips the test unless it runs as root; creates the user if missing; resolves it. */
  public static JobUser ensure() throws IOException, InterruptedException {
    Skip.unless(
        JobUser.nodeUid() == 0,
        "the --job-user tests",
        "not root: they run as root (as CI does), creating the user " + NAME);
    if (JobUser.passwdEntry(NAME).isEmpty()) {
      Process add =
          new ProcessBuilder(
                  "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME)
              .redirectErrorStream(true)
              .start();
      String out = new String(add.getInputStream().readAllBytes());
      assertThat(add.waitFor(30, TimeUnit.SECONDS)).isTrue();
      // 9: created meanwhile by a test in another JVM
      assertThat(add.exitValue()).as("useradd: " + out).isIn(0, 9);
    }
    return JobUser.resolve(NAME);
  }

  /** The live processes (zombies left out) whose real or effective uid is {@code uid}. */
  public static List<Long> processesOf(int uid) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          boolean mine = false;
          boolean zombie = false;
          for (String line : Files.readAllLines(entry.resolve("status"))) {
            if (line.startsWith("State:")) {
              zombie = line.contains("Z") || line.contains("X");
            } else if (line.startsWith("Uid:")) {
              String[] ids = line.substring(4).trim().split("\\s+");
              mine = ids[0].equals(Integer.toString(uid)) || ids[1].equals(Integer.toString(uid));
            }
          }
          if (mine && !zombie) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException e) {
          // gone while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return pids;
  }
}
