package dev.grid.api;

import java.util.List;

/**
 * The blobs under a prefix, by key, at most {@code limit} of them ({@code GET /api/storage/blobs}).
 *
 * <pre>{@code
 * BlobListing page = grid.blobs("out/", 100);
 * if (page.truncated()) {
 *   System.out.println("more than 100 blobs; narrow the prefix");
 * }
 * }</pre>
 *
 * @param prefix the prefix asked for ({@code ""} for every blob)
 * @param limit the most blobs the answer holds
 * @param truncated whether more blobs have the prefix than the answer holds
 * @param blobs the first {@code limit} blobs with the prefix, by key
 */
public record BlobListing(String prefix, int limit, boolean truncated, List<BlobInfo> blobs) {

  /** The number of blobs an answer holds when no limit is given. */
  public static final int DEFAULT_LIMIT = 1000;

  /** The largest limit a node accepts. */
  public static final int MAX_LIMIT = 10_000;

  /** Copies the list; a missing one is empty. */
  public BlobListing {
    blobs = blobs == null ? List.of() : List.copyOf(blobs);
  }
}
