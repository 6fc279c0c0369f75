package dev.grid.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.chaos.History.Fault;
import dev.grid.launch.NodeNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code bin/chaos} that CI runs: a minute of faults on three real node
 * processes under a workload of one-off jobs (1 a second), a schedule firing every second and a
 * long job, then the whole history checked. The seed is new each run and printed in the summary
 * line; {@code bin/chaos --seed N --duration 60s --fault-every 10-15s --jobs-per-second 1
 * --long-jobs 1 --faults kill-primary,kill-worker,pause-primary,pause-worker,partition} replays the
 * same choices.
 *
 * <p>Every kind of fault: SIGKILL of the primary and of workers (each restarted with its data dir),
 * SIGSTOP of the primary and of workers past the failure detection, and a network partition cutting
 * a minority off (network namespaces, so it needs root and iproute2, as CI has;
 * docs/RELIABILITY.md). Without them (not root, no {@code ip}) it runs the other four faults, says
 * so in a line, and ends skipped rather than passed once its checks hold: the run was not the whole
 * test, and CI, which refuses skipped tests, must never lose the partitions.
 *
 * <p>Tagged {@code slow}: {@code mvn verify} runs it (about 80 s). It passed 5 of 5 runs after the
 * last fix it found (a job stuck RUNNING after its worker woke from a freeze just before the
 * primary would take it back); before that fix, 1 of 3.
 */
@Tag("slow")
class ChaosProcessIT {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void when_nodes_are_killed_frozen_and_cut_off_then_no_guarantee_breaks() throws Exception {
    EnumSet<Fault.Kind> faults = EnumSet.allOf(Fault.Kind.class);
    Optional<String> noPartitions = NodeNetwork.whyUnavailable();
    if (noPartitions.isPresent()) {
      faults.remove(Fault.Kind.PARTITION);
      System.out.println(
          "SKIPPED ChaosProcessIT's partitions (its other faults run): " + noPartitions.get());
    }
    ChaosOptions options =
        new ChaosOptions(
            Duration.ofSeconds(60),
            System.nanoTime(),
            Duration.ofSeconds(10),
            Duration.ofSeconds(15),
            1.0,
            1,
            4,
            dir,
            true,
            faults,
            1);

    ChaosReport report =
        new ChaosRun(options, line -> System.out.println("chaos: " + line)).run(dir);

    report.violations().forEach(v -> System.out.println("chaos: VIOLATION " + v));
    System.out.println(report.summaryLine());
    assertThat(report.violations()).as(report.summaryLine()).isEmpty();
    assertThat(report.faults()).as(report.summaryLine()).isGreaterThanOrEqualTo(3);
    assertThat(report.finished()).as(report.summaryLine()).isGreaterThan(30);
    assertThat(report.cronOnce()).as(report.summaryLine()).isGreaterThan(45);
    if (noPartitions.isPresent()) {
      Assumptions.abort("ran without its partitions: " + noPartitions.get());
    }
  }
}
