package dev.grid.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The resident client's files, in a directory only its user can enter ({@code
 * ${XDG_RUNTIME_DIR:-$HOME/.cache}/grid-client}, 0700), named after the checkout it serves:
 *
 * <ul>
 *   <li>{@code NAME.state}, 0600: {@code PORT SECRET PROOF PID} on one line. A caller proves it may
 *       use the resident client by sending SECRET; the resident client proves it is the one that
 *       wrote the file by answering PROOF, before the caller sends anything else (its token among
 *       it), so a process that took the port of a dead resident client learns nothing.
 *   <li>{@code NAME.lock}: held by the running resident client, so that two started at once do not
 *       both serve.
 *   <li>{@code NAME.started}: written by {@code bin/_grid.sh} when it starts one, deleted once it
 *       serves ({@link #deleteStartMark}).
 *   <li>{@code NAME.log}: the resident client's stdout and stderr (empty unless it failed).
 * </ul>
 *
 * <p>The directory is refused unless this user owns it and nobody else may enter it: a caller
 * trusts what the state file says because nobody else can write there.
 */
final class ClientDir {
  private static final Set<PosixFilePermission> PRIVATE_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> PRIVATE_FILE =
      PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final String name;

  ClientDir(Path dir, String name) {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "resident client name '" + name + "' must be a plain file name");
    }
    this.dir = dir;
    this.name = name;
  }

  Path dir() {
    return dir;
  }

  Path stateFile() {
    return dir.resolve(name + ".state");
  }

  /**
   * Makes the directory (0700) if it is missing.
   *
   * @throws IllegalStateException if it belongs to another user or others may enter it
   */
  void prepare() throws IOException {
    try {
      Files.createDirectories(
          dir.getParent() == null ? dir : dir.getParent()); // the parent as the user's umask says
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
    String user = System.getProperty("user.name");
    if (!owner.equals(user) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException(
          "resident client directory " + dir + " belongs to " + owner + ", not to " + user);
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
    if (!PRIVATE_DIR.containsAll(permissions)) {
      throw new IllegalStateException(
          "resident client directory "
              + dir
              + " is "
              + PosixFilePermissions.toString(permissions)
              + ": only its user may enter it (chmod 700 it)");
    }
  }

  /** The lock that says this process serves; null if another process holds it. */
  FileLock tryLock() throws IOException {
    FileChannel channel =
        FileChannel.open(
            dir.resolve(name + ".lock"),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM already
    }
    if (lock == null) {
      channel.close();
    }
    return lock;
  }

  /** Writes the state file whole, 0600, in place of any other (a reader never sees half of it). */
  void writeState(String line) throws IOException {
    Path temp = dir.resolve(name + ".state." + ProcessHandle.current().pid());
    Files.deleteIfExists(temp);
    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    Files.writeString(temp, line, StandardCharsets.US_ASCII);
    try {
      Files.move(
          temp, stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, stateFile(), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Deletes the mark {@code bin/_grid.sh} leaves when it starts a resident client ({@code
   * NAME.started}, the time of the start): while it is there and young, no second one is started,
   * since one is starting or failed to. Once one served, a later start is not held back.
   */
  void deleteStartMark() throws IOException {
    Files.deleteIfExists(dir.resolve(name + ".started"));
  }

  /** The state file's content; null if there is none. */
  String readState() throws IOException {
    try {
      return Files.readString(stateFile(), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Deletes the state file if it still says {@code line} (the holder of the lock calls this). */
  void deleteStateIf(String line) throws IOException {
    if (line.equals(readState())) {
      Files.deleteIfExists(stateFile());
    }
  }
}
