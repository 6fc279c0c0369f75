package dev.grid.storage;

import java.io.Serializable;
import java.util.Objects;

/**
 * A blob that failed verification on one disk, with what was found wrong: chunks that fail their
 * CRC32C, a SHA-256 that does not match, a trailer that cannot be read, a read error, or no file.
 * The copy should be replaced from a good replica.
 *
 * @param key the blob's key
 * @param problem what is wrong, for an operator
 */
public record Corruption(String key, String problem) implements Serializable {
  /** Checks both are given. */
  public Corruption {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(problem, "problem");
  }
}
