/**
 * Machinery of the primary lease (PaxosLease, Trencseni, Gazso and Reinhardt 2009): the voter
 * ({@link dev.grid.scheduler.lease.Acceptor}) and candidate ({@link
 * dev.grid.scheduler.lease.Proposer}) state machines, their messages, and the node that joins the
 * two. Everything here is pure: no Hazelcast, no threads, no wall clock; time comes from a {@link
 * dev.grid.scheduler.lease.Ticker}. The public face is {@code dev.grid.scheduler.PrimaryLease},
 * which carries these messages over Hazelcast; the deterministic simulation test drives the same
 * classes over a simulated network. The safety argument lives in {@link
 * dev.grid.scheduler.lease.Acceptor}.
 *
 * <h2>Changing the voters</h2>
 *
 * The voters form a {@link dev.grid.scheduler.lease.Configuration}: a version and a set of voter
 * ids. Every node keeps the configuration it is <em>at</em> durably, with its promise ({@link
 * dev.grid.scheduler.lease.PromiseStore}); versions at a node only grow. Every lease message
 * carries its sender's configuration.
 *
 * <p><b>Voter ids.</b> A voter id names one node together with its data dir (its promise file) for
 * good; ids are never handed to another node, and a node that lost its data dir comes back under a
 * new id (it has forgotten which ballots it used, and what it accepted). Version 0 numbers the
 * sorted list the grid was started with, 0..n-1, as before, so an existing grid and its promise
 * files keep their meaning. A ballot is a round counter and the proposer's id ({@link
 * dev.grid.scheduler.lease.Ballot}): two nodes never share a ballot because their ids differ, and
 * one node never uses a ballot twice because it promises each ballot to itself, durably, before it
 * sends it (and keeps that promise across configurations and across being removed and added again).
 *
 * <p><b>The rules.</b>
 *
 * <ol>
 *   <li><b>Own version only.</b> A message from a newer configuration first brings the receiver up
 *       to it (rule 2 makes that safe); then a voter promises or accepts only messages of exactly
 *       its own version, and refuses older ones with an answer that carries its configuration, so a
 *       lagging candidate catches up, or, not being in it, stops being a candidate.
 *   <li><b>Only chosen configurations are ever reached.</b> A change from version v to v+1 (one
 *       voter added or removed, never more: a replacement is an add then a remove) is a value
 *       decided by Paxos among the voters of v, riding on the lease rounds: a voter that accepts a
 *       propose carrying the change stores it, durably, as its <em>pending change</em> with the
 *       ballot; it stays at v. A voter reports its pending change with its promise, and a round
 *       whose promises report one must carry the one with the highest ballot, whoever runs it. The
 *       change is <em>chosen</em> once a majority of v accepted it in one round; only the proposer
 *       that sees this (and nodes that learn v+1 from a node already at it) move to v+1. So every
 *       configuration a node is at was chosen, and there is one per version.
 *   <li><b>Done, then settled, then the next one.</b> Only the primary under a settled
 *       configuration v starts a change: a round of its own at a fresh ballot, promises from a
 *       majority of v, a propose carrying the change to the voters of v and of v+1. The change is
 *       <em>done</em> when accepts came from a majority of v and a majority of v+1; the primary
 *       then moves to v+1, <em>not yet settled</em>: its rounds go to the voters of both (the old
 *       ones catch up on them) and count accepts from a majority of each. The first such round
 *       makes v+1 <em>settled</em>: a majority of v have left v for good, so v can never gather a
 *       quorum again. Only then may v+2 start.
 *   <li><b>A primary that removed itself</b> gives the lease up (a release, as on close) once the
 *       change is done, and stops being a candidate; a node outside its configuration never
 *       proposes.
 * </ol>
 *
 * <p><b>Added voters are not quiet.</b> A restarted voter stays quiet for a lease time because it
 * may have forgotten a lease it accepted. An added voter forgot nothing: it reaches v+1 only
 * through the protocol, by accepting the change's propose (and with it the primary's lease) or by
 * learning v+1 from a node already at it, and it keeps the lease it accepted last under any
 * version. So it answers at once; it is quiet only after its own restarts, like every voter. (A
 * node started afresh must not be started with a list that names it, or it would count a vote it
 * never kept: the wiring starts a newcomer outside the configuration and lets it be added.)
 *
 * <p>Why this keeps the lease safe is argued in {@link dev.grid.scheduler.lease.Acceptor}; the
 * simulation test adds random changes (adds, removes, replacements, of live and dead voters, the
 * primary removing itself, changes cut short by crashes and lost messages) to its faults, and
 * breaks the one-voter rule on purpose to show the checker catches it.
 */
package dev.grid.scheduler.lease;
