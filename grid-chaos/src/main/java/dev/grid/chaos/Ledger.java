package dev.grid.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger the chaos workload's jobs keep on the machine's own disk, beside the grid and not
 * through it: each run of a job appends a line when it starts, every half second while it runs
 * (long jobs only) and when it ends, so runs can be counted and timed whatever the grid's own
 * records say.
 *
 * <p>A line is {@code <kind> <seq> <jobId> <attempt> <node> <run> <event> <epoch-ms>}: {@code kind}
 * is {@code job}, {@code long} or {@code cron}; {@code seq} the harness's number for the job
 * ({@code -} for cron fires); {@code run} a token unique to one process run (shell pid and
 * nanoseconds); {@code event} is {@code start}, {@code beat} or {@code end}. Lines are shorter than
 * {@code PIPE_BUF} and appended with {@code >>} (O_APPEND), so concurrent runs never mix their
 * lines.
 */
final class Ledger {
  private Ledger() {}

  /** One process run of a job, as the ledger saw it. */
  record Run(
      String kind,
      String seq,
      String jobId,
      int attempt,
      String node,
      String run,
      long startMillis,
      long lastSeenMillis,
      Long endMillis) {

    /** Whether the run wrote its end line: its work was done. */
    boolean completed() {
      return endMillis != null;
    }
  }

  /** The shell line a job runs: ledger lines around its marker output and its sleep. */
  static String script(Path ledger, String kind, String seq, String marker, double seconds) {
    StringBuilder s = new StringBuilder();
    s.append("L='").append(ledger).append("'; R=$$.$(date +%s%N); ");
    s.append("w() { echo \"")
        .append(kind)
        .append(' ')
        .append(seq)
        .append(" $GRID_JOB_ID $GRID_ATTEMPT $GRID_NODE $R $1 $(date +%s%3N)\" >> \"$L\"; }; ");
    s.append("w start; ");
    if (marker != null) {
      s.append("echo '").append(marker).append("'; ");
    }
    if (seconds <= 1) {
      s.append("sleep ").append(seconds).append("; ");
    } else {
      long beats = Math.round(seconds * 2);
      s.append("i=0; while [ $i -lt ")
          .append(beats)
          .append(" ]; do sleep 0.5; w beat; i=$((i+1)); done; ");
    }
    s.append("w end");
    return s.toString();
  }

  /** Reads the ledger into runs, in the order they started. Malformed lines are counted. */
  static Parsed read(Path file) {
    try {
      if (!Files.exists(file)) {
        return new Parsed(List.of(), 0);
      }
      return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the chaos ledger " + file, e);
    }
  }

  /** The ledger's runs and the number of lines that could not be read. */
  record Parsed(List<Run> runs, int badLines) {}

  static Parsed parse(List<String> lines) {
    Map<String, Run> byRun = new LinkedHashMap<>();
    int bad = 0;
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      if (f.length != 8) {
        bad++;
        continue;
      }
      long at;
      int attempt;
      try {
        at = Long.parseLong(f[7]);
        attempt = Integer.parseInt(f[3]);
      } catch (NumberFormatException e) {
        bad++;
        continue;
      }
      // A run is one process: the same job, attempt and run token.
      String key = f[2] + " " + f[3] + " " + f[5];
      Run old = byRun.get(key);
      Run now =
          switch (f[6]) {
            case "start" ->
                old == null ? new Run(f[0], f[1], f[2], attempt, f[4], f[5], at, at, null) : null;
            case "beat" -> old == null ? null : withSeen(old, at, old.endMillis());
            case "end" -> old == null || old.completed() ? null : withSeen(old, at, at);
            default -> null;
          };
      if (now == null) {
        bad++; // a second start or end of one run, or a line before its start
        continue;
      }
      byRun.put(key, now);
    }
    return new Parsed(List.copyOf(byRun.values()), bad);
  }

  private static Run withSeen(Run r, long at, Long end) {
    return new Run(
        r.kind(),
        r.seq(),
        r.jobId(),
        r.attempt(),
        r.node(),
        r.run(),
        r.startMillis(),
        Math.max(r.lastSeenMillis(), at),
        end);
  }
}
