package dev.grid.scheduler.lease;

import dev.grid.api.GridException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The voter's promise in a small file, {@code <dir>/promised}, holding the ballot as a decimal
 * line. A new value is written to a temporary file, forced to disk, renamed over the old one, and
 * the directory is forced too, so a crash leaves either the old or the new value, never a torn one.
 */
public final class FilePromiseStore implements PromiseStore {
  private static final String FILE = "promised";

  private final Path dir;
  private final Path file;
  private final Path temp;

  /** A store in {@code dir} (usually {@code <dataDir>/lease}), created if missing. */
  public FilePromiseStore(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.temp = dir.resolve(FILE + ".tmp");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GridException(
          "cannot create the lease directory " + dir + ": " + e + "; check the data dir", e);
    }
  }

  @Override
  public long load() {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new GridException("cannot read the lease promise " + file + ": " + e, e);
    }
    try {
      long ballot = Long.parseLong(text);
      if (ballot < 0) {
        throw new NumberFormatException("negative");
      }
      return ballot;
    } catch (NumberFormatException e) {
      // Starting from 0 could let this voter go back on a promise: refuse instead.
      throw new GridException(
          "the lease promise "
              + file
              + " holds '"
              + text
              + "', not a ballot; restore it or, only if every other voter is up, delete it",
          e);
    }
  }

  @Override
  public void store(long ballot) {
    byte[] bytes = (ballot + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      try (FileChannel out =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      forceDirectory();
    } catch (IOException e) {
      throw new GridException("cannot store the lease promise in " + file + ": " + e, e);
    }
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory; the rename is then as durable as it gets.
    }
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
