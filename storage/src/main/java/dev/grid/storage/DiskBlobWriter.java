package dev.grid.storage;

import dev.grid.storage.DiskBlobFormat.Trailer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
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
import java.util.zip.CRC32C;

/**
 * Writes one blob durably: content to a temp file in the blob's own directory, chunk by chunk
 * through one reused buffer, with the trailer after it; fsync; rename over the key's file in one
 * atomic step; fsync the directory (and, when this put created it, each directory up to the root,
 * so the new entries survive a crash too). Until the rename nobody sees the blob; after it every
 * reader that opens the key sees all of it. A failed put deletes its temp file; a crash leaves one,
 * which the store sweeps when it next opens.
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
    try (Incoming file = begin(key)) {
      byte[] buffer = new byte[Math.min(chunkSize, FIRST_BUFFER)];
      while (true) {
        int n = readChunk(key, content, buffer);
        if (n == buffer.length && buffer.length < chunkSize) { // more than a small blob: grow once
          buffer = Arrays.copyOf(buffer, chunkSize);
          n += readChunk(key, content, ByteBuffer.wrap(buffer, n, chunkSize - n));
        }
        if (n == 0) {
          break;
        }
        file.append(buffer, 0, n);
        if (n < chunkSize) {
          break;
        }
      }
      return file.commit(expectedSha256);
    }
  }

  /**
   * Starts a blob file whose content arrives piece by piece (a put that also sends it elsewhere, or
   * a copy pushed by another node): {@link Incoming#append} each piece in order, then {@link
   * Incoming#commit}. Closing it before the commit deletes the temp file.
   */
  Incoming begin(String key) {
    return new Incoming(key, true);
  }

  /**
   * As {@link #begin}, for a copy whose content the sender has hashed and whose every piece has
   * been checked against the sender's CRC32C on arrival: the SHA-256 is not computed again, and the
   * one given to {@link Incoming#commit} goes into the trailer. A scrub recomputes it later.
   */
  Incoming beginChecked(String key) {
    return new Incoming(key, false);
  }

  /**
   * One blob file being written: a temp file next to the key's, the header written, each piece
   * appended, hashed and its chunks' CRC32C taken; nobody sees it before {@link #commit}. Not
   * thread-safe: one writer at a time.
   */
  final class Incoming implements AutoCloseable {
    private final String key;
    private final Path dir;
    private final boolean dirExisted;
    private final Path temp;
    private final FileChannel out;
    private final MessageDigest hash; // null when the sender's SHA-256 is taken
    private final CRC32C chunkCrc = new CRC32C();
    private int[] crcs = new int[16];
    private int count;
    private int inChunk;
    private long size;
    private String digest;
    private boolean done;

    private Incoming(String key, boolean hashed) {
      this.key = key;
      this.hash = hashed ? DiskBlobWriter.sha256() : null;
      Path target = paths.fileOf(key);
      this.dir = target.getParent();
      this.dirExisted = Files.isDirectory(dir);
      TempFile created = createTemp(key, dir, dirExisted);
      this.temp = created.path();
      this.out = created.channel();
      try {
        writeFully(out, DiskBlobFormat.header());
      } catch (IOException e) {
        try {
          out.close();
        } catch (IOException closing) {
          e.addSuppressed(closing);
        }
        deleteQuietly(temp);
        throw new UncheckedIOException("writing blob '" + key + "' to " + temp + " failed", e);
      }
    }

    String key() {
      return key;
    }

    /** Content bytes appended so far. */
    long size() {
      return size;
    }

    /** Appends the next piece of the content, of any length. */
    void append(byte[] bytes, int offset, int length) {
      if (done || digest != null) {
        throw new IllegalStateException("blob file of '" + key + "' is already closed");
      }
      if (hash != null) {
        hash.update(bytes, offset, length);
      }
      for (int at = offset, end = offset + length; at < end; ) {
        int n = Math.min(end - at, chunkSize - inChunk);
        chunkCrc.update(bytes, at, n);
        inChunk += n;
        at += n;
        if (inChunk == chunkSize) {
          endChunk();
        }
      }
      try {
        writeFully(out, ByteBuffer.wrap(bytes, offset, length));
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("writing blob '" + key + "' to " + temp + " failed", e);
      }
      size += length;
    }

    /** The SHA-256 of the content appended, in hex; nothing more may be appended after. */
    String sha256() {
      if (hash == null) {
        throw new IllegalStateException("blob file of '" + key + "' is not hashed here");
      }
      if (digest == null) {
        digest = HexFormat.of().formatHex(hash.digest());
      }
      return digest;
    }

    private void endChunk() {
      if (count == crcs.length) {
        crcs = Arrays.copyOf(crcs, count * 2);
      }
      crcs[count++] = (int) chunkCrc.getValue();
      chunkCrc.reset();
      inChunk = 0;
    }

    /**
     * Writes the trailer, fsyncs, and renames the file over the key's in one atomic step, then
     * fsyncs the directory (and each directory up to the root this put created). If {@code
     * expectedSha256} is not null and the content has another, nothing is stored. A file begun by
     * {@link #beginChecked} takes {@code expectedSha256} as its SHA-256.
     */
    StoredBlob commit(String expectedSha256) {
      if (done) {
        throw new IllegalStateException("blob file of '" + key + "' is already closed");
      }
      try {
        if (inChunk > 0) {
          endChunk();
        }
        String sha = hash != null ? sha256() : expectedSha256;
        if (sha == null) {
          throw new IllegalArgumentException(
              "blob file of '" + key + "' needs the SHA-256" + " its sender computed");
        }
        Trailer trailer =
            new Trailer(size, chunkSize, Arrays.copyOf(crcs, count), HexFormat.of().parseHex(sha));
        if (expectedSha256 != null && !expectedSha256.equals(sha)) {
          throw new BlobCorruptedException(
              key,
              "the content given has SHA-256 "
                  + sha
                  + ", expected "
                  + expectedSha256
                  + "; nothing was stored");
        }
        writeFully(out, DiskBlobFormat.trailerAndFooter(trailer));
        out.force(true);
        out.close();
        Files.move(temp, paths.fileOf(key), StandardCopyOption.ATOMIC_MOVE);
        done = true;
        LocalDiskStore.fsyncDirectory(dir);
        if (!dirExisted) {
          for (Path up = dir.getParent(); up.startsWith(paths.root()); up = up.getParent()) {
            LocalDiskStore.fsyncDirectory(up);
          }
        }
        return new StoredBlob(key, size, sha);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "writing blob '" + key + "' to " + temp + " and moving" + " it into place failed", e);
      } finally {
        close();
      }
    }

    /** Gives up the file unless committed: closes and deletes it. Idempotent. */
    @Override
    public void close() {
      if (!done) {
        done = true;
        try {
          out.close();
        } catch (IOException e) {
          // deleted next
        }
        deleteQuietly(temp);
      } else if (out.isOpen()) {
        try {
          out.close();
        } catch (IOException e) {
          // committed already
        }
      }
    }
  }

  /** A temp file, created and open for writing. */
  private record TempFile(Path path, FileChannel channel) {}

  /**
   * Creates a fresh temp file next to the target and opens it, in one call (the directory is made
   * first unless it was there). A concurrent delete may prune the directory between creating it and
   * creating the file in it; then both are tried again.
   */
  private static TempFile createTemp(String key, Path dir, boolean dirExisted) {
    IOException last = null;
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      Path temp =
          dir.resolve(
              DiskPaths.TEMP_PREFIX
                  + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36));
      try {
        if (attempt > 0 || !dirExisted) {
          Files.createDirectories(dir);
        }
        return new TempFile(
            temp, FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
      } catch (NoSuchFileException | FileAlreadyExistsException e) {
        last = e;
      } catch (IOException e) {
        throw new UncheckedIOException(
            "creating a file for blob '" + key + "' in " + dir + " failed", e);
      }
    }
    throw new UncheckedIOException(
        "creating a file for blob '"
            + key
            + "' in "
            + dir
            + " failed "
            + CREATE_ATTEMPTS
            + " times",
        last);
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
