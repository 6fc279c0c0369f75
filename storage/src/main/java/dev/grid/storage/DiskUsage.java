package dev.grid.storage;

/**
 * What one node's disk holds of the blob store.
 *
 * @param copies blob files (this node's copies of blobs)
 * @param bytes their size on disk, chunk checksums and trailers included
 */
public record DiskUsage(long copies, long bytes) {}
