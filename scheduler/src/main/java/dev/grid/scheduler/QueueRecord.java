package dev.grid.scheduler;

/**
 * A named queue's limit as the grid stores it.
 *
 * @param name the queue
 * @param maxSlots the most slots its jobs and tasks hold at once
 * @param setAtMillis when an admin set it
 */
public record QueueRecord(String name, int maxSlots, long setAtMillis) {}
