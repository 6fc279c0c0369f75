package dev.grid.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bin/chaos [--duration 5m] [--seed N] [--fault-every 10-20s]}: starts a three-node grid of
 * real processes, runs a workload (one-off shell jobs at a steady rate, a schedule firing every
 * second, a few long jobs) while killing, pausing and restarting nodes at random, then heals every
 * fault, checks the history and prints one summary line. Exits 0 if the grid kept every guarantee,
 * 1 on any violation (listed above the summary and in {@code report.txt}), 2 on bad arguments. The
 * run's directory (node logs, ledger, report) is kept unless it passed.
 *
 * <p>{@code --seeds N} is a sweep: N runs one after the other, seeds {@code --seed}, {@code --seed
 * + 1}, ..., each on a new grid under {@code DIR/seed-S}; each prints its summary line as it ends,
 * and a last line counts the passes. Exits 0 only if every seed passed.
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
    Path dir =
        options.baseDir() != null
            ? Files.createDirectories(options.baseDir())
            : Files.createTempDirectory("grid-chaos-");
    if (options.seeds() == 1) {
      System.exit(runOne(options, dir).passed() ? 0 : 1);
      return;
    }
    List<String> lines = new ArrayList<>();
    int passed = 0;
    for (int i = 0; i < options.seeds(); i++) {
      long seed = options.seed() + i;
      Path runDir = Files.createDirectories(dir.resolve("seed-" + seed));
      ChaosReport report = runOne(options.withSeed(seed, runDir), runDir);
      passed += report.passed() ? 1 : 0;
      lines.add(report.summaryLine());
    }
    System.out.println(
        "chaos: sweep of "
            + options.seeds()
            + " seeds from "
            + options.seed()
            + ", "
            + options.duration().toSeconds()
            + " s each, faults "
            + options.faults().stream().sorted().map(k -> k.label).toList()
            + ":");
    lines.forEach(System.out::println);
    System.out.println(
        "chaos: sweep "
            + passed
            + " of "
            + options.seeds()
            + " seeds passed"
            + (passed == options.seeds() ? "" : "; failing runs kept under " + dir));
    if (passed == options.seeds() && !options.keep()) {
      deleteTree(dir);
    }
    System.exit(passed == options.seeds() ? 0 : 1);
  }

  private static ChaosReport runOne(ChaosOptions options, Path dir)
      throws InterruptedException, IOException {
    ChaosReport report =
        new ChaosRun(options, line -> System.out.println("chaos: " + line)).run(dir);
    report.violations().forEach(v -> System.out.println("chaos: VIOLATION " + v));
    System.out.println(report.summaryLine());
    if (report.passed() && !options.keep()) {
      deleteTree(dir);
    } else {
      System.out.println("chaos: node logs, ledger and report kept in " + dir);
    }
    return report;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
