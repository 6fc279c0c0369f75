package dev.grid.storage;

/**
 * Turns values into the bytes of a blob and back, for {@link BlobMapStore}. Implementations are
 * thread-safe; {@code decode(encode(v))} equals {@code v}.
 *
 * @param <V> the value type
 */
public interface BlobCodec<V> {

  /** The value as bytes. */
  byte[] encode(V value);

  /** The value the bytes encode; throws an unchecked exception if they encode none. */
  V decode(byte[] bytes);
}
