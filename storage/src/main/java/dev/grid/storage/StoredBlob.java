package dev.grid.storage;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * A blob as one disk holds it, as read from its file's trailer (nothing recomputed): what a node
 * reports of its disk when it joins, and what a put or a repair copy wrote.
 *
 * @param key the blob's key
 * @param size content bytes
 * @param sha256 SHA-256 of the content, 64 lowercase hex digits
 */
public record StoredBlob(String key, long size, String sha256) implements Serializable {
  static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** Checks the values, naming a bad one. */
  public StoredBlob {
    BlobStore.checkKey(key);
    if (size < 0) {
      throw new IllegalArgumentException("blob '" + key + "' cannot have size " + size);
    }
    if (sha256 == null || !HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "SHA-256 '" + sha256 + "' of blob '" + key + "' is not 64 lowercase hex digits");
    }
  }
}
