package dev.grid.api;

/**
 * What one repair pass of the blob store set out to do ({@code bin/storage repair}, {@link
 * GridStorage#repair}). An action that failed (a node went away midway) is planned again by the
 * next pass.
 *
 * <pre>{@code
 * StorageRepair done = grid.storage().repair();
 * if (done.lost() > 0) {
 *   System.out.println(done.lost() + " blobs have no good copy on a live node");
 * }
 * }</pre>
 *
 * @param copies copies made onto nodes that lacked one
 * @param records metadata entries written (blobs found on disks, replica lists corrected)
 * @param drops stale or surplus copies deleted
 * @param lost blobs no live node holds a good copy of; they come back only with a node that does
 * @param recopied damaged copies (found by a scrub, {@code check --verify} or a read) replaced on
 *     their node from a good replica
 */
public record StorageRepair(int copies, int records, int drops, int lost, int recopied) {}
