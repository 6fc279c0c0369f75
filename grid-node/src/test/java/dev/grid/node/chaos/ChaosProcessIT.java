package dev.grid.node.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.node.chaos.History.Fault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code bin/chaos} that CI runs: a minute of faults on three real node
 * processes under a workload of one-off jobs (1 a second), a schedule firing every second and a
 * long job, then the whole history checked. The seed is new each run and printed in the summary
 * line; {@code bin/chaos --seed N --duration 60s --fault-every 10-15s --jobs-per-second 1
 * --long-jobs 1 --faults kill-primary,kill-worker} replays the same choices.
 *
 * <p>Tagged {@code chaos}, not {@code slow}: {@code mvn verify} leaves it out until the grid
 * passes it on a loaded machine (docs/RELIABILITY.md); run it with {@code mvn -pl grid-node -am
 * verify -Dfailsafe.groups=chaos -Dit.test=ChaosProcessIT}.
 *
 * <p>Faults: SIGKILL of the primary and of workers, each restarted with its data dir. Not yet
 * SIGSTOP: a paused worker's job processes run on while the grid retries the job elsewhere, so
 * the same job runs twice at once (see docs/RELIABILITY.md); this test takes pauses in once the
 * grid keeps that guarantee under them.
 */
@Tag("chaos")
class ChaosProcessIT {
  @TempDir Path dir;

  @Test
  void when_primaries_and_workers_are_sigkilled_and_restarted_then_no_guarantee_breaks()
      throws Exception {
    ChaosOptions options = new ChaosOptions(Duration.ofSeconds(60), System.nanoTime(),
        Duration.ofSeconds(10), Duration.ofSeconds(15), 1.0, 1, 4, dir, true,
        EnumSet.of(Fault.Kind.KILL_PRIMARY, Fault.Kind.KILL_WORKER));

    ChaosReport report =
        new ChaosRun(options, line -> System.out.println("chaos: " + line)).run(dir);

    report.violations().forEach(v -> System.out.println("chaos: VIOLATION " + v));
    System.out.println(report.summaryLine());
    assertThat(report.violations()).as(report.summaryLine()).isEmpty();
    assertThat(report.faults()).as(report.summaryLine()).isGreaterThanOrEqualTo(3);
    assertThat(report.finished()).as(report.summaryLine()).isGreaterThan(30);
    assertThat(report.cronOnce()).as(report.summaryLine()).isGreaterThan(50);
  }
}
