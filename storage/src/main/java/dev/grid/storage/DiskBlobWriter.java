package dev.grid.storage;

import dev.grid.storage.DiskBlobFormat.Trailer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes one blob durably: content to a temp file in the blob's own directory, chunk by chunk
 * through one reused buffer, with the trailer after it; fsync; rename over the key's file in one
 * atomic step; fsync the directory (and, when this put created it, each directory up to the root,
 * so the new entries survive a crash too). Until the rename nobody sees the blob; after it every
 * reader that opens the key sees all of it. A failed put deletes its temp file; a crash leaves
 * one, which the store sweeps when it next opens.
 */
final class DiskBlobWriter {
  private static final int FIRST_BUFFER = 8 * 1024;
  private static final int CREATE_ATTEMPTS = 10;

  private final DiskPaths paths;
  private final int chunkSize;

  DiskBlobWriter(DiskPaths paths, int chunkSize) {
    this.paths = paths;
    this.chunkSize = chunkSize;
  }

  /** Writes the content under the key; if {@code expectedSha256} is not null it must match. */
  StoredBlob write(String key, InputStream content, String expectedSha256) {
    Path target = paths.fileOf(key);
    Path dir = target.getParent();
    boolean dirExisted = Files.isDirectory(dir);
    Path temp = createTemp(key, dir);
    Trailer trailer;
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      trailer = writeContent(key, content, out);
      out.force(true);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new UncheckedIOException("writing blob '" + key + "' to " + temp + " failed", e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(temp);
      throw e;
    }
    String sha256 = HexFormat.of().formatHex(trailer.sha256());
    if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
      deleteQuietly(temp);
      throw new BlobCorruptedException(key, "the content given has SHA-256 " + sha256
          + ", expected " + expectedSha256 + "; nothing was stored");
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      LocalDiskStore.fsyncDirectory(dir);
      if (!dirExisted) {
        for (Path up = dir.getParent(); up.startsWith(paths.root()); up = up.getParent()) {
          LocalDiskStore.fsyncDirectory(up);
        }
      }
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new UncheckedIOException("moving blob '" + key + "' into place at " + target
          + " failed", e);
    }
    return new StoredBlob(key, trailer.size(), sha256);
  }

  /**
   * Creates a fresh temp file next to the target. A concurrent delete may prune the directory
   * between creating it and creating the file in it; then both are tried again.
   */
  private static Path createTemp(String key, Path dir) {
    IOException last = null;
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      Path temp = dir.resolve(DiskPaths.TEMP_PREFIX
          + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36));
      try {
        Files.createDirectories(dir);
        return Files.createFile(temp);
      } catch (NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
        last = e;
      } catch (IOException e) {
        throw new UncheckedIOException("creating a file for blob '" + key + "' in " + dir
            + " failed", e);
      }
    }
    throw new UncheckedIOException("creating a file for blob '" + key + "' in " + dir
        + " failed " + CREATE_ATTEMPTS + " times", last);
  }

  private Trailer writeContent(String key, InputStream content, FileChannel out)
      throws IOException {
    writeFully(out, DiskBlobFormat.header());
    MessageDigest sha256 = sha256();
    byte[] buffer = new byte[Math.min(chunkSize, FIRST_BUFFER)];
    int[] crcs = new int[16];
    long size = 0;
    int count = 0;
    while (true) {
      int n = readChunk(key, content, buffer);
      if (n == buffer.length && buffer.length < chunkSize) { // more than a small blob: grow once
        buffer = Arrays.copyOf(buffer, chunkSize);
        n += readChunk(key, content, ByteBuffer.wrap(buffer, n, chunkSize - n));
      }
      if (n == 0) {
        break;
      }
      sha256.update(buffer, 0, n);
      if (count == crcs.length) {
        crcs = Arrays.copyOf(crcs, count * 2);
      }
      crcs[count++] = DiskBlobFormat.crc32c(buffer, n);
      writeFully(out, ByteBuffer.wrap(buffer, 0, n));
      size += n;
      if (n < chunkSize) {
        break;
      }
    }
    Trailer trailer = new Trailer(size, chunkSize, Arrays.copyOf(crcs, count), sha256.digest());
    writeFully(out, DiskBlobFormat.trailerAndFooter(trailer));
    return trailer;
  }

  private static int readChunk(String key, InputStream content, byte[] buffer) {
    return readChunk(key, content, ByteBuffer.wrap(buffer));
  }

  /** Fills the buffer's remaining space from the content, or as much as is left of it. */
  private static int readChunk(String key, InputStream content, ByteBuffer into) {
    try {
      return content.readNBytes(into.array(), into.position(), into.remaining());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the content for blob '" + key + "' failed", e);
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // swept when the store next opens
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
