package dev.grid.node;

import dev.grid.node.exec.JobUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path a Java job's child JVM gets when it runs as the job user: the node's own, with
 * every entry the user cannot read replaced by a copy it can.
 *
 * <p>Why: the child JVM runs as the job user, and a node installed or checked out where that user
 * cannot enter (a home directory of mode 0700, a {@code mktemp -d} folder) would otherwise fail
 * every Java job at start. The copies go to {@code SCRATCH_ROOT/.classpath}, made afresh at each
 * start: owned by the node's user, mode 0755 for folders and 0644 for files, so the job user reads
 * them and changes none; the scratch root itself (0711) lets it enter but not list. The name starts
 * with a dot, so it never meets a job's scratch directory (named after the job's id).
 */
final class ChildClassPath {
  static final String DIR = ".classpath";

  private ChildClassPath() {}

  /**
   * The class path for child JVMs run as {@code user}.
   *
   * @param classPath the node's class path ({@code java.class.path}: entries joined with ':')
   * @throws UncheckedIOException if an entry cannot be copied
   */
  static String forUser(JobUser user, Path scratchRoot, String classPath) {
    List<String> entries = new ArrayList<>();
    Path copies = scratchRoot.resolve(DIR);
    try {
      if (Files.exists(copies, LinkOption.NOFOLLOW_LINKS)) {
        JobLauncher.deleteTree(copies); // an earlier start's copies
      }
      int index = 0;
      for (String entry : classPath.split(":")) {
        if (entry.isEmpty()) {
          continue;
        }
        Path path = Path.of(entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry);
        if (user.cannotReach(path, entry.endsWith("/*")) == null) {
          entries.add(entry);
          continue;
        }
        if (!Files.exists(path)) {
          continue; // the JVM skips it too
        }
        if (index == 0) {
          Files.createDirectories(copies);
          readable(copies, true);
        }
        Path copy = copies.resolve(index++ + "-" + path.getFileName());
        copyReadable(path, copy);
        entries.add(entry.endsWith("/*") ? copy + "/*" : copy.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot copy the grid's class path to " + copies + " for the job user " + user.name(), e);
    }
    return String.join(":", entries);
  }

  /** Copies a file or a folder's tree, every folder 0755 and file 0644; links are not followed. */
  private static void copyReadable(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      readable(to, false);
      return;
    }
    Files.createDirectories(to);
    readable(to, true);
    try (DirectoryStream<Path> children = Files.newDirectoryStream(from)) {
      for (Path child : children) {
        if (!Files.isSymbolicLink(child)) {
          copyReadable(child, to.resolve(child.getFileName().toString()));
        }
      }
    }
  }

  private static void readable(Path p, boolean folder) throws IOException {
    Files.setPosixFilePermissions(
        p, PosixFilePermissions.fromString(folder ? "rwxr-xr-x" : "rw-r--r--"));
  }
}
