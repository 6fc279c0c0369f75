package dev.grid.chaos;

import dev.grid.api.GridClient;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chaos run's one-off jobs: short ones at a steady rate and a few long ones (20-60 s) spread
 * over the run, each printing a marker line of its own and keeping the {@link Ledger}. Submits
 * happen on a small pool, so a submit held up by a paused node does not hold up the rate.
 */
final class Workload implements AutoCloseable {
  /** Retries a job gets: a node dying under it several times in a run must not end it LOST. */
  static final int MAX_RETRIES = 20;

  private final GridClient client;
  private final Path ledger;
  private final ChaosOptions options;
  private final Random random;
  private final String runTag;
  private final ScheduledExecutorService pool =
      Executors.newScheduledThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "chaos-submit");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger seq = new AtomicInteger();
  private final ConcurrentLinkedQueue<Submitted> accepted = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unsure = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  /** A job whose submit returned an id. */
  record Submitted(String seq, String marker, JobId id) {}

  Workload(GridClient client, Path ledger, ChaosOptions options, long seed) {
    this.client = client;
    this.ledger = ledger;
    this.options = options;
    this.random = new Random(seed);
    this.runTag = Long.toHexString(seed);
  }

  /** Starts submitting; long jobs go at even intervals over {@code options.duration()}. */
  Workload start() {
    long periodMicros = Math.round(1_000_000 / options.jobsPerSecond());
    pool.scheduleAtFixedRate(() -> submit("job", 0.5), 0, periodMicros, TimeUnit.MICROSECONDS);
    long spread = options.duration().toMillis() / Math.max(1, options.longJobs());
    for (int i = 0; i < options.longJobs(); i++) {
      double seconds = 20 + random.nextInt(41);
      pool.schedule(() -> submit("long", seconds), i * spread, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void submit(String kind, double seconds) {
    String n = Integer.toString(seq.incrementAndGet());
    String marker = "chaos " + runTag + " " + kind + " " + n;
    JobSpec spec =
        JobSpec.shell(Ledger.script(ledger, kind, n, marker, seconds)).withMaxRetries(MAX_RETRIES);
    try {
      accepted.add(new Submitted(n, marker, client.submit(spec)));
    } catch (GridUnavailableException e) {
      // Either no node answered, or one broke off after it may have accepted the job.
      unsure.incrementAndGet();
    } catch (RuntimeException e) {
      refused.incrementAndGet();
    }
  }

  /** Stops submitting; a submit under way finishes first (up to 10 s). */
  void stop() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  List<Submitted> accepted() {
    return List.copyOf(accepted);
  }

  /** Submits that failed in a way that leaves open whether the grid took the job. */
  int unsure() {
    return unsure.get();
  }

  /** Submits the grid refused outright. */
  int refused() {
    return refused.get();
  }

  @Override
  public void close() {
    stop();
  }
}
