package dev.grid.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a peer's node process tells the bench that its jobs ran: each job, once its body returned,
 * adds one here, and a reporter thread writes the count and the wall time of the latest job's end
 * to a small file every {@value #REPORT_MILLIS} ms, when they changed.
 *
 * <p>Why so: it costs a job one atomic increment and the peer nothing else (no extra query on its
 * database, no listener of its own), and the time reported is when the job ran, not when the bench
 * happened to look, so the bench's rate does not depend on its polling period; the grid's is taken
 * the same way, from the end time each job record carries. Static, because each peer instantiates
 * its job classes itself.
 */
public final class RanCounter {
  static final long REPORT_MILLIS = 100;

  private static final AtomicLong RAN = new AtomicLong();
  private static final AtomicLong LAST_END_MILLIS = new AtomicLong();

  private RanCounter() {}

  /** Called by a peer's job when it has run. */
  public static void ran() {
    LAST_END_MILLIS.accumulateAndGet(System.currentTimeMillis(), Math::max);
    RAN.incrementAndGet();
  }

  /** Runs a workload's body, then counts it. */
  public static void run(Workload workload) {
    workload.run();
    ran();
  }

  /** Starts the daemon thread that writes {@code COUNT LAST_END_MILLIS} to the file. */
  static void reportTo(Path file) {
    write(file, 0, 0); // the node is up: the bench waits for this file
    ScheduledExecutorService reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-ran-reporter");
              t.setDaemon(true);
              return t;
            });
    AtomicLong written = new AtomicLong();
    reporter.scheduleWithFixedDelay(
        () -> {
          long last = LAST_END_MILLIS.get();
          long count = RAN.get();
          if (count != written.get()) {
            write(file, count, last);
            written.set(count);
          }
        },
        REPORT_MILLIS,
        REPORT_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private static void write(Path file, long count, long lastEndMillis) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, count + " " + lastEndMillis + "\n");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ran count to " + file, e);
    }
  }

  /**
   * The count and last end time in a report file's text, {@code [count, lastEndMillis]}; a bad text
   * is named in the error.
   */
  static long[] parse(String text) {
    String[] parts = text.trim().split(" ");
    if (parts.length != 2) {
      throw new IllegalArgumentException("a ran report is 'COUNT MILLIS', not '" + text + "'");
    }
    return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
  }
}
