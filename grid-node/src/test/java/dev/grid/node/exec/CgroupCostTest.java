package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cgroup costs a job: spawns of {@code true} in a row through ProcessRunners (setsid on, no
 * job user) without cgroups, with a group (no limits), and with a group and a memory limit; blocks
 * of {@value #BLOCK} spawns interleaved, {@value #BLOCKS} blocks each (500 spawns) after a warm-up,
 * so that a busy moment of the machine hits every mode alike. Prints the median and the best block
 * of each; asserts only that the runs succeeded. Run only when asked, as root where cgroups are
 * usable:
 *
 * <pre>{@code
 * mvn -o test -pl grid-node -Dtest=CgroupCostTest -Dgrid.cost=true -Dspotless.check.skip=true
 * }</pre>
 */
@EnabledIfSystemProperty(named = "grid.cost", matches = "true")
class CgroupCostTest {
  private static final int BLOCK = 50;
  private static final int BLOCKS = 10;

  @TempDir Path temp;

  @Test
  void cost_per_spawn_of_true_with_and_without_cgroups() throws Exception {
    try (JobCgroups probe = JobCgroups.detect("cost-probe")) {
      assumeTrue(probe.enabled(), probe.describe());
    }
    Map<String, Mode> modes = new LinkedHashMap<>();
    modes.put("no cgroups", new Mode(JobCgroups.none(), Resources.NONE));
    modes.put("group, no limits", new Mode(JobCgroups.detect("cost-a"), Resources.NONE));
    modes.put("group, 1G limit", new Mode(JobCgroups.detect("cost-b"), new Resources(0, 1L << 30)));
    try {
      for (Mode mode : modes.values()) {
        mode.block(); // warm-up
      }
      for (int b = 0; b < BLOCKS; b++) {
        for (Mode mode : modes.values()) {
          mode.millis.add(mode.block());
        }
      }
      modes.forEach(
          (name, mode) -> {
            double[] m = mode.millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(
                "per spawn of true, %s: median %.2f ms, best block %.2f ms (blocks: %s)%n",
                name, m[m.length / 2], m[0], Arrays.toString(m));
          });
    } finally {
      modes.values().forEach(m -> m.runner.close());
    }
  }

  private final class Mode {
    final ProcessRunner runner;
    final JobSpec spec;
    final List<Double> millis = new ArrayList<>();

    Mode(JobCgroups cgroups, Resources resources) {
      this.runner =
          new ProcessRunner(Clock.systemUTC(), System.getenv(), Setsid.find(), null, cgroups);
      this.spec = JobSpec.of(List.of("/bin/true")).withResources(resources);
    }

    /** Mean milliseconds per spawn over one block. */
    double block() throws Exception {
      long start = System.nanoTime();
      for (int i = 0; i < BLOCK; i++) {
        RunResult r =
            runner
                .start(new RunRequest(spec, Map.of(), temp, 1024))
                .result()
                .get(10, TimeUnit.SECONDS);
        assertThat(r.exitCode()).isZero();
      }
      return (System.nanoTime() - start) / 1e6 / BLOCK;
    }
  }
}
