package dev.grid.api;

import dev.grid.api.internal.Json;
import dev.grid.api.internal.NodeTransport;
import dev.grid.api.internal.NodeTransport.Response;
import dev.grid.api.internal.NodeTransport.Retry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The administration of the grid's blob store (jobs' output and results, jars, state), as a {@link
 * GridClient} sees it: {@code grid.storage()}.
 *
 * <pre>{@code
 * StorageHealth health = grid.storage().check(false);
 * if (!health.healthy()) {
 *   System.out.println(grid.storage().repair().copies() + " copies made");
 * }
 * }</pre>
 *
 * <p>Thread-safe; it shares its client's connections and failover, and lives as long as it.
 */
public final class GridStorage {
  private final NodeTransport transport;

  GridStorage(NodeTransport transport) {
    this.transport = transport;
  }

  /**
   * The blobs of the grid's store under a prefix, by key, with their replicas: at most {@link
   * BlobListing#DEFAULT_LIMIT}; {@link BlobListing#truncated()} says if there are more.
   *
   * <pre>{@code
   * grid.storage().blobs("out/j0001/").blobs()
   *     .forEach(b -> System.out.println(b.key() + " " + b.replicas()));
   * }</pre>
   *
   * @param prefix keys start with it; {@code ""} for every blob
   * @throws IllegalArgumentException if the grid refused the prefix (the message names it)
   */
  public BlobListing blobs(String prefix) {
    return blobs(prefix, BlobListing.DEFAULT_LIMIT);
  }

  /**
   * As {@link #blobs(String)}, with at most {@code limit} blobs (up to {@link
   * BlobListing#MAX_LIMIT}).
   *
   * @throws IllegalArgumentException if the grid refused the prefix or the limit
   */
  public BlobListing blobs(String prefix, int limit) {
    Objects.requireNonNull(prefix, "prefix");
    String path =
        "/api/storage/blobs?prefix="
            + URLEncoder.encode(prefix, StandardCharsets.UTF_8)
            + "&limit="
            + limit;
    Response answer = transport.send("GET", path, null, Retry.ON_ANY_FAILURE);
    return Json.read(answer.bodyOrThrow(null), BlobListing.class);
  }

  /**
   * Checks every blob against every live node's disk: blobs with fewer than R good copies, lost
   * ones, stale and unrecorded copies. With {@code verify}, every node also re-reads each of its
   * copies and recomputes the checksums, which reports corrupt copies but takes as long as reading
   * the whole store: give the client a {@link GridClientBuilder#requestTimeout} to match.
   *
   * <pre>{@code
   * StorageHealth health = grid.storage().check(false);
   * System.out.println(health.blobs() + " blobs, " + (health.healthy() ? "healthy" : "problems"));
   * }</pre>
   */
  public StorageHealth check(boolean verify) {
    Response answer =
        transport.send("GET", "/api/storage/check?verify=" + verify, null, Retry.ON_ANY_FAILURE);
    return Json.read(answer.bodyOrThrow(null), StorageHealth.class);
  }

  /**
   * Runs a repair pass of the blob store now: copies blobs that lack copies, records copies the
   * metadata does not know, drops stale and surplus copies. The grid runs such passes on its own
   * when nodes come or go and every minute; this one does not wait for them.
   *
   * <pre>{@code
   * StorageRepair done = grid.storage().repair();
   * System.out.println(done.copies() + " copies made");
   * }</pre>
   */
  public StorageRepair repair() {
    Response answer =
        transport.send("POST", "/api/storage/repair", null, Retry.ON_CONNECT_FAILURE_ONLY);
    return Json.read(answer.bodyOrThrow(null), StorageRepair.class);
  }
}
