/**
 * Machinery of the primary lease (PaxosLease, Trencseni, Gazso and Reinhardt 2009): the voter
 * ({@link dev.grid.scheduler.lease.Acceptor}) and candidate ({@link
 * dev.grid.scheduler.lease.Proposer}) state machines, their messages, and the node that joins the
 * two. Everything here is pure: no Hazelcast, no threads, no wall clock; time comes from a {@link
 * dev.grid.scheduler.lease.Ticker}. The public face is {@code dev.grid.scheduler.PrimaryLease},
 * which carries these messages over Hazelcast; the deterministic simulation test drives the same
 * classes over a simulated network. The safety argument lives in {@link
 * dev.grid.scheduler.lease.Acceptor}.
 */
package dev.grid.scheduler.lease;
