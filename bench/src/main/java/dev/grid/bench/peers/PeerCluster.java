package dev.grid.bench.peers;

import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer's nodes: {@link PeerNode} processes on one database, started with the grid nodes' JVM
 * options ({@link NodeProcess#BASE_JVM_OPTIONS}, {@link LocalGrid#NODE_JVM_OPTIONS}) so that both
 * sides get the same JVMs on the same cores. It reads how many jobs they ran from their report
 * files.
 */
public final class PeerCluster implements AutoCloseable {
  private static final long READY_SECONDS = 120;

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> reports = new ArrayList<>();
  private final Path dir;

  private PeerCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts {@code nodes} nodes of the peer with {@code threads} workers each; waits until up. */
  public static PeerCluster start(Peer peer, String jdbcUrl, int nodes, int threads, Path dir) {
    PeerCluster cluster = new PeerCluster(dir);
    try {
      cluster.startNodes(peer, jdbcUrl, nodes, threads);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startNodes(Peer peer, String jdbcUrl, int nodes, int threads) {
    try {
      Files.createDirectories(dir);
      for (int i = 1; i <= nodes; i++) {
        String name = "p" + i;
        Path report = dir.resolve(name + ".ran");
        List<String> command =
            ChildProcesses.javaCommand(
                ChildProcesses.nodeJvmOptions(),
                System.getProperty("java.class.path"),
                PeerNode.class,
                List.of(peer.name(), name, Integer.toString(threads), jdbcUrl, report.toString()));
        Process process = ChildProcesses.startLogged(command, dir.resolve(name + ".log"));
        ChildProcesses.add(process);
        processes.add(process);
        reports.add(report);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the nodes of " + peer.name(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (!reports.stream().allMatch(Files::exists)) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "a node of " + peer.name() + " exited with " + p.exitValue() + ": see " + dir);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            peer.name() + "'s nodes were not up within " + READY_SECONDS + " s: see " + dir);
      }
      sleep(100);
    }
  }

  /** What the nodes reported: jobs run in all, and the latest end time of one, in ms. */
  public record Ran(long count, long lastEndMillis) {}

  /** The nodes' reports now; fails if a node died. */
  public Ran ran() {
    long count = 0;
    long last = 0;
    for (int i = 0; i < reports.size(); i++) {
      if (!processes.get(i).isAlive()) {
        throw new IllegalStateException(
            "node p" + (i + 1) + " exited with " + processes.get(i).exitValue() + ": see " + dir);
      }
      try {
        long[] r = RanCounter.parse(Files.readString(reports.get(i)));
        count += r[0];
        last = Math.max(last, r[1]);
      } catch (NoSuchFileException e) {
        throw new IllegalStateException("node p" + (i + 1) + "'s report is gone: " + e, e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + reports.get(i), e);
      }
    }
    return new Ran(count, last);
  }

  /** Sleeps; an interrupt ends the bench (restoring the flag). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    ChildProcesses.stop(processes);
  }
}
