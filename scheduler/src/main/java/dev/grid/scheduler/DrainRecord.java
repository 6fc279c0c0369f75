package dev.grid.scheduler;

/**
 * A node's drain mark as the grid stores it ({@code bin/drain NODE}).
 *
 * @param node the node's name: the mark outlives the member, so a restarted node is still drained
 * @param drainedAtMillis when an admin drained it; also tells this mark from an earlier one
 */
public record DrainRecord(String node, long drainedAtMillis) {}
