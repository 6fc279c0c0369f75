package dev.grid.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * What a stored blob is: the version its chunks are stored under, its size, its chunk size and
 * the CRC32C of each chunk, and the SHA-256 of the whole content (for later verification and
 * repair). A small blob's one chunk is carried in the manifest itself ({@code inline}) rather
 * than stored under a key of its own. Encoded by hand to a small byte array so Hazelcast stores it
 * with its own byte[] serializer.
 *
 * @param version random id of the put that wrote the chunks; part of every chunk key
 * @param size total bytes
 * @param chunkSize bytes in every chunk but the last
 * @param chunkCrcs CRC32C of each chunk, in order
 * @param sha256 digest of the whole content
 * @param inline the content itself when it is one small chunk kept here, else null
 */
record Manifest(
    String version, long size, int chunkSize, int[] chunkCrcs, byte[] sha256, byte[] inline) {
  private static final int MAGIC = 0x47424d31; // "GBM1"
  private static final byte CHUNKED_ONLY = 1;
  private static final byte FORMAT = 2; // CHUNKED_ONLY plus the inline content (length -1: none)

  Manifest {
    if (size < 0 || chunkSize <= 0) {
      throw new IllegalArgumentException("size " + size + " / chunkSize " + chunkSize);
    }
    long expectedChunks = (size + chunkSize - 1) / chunkSize;
    if (chunkCrcs.length != expectedChunks) {
      throw new IllegalArgumentException(
          chunkCrcs.length + " chunk checksums for " + size + " bytes in chunks of " + chunkSize);
    }
    if (sha256.length != 32) {
      throw new IllegalArgumentException("sha256 of " + sha256.length + " bytes");
    }
    if (inline != null && (chunkCrcs.length != 1 || inline.length != size)) {
      throw new IllegalArgumentException(
          "inline content of " + inline.length + " bytes for " + size + " bytes in "
              + chunkCrcs.length + " chunks");
    }
  }

  int chunkCount() {
    return chunkCrcs.length;
  }

  /** Chunks stored under keys of their own: none when the content is inline. */
  int storedChunkCount() {
    return inline == null ? chunkCrcs.length : 0;
  }

  /** The exact length chunk {@code index} must have. */
  int chunkLength(int index) {
    long start = (long) index * chunkSize;
    return (int) Math.min(chunkSize, size - start);
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * chunkCrcs.length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(FORMAT);
      out.writeUTF(version);
      out.writeLong(size);
      out.writeInt(chunkSize);
      out.writeInt(chunkCrcs.length);
      for (int crc : chunkCrcs) {
        out.writeInt(crc);
      }
      out.write(sha256);
      out.writeInt(inline == null ? -1 : inline.length);
      if (inline != null) {
        out.write(inline);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return bytes.toByteArray();
  }

  /** Decodes a manifest; anything unreadable is reported as corruption of the blob. */
  static Manifest decode(String key, byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      int magic = in.readInt();
      byte format = in.readByte();
      if (magic != MAGIC || (format != FORMAT && format != CHUNKED_ONLY)) {
        throw new BlobCorruptedException(
            key, "its manifest has an unknown header " + Integer.toHexString(magic) + "/" + format);
      }
      String version = in.readUTF();
      long size = in.readLong();
      int chunkSize = in.readInt();
      int count = in.readInt();
      if (count < 0 || count > encoded.length / 4) {
        throw new BlobCorruptedException(key, "its manifest claims " + count + " chunks");
      }
      int[] crcs = new int[count];
      for (int i = 0; i < crcs.length; i++) {
        crcs[i] = in.readInt();
      }
      byte[] sha256 = in.readNBytes(32);
      byte[] inline = null;
      if (format == FORMAT) {
        int inlineLength = in.readInt();
        if (inlineLength > encoded.length) {
          throw new BlobCorruptedException(key, "its manifest claims " + inlineLength
              + " inline bytes");
        }
        inline = inlineLength < 0 ? null : in.readNBytes(inlineLength);
      }
      return new Manifest(version, size, chunkSize, crcs, sha256, inline);
    } catch (IOException | IllegalArgumentException | NegativeArraySizeException e) {
      throw new BlobCorruptedException(key, "its manifest cannot be decoded (" + e + ")");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Manifest m
        && version.equals(m.version)
        && size == m.size
        && chunkSize == m.chunkSize
        && Arrays.equals(chunkCrcs, m.chunkCrcs)
        && Arrays.equals(sha256, m.sha256)
        && Arrays.equals(inline, m.inline);
  }

  @Override
  public int hashCode() {
    return version.hashCode() * 31 + Long.hashCode(size);
  }

  @Override
  public String toString() {
    return "Manifest[version=" + version + ", size=" + size + ", chunks=" + chunkCrcs.length
        + (inline == null ? "" : ", inline") + "]";
  }
}
