package dev.grid.node.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reading and writing the small files of a cgroup file system (v1 or v2), and removing groups.
 *
 * <p>Each write is one {@code write(2)} of the whole value, as the kernel expects; a value it
 * refuses comes back as an {@link IOException} naming the file. Directories are removed with {@code
 * rmdir(2)} only ({@link Files#delete}): a group's directory holds the kernel's interface files,
 * which cannot and must not be deleted one by one.
 */
final class CgroupFiles {
  /** The file listing the pids of a group's processes, and taking a pid to move one in. */
  static final String PROCS = "cgroup.procs";

  private static final Duration REMOVE_PATIENCE = Duration.ofMillis(500);
  private static final long REMOVE_STEP_MILLIS = 10;

  private CgroupFiles() {}

  static void write(Path file, String value) throws IOException {
    Files.writeString(file, value, StandardCharsets.US_ASCII);
  }

  static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.US_ASCII).strip();
  }

  static long readLong(Path file) throws IOException {
    return parseLong(file, read(file));
  }

  /** {@code text}, read from {@code file}, as a number. */
  static long parseLong(Path file, String text) throws IOException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds '" + text + "', not a number");
    }
  }

  /**
   * The number on the line {@code "<key> <number>"} of a flat keyed file ({@code cpu.stat}, {@code
   * memory.events}, {@code memory.oom_control}, {@code cpuacct.stat}); empty if no line has it.
   */
  static OptionalLong keyed(Path file, String key) throws IOException {
    return keyed(file, read(file), key);
  }

  /** The same, of {@code text} read from {@code file}. */
  static OptionalLong keyed(Path file, String text, String key) throws IOException {
    for (String line : text.split("\n")) {
      String t = line.trim();
      if (t.length() > key.length()
          && t.startsWith(key)
          && Character.isWhitespace(t.charAt(key.length()))) {
        String value = t.substring(key.length()).trim();
        if (value.chars().noneMatch(Character::isWhitespace)) {
          try {
            return OptionalLong.of(Long.parseLong(value));
          } catch (NumberFormatException e) {
            throw new IOException(file + ": '" + line + "' does not end in a number");
          }
        }
      }
    }
    return OptionalLong.empty();
  }

  /** The pids in a group; none if the group (or, in a fake tree, its procs file) is gone. */
  static List<Long> pids(Path group) throws IOException {
    List<Long> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(group.resolve(PROCS), StandardCharsets.US_ASCII)) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
    } catch (NoSuchFileException e) {
      // nothing there
    } catch (NumberFormatException e) {
      throw new IOException(group.resolve(PROCS) + " holds something that is not a pid", e);
    }
    return pids;
  }

  /**
   * SIGKILLs every process in the group and in groups below it: at once through {@code cgroup.kill}
   * where the kernel has it (v2, Linux 5.14+), else pid by pid (a process forked meanwhile is
   * caught by the next call; callers retry until the group can be removed). Never this JVM.
   */
  static void killAll(Path group) throws IOException {
    Path kill = group.resolve("cgroup.kill");
    if (Files.exists(kill)) {
      write(kill, "1");
      return;
    }
    for (Path child : children(group)) {
      killAll(child);
    }
    long self = ProcessHandle.current().pid();
    for (long pid : pids(group)) {
      if (pid != self) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** The sub-groups of a group: its directories. */
  static List<Path> children(Path group) throws IOException {
    List<Path> dirs = new ArrayList<>();
    if (!Files.isDirectory(group)) {
      return dirs;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(group, Files::isDirectory)) {
      entries.forEach(dirs::add);
    }
    return dirs;
  }

  /**
   * Kills what is in a group (and below it) and removes it, retrying for a short while: rmdir
   * answers EBUSY while the last processes are still exiting. True once it is gone.
   */
  static boolean killAndRemove(Path group) {
    long deadline = System.nanoTime() + REMOVE_PATIENCE.toNanos();
    while (true) {
      try {
        for (Path child : children(group)) {
          killAndRemove(child);
        }
        killAll(group);
        Files.delete(group);
        return true;
      } catch (NoSuchFileException e) {
        return true;
      } catch (DirectoryNotEmptyException e) {
        return false; // a plain directory (a test's fake tree): the kernel answers EBUSY, not this
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          return false;
        }
      }
      try {
        Thread.sleep(REMOVE_STEP_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Removes an empty group, once; true if it is gone. */
  static boolean removeIfEmpty(Path group) {
    try {
      Files.delete(group);
      return true;
    } catch (NoSuchFileException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
