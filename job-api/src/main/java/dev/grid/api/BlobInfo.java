package dev.grid.api;

import java.util.List;

/**
 * One blob of the grid's store as {@code bin/storage ls --json} and {@link GridStorage#blobs} show
 * it.
 *
 * <pre>{@code
 * for (BlobInfo blob : grid.blobs("out/").blobs()) {
 *   System.out.println(blob.key() + " on " + blob.replicas());
 * }
 * }</pre>
 *
 * @param key the blob's key, like {@code out/j0001/1/stdout}
 * @param size content bytes
 * @param sha256 SHA-256 of the content, 64 lowercase hex digits
 * @param replicas the nodes holding a copy, by name, the preferred one first
 * @param version grows by one with every change of the blob's entry (1 when first written)
 */
public record BlobInfo(String key, long size, String sha256, List<String> replicas, long version) {

  /** Copies the replica list; a missing one is empty. */
  public BlobInfo {
    replicas = replicas == null ? List.of() : List.copyOf(replicas);
  }
}
