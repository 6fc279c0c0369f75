package dev.grid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.bench.peers.ChildProcesses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bin/bench peers} end to end, small: PostgreSQL from its Maven artifact, db-scheduler's
 * three node processes, 20 jobs of each workload (about 30 s on two cores). The grid's side is the
 * same code as the other benchmarks' and is left out to keep this short.
 */
@Tag("slow")
class PeersBenchIT {
  private static final Pattern POSTGRES_DIR = Pattern.compile("PostgreSQL \\S+ .* in (/\\S+)");
  private static final Pattern RATE =
      Pattern.compile("db-scheduler, (.+?): 20 submits .* ([0-9]+) jobs/s");

  @Test
  void when_db_scheduler_runs_20_jobs_of_each_workload_then_rates_are_printed_and_all_stopped(
      @TempDir Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    int exit =
        new CommandLine(new PeersBench(out))
            .execute(
                "--only", "db-scheduler", "--jobs", "20", "--warmup", "5", "--dir", dir.toString());

    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(printed).isZero();
    Matcher rates = RATE.matcher(printed);
    int rows = 0;
    while (rates.find()) {
      assertThat(Long.parseLong(rates.group(2))).as(rates.group()).isPositive();
      rows++;
    }
    assertThat(rows).as(printed).isEqualTo(2);
    assertThat(printed).contains("| no-op jobs | - | ").contains("| `true` shell jobs | - | ");
    assertThat(ChildProcesses.started()).isEqualTo(4); // PostgreSQL's process and 3 nodes
    assertThat(ChildProcesses.alive()).isZero();
    Matcher postgres = POSTGRES_DIR.matcher(printed);
    assertThat(postgres.find()).as(printed).isTrue();
    String pgDir = postgres.group(1);
    assertThat(
            ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(pgDir)))
        .as("a process of PostgreSQL left running")
        .isEmpty();
    assertThat(Path.of(pgDir)).doesNotExist();
  }
}
