package dev.grid.scheduler.lease;

/**
 * A change of the voters that a voter accepted, with the ballot of the propose that carried it: the
 * Paxos "accepted value" for the next version. It is reported with every promise, so that any later
 * round finishes it rather than choosing another.
 *
 * @param ballot the ballot of the propose that carried it
 * @param next the configuration it leads to
 */
public record PendingChange(long ballot, Configuration next) {}
