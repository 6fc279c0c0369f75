package dev.grid.storage;

import java.time.Duration;

/**
 * A store whose index of what it holds is rebuilt after a start (a replicated store learns which
 * blobs exist from the inventories of the nodes that join). Until it is restored, a listing may
 * miss blobs that exist, so nothing that must see every blob may read it before.
 */
public interface Restorable {

  /**
   * Waits until the store knows every blob it held before the start, at most {@code timeout};
   * {@link Duration#ZERO} asks without waiting.
   *
   * @return true once restored, false if the time ran out first
   */
  boolean awaitRestored(Duration timeout);
}
