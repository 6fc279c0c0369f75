package dev.grid.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The layout of one blob file, written front to back in one pass so a put streams:
 *
 * <pre>
 *   header   magic "GBLK" (int), format (int)                                        8 bytes
 *   chunks   the content; chunk i at HEADER + i * chunkSize, the last may be shorter
 *   trailer  size (long), chunkSize (int), chunkCount (int), CRC32C of each chunk (int each),
 *            SHA-256 of the whole content (32 bytes)
 *   footer   trailer length (int), CRC32C of the trailer (int), magic "GBLT" (int)  12 bytes
 * </pre>
 *
 * A reader seeks to the footer, checks the trailer against its CRC and the file's length against
 * the trailer, then reads chunks knowing what each must checksum to. Anything that does not add up
 * is reported as corruption of the blob, never as a short or wrong read.
 */
final class DiskBlobFormat {
  static final int HEADER = 8;
  static final int FOOTER = 12;
  private static final int MAGIC = 0x47424c4b; // "GBLK"
  private static final int FORMAT = 1;
  private static final int FOOTER_MAGIC = 0x47424c54; // "GBLT"
  private static final int TRAILER_FIXED = 8 + 4 + 4 + 32;

  private DiskBlobFormat() {}

  /**
   * What the trailer of a blob file says.
   *
   * @param size content bytes
   * @param chunkSize bytes in every chunk but the last
   * @param chunkCrcs CRC32C of each chunk, in order
   * @param sha256 digest of the whole content
   */
  record Trailer(long size, int chunkSize, int[] chunkCrcs, byte[] sha256) {
    int chunkCount() {
      return chunkCrcs.length;
    }

    /** The exact length chunk {@code index} has. */
    int chunkLength(int index) {
      return (int) Math.min(chunkSize, size - (long) index * chunkSize);
    }

    /** Where chunk {@code index} starts in the file. */
    long chunkOffset(int index) {
      return HEADER + (long) index * chunkSize;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Trailer t
          && size == t.size
          && chunkSize == t.chunkSize
          && Arrays.equals(chunkCrcs, t.chunkCrcs)
          && Arrays.equals(sha256, t.sha256);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(size) * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
      return "Trailer[size="
          + size
          + ", chunkSize="
          + chunkSize
          + ", chunks="
          + chunkCrcs.length
          + "]";
    }
  }

  static ByteBuffer header() {
    return ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(FORMAT).flip();
  }

  /** The trailer and footer, ready to be written after the last chunk. */
  static ByteBuffer trailerAndFooter(Trailer trailer) {
    int length = TRAILER_FIXED + 4 * trailer.chunkCount();
    ByteBuffer buffer = ByteBuffer.allocate(length + FOOTER);
    buffer.putLong(trailer.size()).putInt(trailer.chunkSize()).putInt(trailer.chunkCount());
    for (int crc : trailer.chunkCrcs()) {
      buffer.putInt(crc);
    }
    buffer.put(trailer.sha256());
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), 0, length);
    buffer.putInt(length).putInt((int) crc.getValue()).putInt(FOOTER_MAGIC);
    return buffer.flip();
  }

  /** Reads and checks the header, footer and trailer of the open file of blob {@code key}. */
  static Trailer readTrailer(String key, FileChannel file) throws IOException {
    long fileLength = file.size();
    if (fileLength < HEADER + FOOTER + TRAILER_FIXED) {
      throw new BlobCorruptedException(key, "its file has only " + fileLength + " bytes");
    }
    ByteBuffer header = readFully(file, HEADER, 0);
    if (header.getInt() != MAGIC || header.getInt() != FORMAT) {
      throw new BlobCorruptedException(key, "its file does not start with a blob header");
    }
    ByteBuffer footer = readFully(file, FOOTER, fileLength - FOOTER);
    int length = footer.getInt();
    int expectedCrc = footer.getInt();
    if (footer.getInt() != FOOTER_MAGIC
        || length < TRAILER_FIXED
        || length > fileLength - HEADER - FOOTER) {
      throw new BlobCorruptedException(key, "its file does not end with a readable footer");
    }
    ByteBuffer bytes = readFully(file, length, fileLength - FOOTER - length);
    CRC32C crc = new CRC32C();
    crc.update(bytes.array(), 0, length);
    if ((int) crc.getValue() != expectedCrc) {
      throw new BlobCorruptedException(key, "its trailer fails its CRC32C");
    }
    Trailer trailer = decode(key, bytes, length);
    long expectedLength = HEADER + trailer.size() + length + FOOTER;
    if (expectedLength != fileLength) {
      throw new BlobCorruptedException(
          key, "its file has " + fileLength + " bytes, its trailer says " + expectedLength);
    }
    return trailer;
  }

  private static Trailer decode(String key, ByteBuffer bytes, int length) {
    long size = bytes.getLong();
    int chunkSize = bytes.getInt();
    int count = bytes.getInt();
    if (size < 0
        || chunkSize < 1
        || count != (length - TRAILER_FIXED) / 4
        || count != (size + chunkSize - 1) / chunkSize) {
      throw new BlobCorruptedException(
          key,
          "its trailer is inconsistent (size "
              + size
              + ", chunk size "
              + chunkSize
              + ", "
              + count
              + " chunks)");
    }
    int[] crcs = new int[count];
    for (int i = 0; i < count; i++) {
      crcs[i] = bytes.getInt();
    }
    byte[] sha256 = new byte[32];
    bytes.get(sha256);
    return new Trailer(size, chunkSize, crcs, sha256);
  }

  /** Reads exactly {@code length} bytes at {@code position} into a fresh buffer, flipped. */
  static ByteBuffer readFully(FileChannel file, int length, long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    readFully(file, buffer, position);
    return buffer.flip();
  }

  /** Fills the buffer's remaining space from {@code position}. */
  static void readFully(FileChannel file, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = file.read(buffer, at);
      if (n < 0) {
        throw new EOFException("the blob file ended at " + at);
      }
      at += n;
    }
  }

  /**
   * Reads every chunk, recomputing its CRC32C and the SHA-256 of the whole; what does not match the
   * trailer, or empty.
   */
  static Optional<String> checkContent(FileChannel file, Trailer trailer) throws IOException {
    MessageDigest sha256 = DiskBlobWriter.sha256();
    byte[] chunk = new byte[(int) Math.min(trailer.chunkSize(), trailer.size())];
    List<Integer> bad = new ArrayList<>();
    for (int i = 0; i < trailer.chunkCount(); i++) {
      int length = trailer.chunkLength(i);
      DiskBlobFormat.readFully(file, ByteBuffer.wrap(chunk, 0, length), trailer.chunkOffset(i));
      if (DiskBlobFormat.crc32c(chunk, length) != trailer.chunkCrcs()[i]) {
        bad.add(i);
      }
      sha256.update(chunk, 0, length);
    }
    if (!bad.isEmpty()) {
      return Optional.of("chunk(s) " + bad + " of " + trailer.chunkCount() + " fail their CRC32C");
    }
    byte[] actual = sha256.digest();
    if (!MessageDigest.isEqual(actual, trailer.sha256())) {
      return Optional.of(
          "its content has SHA-256 "
              + HexFormat.of().formatHex(actual)
              + ", its trailer says "
              + HexFormat.of().formatHex(trailer.sha256()));
    }
    return Optional.empty();
  }

  static int crc32c(byte[] bytes, int length) {
    return crc32c(bytes, 0, length);
  }

  static int crc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }
}
