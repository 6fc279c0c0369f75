package dev.grid.bench.peers;

import java.sql.SQLException;
import javax.sql.DataSource;

// The peers' own checked exceptions (SchedulerException, SQLException) are wrapped in
// IllegalStateException by each implementation, with what it was doing.

/**
 * One of the job schedulers the grid is measured against, all three on PostgreSQL: how to make its
 * tables, how a node runs (in a {@link PeerNode} process of its own) and how a client submits.
 */
public interface Peer {
  /** The name in the table and in {@code --only}, e.g. "db-scheduler". */
  String name();

  /** Creates the peer's tables in a fresh, empty database, before any node starts. */
  void createSchema(DataSource db) throws SQLException;

  /**
   * Starts a node in this process: {@code threads} workers that run the jobs the clients submit,
   * each job counted with {@link RanCounter}. Closing it stops the node.
   */
  Node startNode(DataSource db, String jdbcUrl, String nodeName, int threads);

  /** A client that submits jobs, as an application would, without running any. */
  Submitter client(DataSource db, String jdbcUrl);

  /** A running node; {@link #close} stops it, letting the jobs it runs end. */
  interface Node extends AutoCloseable {
    @Override
    void close();
  }

  /** Submits jobs one at a time; each call returns once the peer has accepted the job. */
  interface Submitter extends AutoCloseable {
    /** Submits one job; {@code sequence} is unique in the run, for the job's name or key. */
    void submit(Workload workload, long sequence);

    @Override
    void close();
  }
}
