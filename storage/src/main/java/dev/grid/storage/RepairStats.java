package dev.grid.storage;

/**
 * What this node's repair passes found and did, for metrics. Passes run on the coordinator (the
 * oldest member), so on the other nodes every number stays where it was when they last coordinated:
 * summed over the grid's nodes, the counters are the grid's; the last pass's numbers are those of
 * the node that passed last.
 *
 * @param passes repair passes this node ran as the coordinator (a minority's skipped ones not)
 * @param underReplicated blobs the last pass found with fewer copies than they should have
 * @param lost blobs the last pass found with no good copy on a live node (lost for now)
 * @param copied copies made by this node's passes (each a blob copied to one more node)
 * @param recorded metadata records written by them (a blob's list of holders, rebuilt)
 * @param dropped surplus or deleted copies dropped by them
 * @param recopied damaged copies replaced from a good one by them
 */
public record RepairStats(
    long passes,
    long underReplicated,
    long lost,
    long copied,
    long recorded,
    long dropped,
    long recopied) {}
