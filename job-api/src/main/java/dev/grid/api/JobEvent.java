package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * @param exitCode the exit code of the attempt this event ends, when it ended with one (a failed
 *     attempt retried, or the last); else null
 */
public record JobEvent(
    JobState state,
    long atMillis,
    String node,
    int attempt,
    long epoch,
    String message,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode) {

  /** An event that ends no attempt with an exit code. */
  public JobEvent(
      JobState state, long atMillis, String node, int attempt, long epoch, String message) {
    this(state, atMillis, node, attempt, epoch, message, null);
  }
}
