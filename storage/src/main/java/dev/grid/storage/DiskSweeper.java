package dev.grid.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a disk store does to its directory when it opens, before any call can race with it: removes
 * the temp files of puts a crash cut short and the directories left empty, and refuses a file
 * system that folds case (keys {@code A} and {@code a} would be one file).
 */
final class DiskSweeper {
  private DiskSweeper() {}

  /** Deletes every temp file under the root and every empty directory below it; how many files. */
  static int sweep(Path root) {
    int[] swept = {0};
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                throws IOException {
              if (DiskPaths.isTemp(file)) {
                Files.delete(file);
                swept[0]++;
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure)
                throws IOException {
              if (failure != null) {
                throw failure;
              }
              if (!dir.equals(root)) {
                try {
                  Files.delete(dir);
                } catch (DirectoryNotEmptyException e) {
                  // holds blobs
                }
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("sweeping the blob directory " + root + " failed", e);
    }
    if (swept[0] > 0) {
      try {
        LocalDiskStore.fsyncDirectory(root);
      } catch (IOException e) {
        throw new UncheckedIOException("syncing the blob directory " + root + " failed", e);
      }
    }
    return swept[0];
  }

  /** Refuses a root on a case-insensitive file system, naming it. */
  static void checkCaseSensitive(Path root) {
    Path lower = root.resolve(DiskPaths.TEMP_PREFIX + "case-probe");
    Path upper = root.resolve(DiskPaths.TEMP_PREFIX.toUpperCase() + "CASE-PROBE");
    try {
      Files.deleteIfExists(lower);
      Files.createFile(lower);
      try {
        if (Files.exists(upper)) {
          throw new IllegalStateException(
              "the blob directory "
                  + root
                  + " is on a file system"
                  + " that ignores case, where keys differing only in case would overwrite each"
                  + " other: use a case-sensitive file system for the data directory");
        }
      } finally {
        Files.deleteIfExists(lower);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("probing the blob directory " + root + " failed", e);
    }
  }
}
