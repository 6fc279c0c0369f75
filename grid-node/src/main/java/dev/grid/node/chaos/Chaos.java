package dev.grid.node.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code bin/chaos [--duration 5m] [--seed N] [--fault-every 10-20s]}: starts a three-node grid
 * of real processes, runs a workload (one-off shell jobs at a steady rate, a schedule firing
 * every second, a few long jobs) while killing, pausing and restarting nodes at random, then
 * heals every fault, checks the history and prints one summary line. Exits 0 if the grid kept
 * every guarantee, 1 on any violation (listed above the summary and in {@code report.txt}), 2
 * on bad arguments. The run's directory (node logs, ledger, report) is kept unless it passed.
 */
public final class Chaos {
  private Chaos() {}

  public static void main(String[] args) throws Exception {
    ChaosOptions options;
    try {
      options = ChaosOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("chaos: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path dir = options.baseDir() != null
        ? Files.createDirectories(options.baseDir())
        : Files.createTempDirectory("grid-chaos-");
    ChaosReport report =
        new ChaosRun(options, line -> System.out.println("chaos: " + line)).run(dir);
    report.violations().forEach(v -> System.out.println("chaos: VIOLATION " + v));
    System.out.println(report.summaryLine());
    if (report.passed() && !options.keep()) {
      deleteTree(dir);
    } else {
      System.out.println("chaos: node logs, ledger and report kept in " + dir);
    }
    System.exit(report.passed() ? 0 : 1);
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
