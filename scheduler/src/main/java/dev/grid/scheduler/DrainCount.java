package dev.grid.scheduler;

/**
 * What the primary counted on a drained node: the jobs and array tasks it holds (dispatched or
 * running), under which mark.
 *
 * @param drainedAtMillis the mark the primary had read ({@link DrainRecord#drainedAtMillis}): from
 *     that count on, it gives the node nothing new
 * @param held the jobs and tasks the node held at the count
 */
public record DrainCount(long drainedAtMillis, int held) {}
