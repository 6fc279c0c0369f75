package dev.grid.bench.peers;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * One node of a peer, in a process of its own ({@link PeerCluster} starts three): the peer's
 * scheduler with THREADS workers on the database at JDBC_URL, counting the jobs it runs into
 * REPORT_FILE ({@link RanCounter}). It stops the peer, letting running jobs end, and exits when its
 * standard input closes, which happens when the bench stops it or dies.
 *
 * <p>Arguments: {@code PEER NODE_NAME THREADS JDBC_URL REPORT_FILE}
 */
public final class PeerNode {
  private PeerNode() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 5) {
      System.err.println("usage: PeerNode PEER NODE_NAME THREADS JDBC_URL REPORT_FILE");
      System.exit(2);
    }
    Peer peer = Peers.byName(args[0]);
    int threads = Integer.parseInt(args[2]);
    try (HikariDataSource db = Postgres.pool(args[3], threads + 3, args[1]);
        Peer.Node node = peer.startNode(db, args[3], args[1], threads)) {
      RanCounter.reportTo(Path.of(args[4]));
      System.out.println(peer.name() + " node " + args[1] + " up with " + threads + " threads");
      System.in.transferTo(OutputStream.nullOutputStream()); // until the bench lets go
    }
    System.exit(0);
  }
}
