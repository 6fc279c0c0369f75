package dev.grid.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.grid.bench.peers.Peer;
import dev.grid.bench.peers.PeerCluster;
import dev.grid.bench.peers.Postgres;
import dev.grid.bench.peers.Workload;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * A peer's side of {@code bin/bench peers}: a fresh database on the run's PostgreSQL, the peer's
 * tables, its nodes ({@link PeerCluster}) and a client in this JVM. The end of a run is seen in the
 * nodes' reports of how many jobs they ran, read every {@value #POLL_MILLIS} ms once the last
 * submit returned.
 */
final class PeerContender implements Contender {
  static final long POLL_MILLIS = 100;

  private final Peer peer;
  private final HikariDataSource db;
  private final PeerCluster cluster;
  private final Peer.Submitter client;
  private long counted;

  private PeerContender(
      Peer peer, HikariDataSource db, PeerCluster cluster, Peer.Submitter client) {
    this.peer = peer;
    this.db = db;
    this.cluster = cluster;
    this.client = client;
  }

  static PeerContender start(Peer peer, Postgres postgres, int nodes, int threads, Path dir) {
    String url = postgres.createDatabase(peer.name().toLowerCase(Locale.ROOT).replace('-', '_'));
    HikariDataSource db = Postgres.pool(url, 2, peer.name() + "-client");
    PeerCluster cluster = null;
    try {
      peer.createSchema(db);
      cluster = PeerCluster.start(peer, url, nodes, threads, dir);
      return new PeerContender(peer, db, cluster, peer.client(db, url));
    } catch (SQLException | RuntimeException e) {
      if (cluster != null) {
        cluster.close();
      }
      db.close();
      throw new IllegalStateException(peer.name() + " did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return peer.name();
  }

  @Override
  public void submit(Workload workload, long sequence) {
    client.submit(workload, sequence);
  }

  @Override
  public long awaitRan(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long goal = counted + count;
    PeerCluster.Ran ran = cluster.ran();
    while (ran.count() < goal) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            peer.name()
                + " ran "
                + (ran.count() - counted)
                + " of "
                + count
                + " jobs in "
                + timeout);
      }
      PeerCluster.sleep(POLL_MILLIS);
      ran = cluster.ran();
    }
    if (ran.count() > goal) {
      System.out.printf(
          "warning: %s ran %d jobs for %d submitted%n", peer.name(), ran.count() - counted, count);
    }
    counted = ran.count();
    return ran.lastEndMillis();
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      try {
        cluster.close();
      } finally {
        db.close();
      }
    }
  }
}
