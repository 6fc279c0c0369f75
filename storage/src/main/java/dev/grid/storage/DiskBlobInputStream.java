package dev.grid.storage;

import dev.grid.storage.DiskBlobFormat.Trailer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Reads a blob file chunk by chunk, checking each chunk's CRC32C against the trailer before handing
 * out a byte of it; one chunk-sized buffer is reused for the whole read, and a read with room for a
 * whole chunk gets it straight into its own buffer, checked there. The stream holds the file open,
 * so a put or delete of the key meanwhile does not disturb it: the reader sees the version it
 * opened, whole.
 */
final class DiskBlobInputStream extends InputStream {
  private final String key;
  private final FileChannel file;
  private final Trailer trailer;
  private byte[] chunk = new byte[0]; // sized at the first read that needs it
  private int nextIndex;
  private int length;
  private int position;
  private int skipInFirst; // bytes of the first chunk read that lie before the start offset
  private boolean closed;
  private BlobCorruptedException failed; // once a chunk fails, every later read fails the same

  DiskBlobInputStream(String key, FileChannel file, Trailer trailer) {
    this(key, file, trailer, 0);
  }

  /** A stream that starts at byte {@code offset} of the content (at most its size). */
  DiskBlobInputStream(String key, FileChannel file, Trailer trailer, long offset) {
    this.key = key;
    this.file = file;
    this.trailer = trailer;
    if (offset < 0 || offset > trailer.size()) {
      throw new IllegalArgumentException(
          "offset " + offset + " is outside blob '" + key + "' of " + trailer.size() + " bytes");
    }
    this.nextIndex = trailer.size() == 0 ? 0 : (int) (offset / trailer.chunkSize());
    this.skipInFirst = (int) (offset - (long) nextIndex * trailer.chunkSize());
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return chunk[position++] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    Objects.checkFromIndexSize(offset, count, buffer.length);
    if (count == 0) {
      return 0;
    }
    if (position == length
        && skipInFirst == 0
        && failed == null
        && nextIndex < trailer.chunkCount()
        && count >= trailer.chunkLength(nextIndex)) {
      ensureOpen();
      return readChunkInto(buffer, offset);
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(count, length - position);
    System.arraycopy(chunk, position, buffer, offset, n);
    position += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    ensureOpen();
    return length - position;
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      file.close();
    }
  }

  /**
   * Reads the next whole chunk straight into the caller's buffer, which has room for it, and checks
   * it there: a large read then costs no copy through {@link #chunk}. On a bad CRC32C the buffer
   * holds the bad bytes, but the read throws and nothing counts them as read.
   */
  private int readChunkInto(byte[] buffer, int offset) throws IOException {
    int index = nextIndex++;
    int n = trailer.chunkLength(index);
    DiskBlobFormat.readFully(file, ByteBuffer.wrap(buffer, offset, n), trailer.chunkOffset(index));
    checkCrc(index, DiskBlobFormat.crc32c(buffer, offset, n));
    return n;
  }

  private void checkCrc(int index, int actual) {
    if (actual != trailer.chunkCrcs()[index]) {
      length = 0;
      position = 0;
      failed =
          new BlobCorruptedException(
              key,
              "chunk "
                  + index
                  + " of "
                  + trailer.chunkCount()
                  + " has CRC32C "
                  + Integer.toHexString(actual)
                  + ", its trailer says "
                  + Integer.toHexString(trailer.chunkCrcs()[index]));
      throw failed;
    }
  }

  /** Makes unread bytes available; false at the end of the blob. */
  private boolean fill() throws IOException {
    ensureOpen();
    if (failed != null) {
      throw failed;
    }
    while (position == length) {
      if (nextIndex == trailer.chunkCount()) {
        return false;
      }
      int index = nextIndex++;
      length = trailer.chunkLength(index);
      if (chunk.length < length) {
        chunk = new byte[(int) Math.min(trailer.chunkSize(), trailer.size())];
      }
      position = 0;
      DiskBlobFormat.readFully(file, ByteBuffer.wrap(chunk, 0, length), trailer.chunkOffset(index));
      checkCrc(index, DiskBlobFormat.crc32c(chunk, 0, length));
      position = Math.min(skipInFirst, length);
      skipInFirst = 0;
    }
    return true;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the stream of blob '" + key + "' is closed");
    }
  }
}
