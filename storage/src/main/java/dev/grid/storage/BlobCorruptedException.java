package dev.grid.storage;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A stored blob cannot be read back as it was written: a chunk's checksum or length does not match
 * its manifest, a chunk is missing from every copy, or the manifest itself is unreadable. The
 * message names the key and, where known, the chunk.
 */
public final class BlobCorruptedException extends UncheckedIOException {
  private final String key;

  /** A blob that failed verification, with what was found wrong. */
  public BlobCorruptedException(String key, String problem) {
    super("blob '" + key + "' is corrupted: " + problem, new IOException(problem));
    this.key = key;
  }

  /** The key of the blob that failed verification. */
  public String key() {
    return key;
  }
}
