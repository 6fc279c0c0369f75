package dev.grid.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Immutable byte streams under string keys, replicated by the implementation: job output, results,
 * durable records. Keys are paths of {@code A-Z a-z 0-9 . _ : - /}, such as {@code
 * out/j123/0/stdout}; {@link #list(String)} finds keys by prefix.
 *
 * <p>A put under an existing key replaces it. Implementations are thread-safe.
 */
public interface BlobStore extends AutoCloseable {

  /** Stores the stream's bytes under the key, reading it to its end; the caller closes it. */
  void put(String key, InputStream content);

  /** Opens the blob for reading, or empty if there is none; the caller closes the stream. */
  Optional<InputStream> open(String key);

  /** Deletes the blob; true if there was one. */
  boolean delete(String key);

  /** The keys that start with the prefix, sorted. */
  List<String> list(String prefix);

  /** Stores the bytes under the key. */
  default void put(String key, byte[] content) {
    put(key, new ByteArrayInputStream(content));
  }

  /** Whether the store holds the key now (it is opened and closed again, nothing is read). */
  default boolean exists(String key) {
    Optional<InputStream> in = open(key);
    if (in.isEmpty()) {
      return false;
    }
    try {
      in.get().close();
    } catch (IOException e) {
      // opened only to learn it exists: nothing was read, nothing lost
    }
    return true;
  }

  /** Reads the whole blob, or empty if there is none. Only for blobs known to be small. */
  default Optional<byte[]> get(String key) {
    Optional<InputStream> in = open(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream stream = in.get()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stream.transferTo(out);
      return Optional.of(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("reading blob '" + key + "' failed", e);
    }
  }

  /** Releases what the store holds open; idempotent. */
  @Override
  default void close() {}

  /** Refuses a key that is not a clean relative path, naming it. */
  static String checkKey(String key) {
    if (key == null
        || !Keys.VALID.matcher(key).matches()
        || key.contains("//")
        || key.startsWith("/")
        || key.endsWith("/")
        || key.contains("..")) {
      throw new IllegalArgumentException(
          "blob key '"
              + key
              + "' is not valid: use a relative path of A-Z a-z 0-9 . _ : - /,"
              + " without '..', '//' or a leading or trailing '/'");
    }
    return key;
  }

  /** Holder for the key pattern (interfaces cannot have private static fields). */
  final class Keys {
    static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:/-]{1,512}");

    private Keys() {}
  }
}
