package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cgroup costs a job: spawns of {@code true} in a row through ProcessRunners (setsid on, no
 * job user) without cgroups, with a group (no limits), and with a group and a memory limit, and of
 * the shell job {@code true} (its own sh enters the group) without and with a group; blocks of
 * {@value #BLOCK} spawns interleaved, {@value #BLOCKS} blocks each (500 spawns) after a warm-up, so
 * that a busy moment of the machine hits every mode alike. Prints, per spawn, the median and the
 * best block of the wall time, and the mean of the CPU time this JVM (the node) spent and of the
 * CPU time the whole machine spent (from {@code /proc/stat}: the jobs themselves, and the kernel's
 * work on cgroups in its own threads, which no process is charged for); asserts only that the runs
 * succeeded. Run only when asked, as root where cgroups are usable:
 *
 * <pre>{@code
 * mvn -o test -pl grid-node -Dtest=CgroupCostTest -Dgrid.cost=true -Dspotless.check.skip=true
 * }</pre>
 */
@EnabledIfSystemProperty(named = "grid.cost", matches = "true")
class CgroupCostTest {
  private static final int BLOCK = 50;
  private static final int BLOCKS = 10;

  /** The unit of /proc/stat. */
  private static final long USER_HZ = 100;

  @TempDir Path temp;

  @Test
  void cost_per_spawn_of_true_with_and_without_cgroups() throws Exception {
    try (JobCgroups probe = JobCgroups.detect("cost-probe")) {
      assumeTrue(probe.enabled(), probe.describe());
    }
    Map<String, Mode> modes = new LinkedHashMap<>();
    JobSpec argv = JobSpec.of(List.of("/bin/true"));
    JobSpec shell = JobSpec.shell("true");
    modes.put("no cgroups", new Mode(JobCgroups.none(), argv));
    modes.put("group, no limits", new Mode(JobCgroups.detect("cost-a"), argv));
    modes.put(
        "group, 1G limit",
        new Mode(JobCgroups.detect("cost-b"), argv.withResources(new Resources(0, 1L << 30))));
    modes.put("shell, no cgroups", new Mode(JobCgroups.none(), shell));
    modes.put("shell, group", new Mode(JobCgroups.detect("cost-c"), shell));
    try {
      for (Mode mode : modes.values()) {
        mode.block(); // warm-up
      }
      for (int b = 0; b < BLOCKS; b++) {
        for (Mode mode : modes.values()) {
          mode.blocks.add(mode.block());
        }
      }
      modes.forEach(
          (name, mode) -> {
            double[] m = sorted(mode.blocks, Block::wallMillis);
            System.out.printf(
                "per spawn of true, %s: median %.2f ms, best block %.2f ms (blocks: %s);"
                    + " CPU over all blocks: node %.2f ms, machine %.2f ms%n",
                name,
                m[m.length / 2],
                m[0],
                Arrays.toString(m),
                mean(mode.blocks, Block::nodeCpuMillis),
                mean(mode.blocks, Block::machineCpuMillis));
          });
    } finally {
      modes.values().forEach(m -> m.runner.close());
    }
  }

  /** One block's means per spawn: wall time, this JVM's CPU time, the whole machine's. */
  private record Block(double wallMillis, double nodeCpuMillis, double machineCpuMillis) {}

  private static double[] sorted(List<Block> blocks, ToDoubleFunction<Block> value) {
    return blocks.stream().mapToDouble(value).sorted().toArray();
  }

  /** The mean over all blocks: CPU times are counted in 10 ms ticks, too coarse for one block. */
  private static double mean(List<Block> blocks, ToDoubleFunction<Block> value) {
    return blocks.stream().mapToDouble(value).average().orElseThrow();
  }

  private static long nodeCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
  }

  /** CPU time all CPUs spent busy (not idle, not waiting for I/O, not stolen), from /proc/stat. */
  private static double machineCpuMillis() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    // cpu user nice system idle iowait irq softirq steal ...
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7}) {
      busy += Long.parseLong(f[i]);
    }
    return busy * 1000.0 / USER_HZ;
  }

  private final class Mode {
    final ProcessRunner runner;
    final JobSpec spec;
    final List<Block> blocks = new ArrayList<>();

    Mode(JobCgroups cgroups, JobSpec spec) {
      this.runner =
          new ProcessRunner(Clock.systemUTC(), System.getenv(), Setsid.find(), null, cgroups);
      this.spec = spec;
    }

    /** Means per spawn over one block. */
    Block block() throws Exception {
      long start = System.nanoTime();
      long cpu = nodeCpuNanos();
      double machine = machineCpuMillis();
      for (int i = 0; i < BLOCK; i++) {
        RunResult r =
            runner
                .start(new RunRequest(spec, Map.of(), temp, 1024))
                .result()
                .get(10, TimeUnit.SECONDS);
        assertThat(r.exitCode()).isZero();
      }
      return new Block(
          (System.nanoTime() - start) / 1e6 / BLOCK,
          (nodeCpuNanos() - cpu) / 1e6 / BLOCK,
          (machineCpuMillis() - machine) / BLOCK);
    }
  }
}
