package dev.grid.api;

/**
 * One step in a job's history: the state it entered, when, where, in which attempt and under which
 * primary's epoch.
 *
 * @param state the state entered
 * @param atMillis when, in milliseconds since the epoch, by the clock of the node that wrote it
 * @param node the worker concerned, or null while queued
 * @param attempt the dispatch attempt, from 0 before the first dispatch
 * @param epoch the primary's fencing epoch at the time, 0 when written by no primary
 * @param message why, when there is something to say (a failure, a retry, a cancel)
 */
public record JobEvent(
    JobState state, long atMillis, String node, int attempt, long epoch, String message) {}
