package dev.grid.bench;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** No-op shell jobs ({@code true}) through a running grid, as a client program would send them. */
final class GridRun {
  static final JobSpec NO_OP = JobSpec.command("true");
  private static final long WAIT_MINUTES = 10;

  private final GridClient client;

  GridRun(GridClient client) {
    this.client = client;
  }

  /**
   * What a throughput run saw.
   *
   * @param jobs how many jobs were submitted
   * @param firstSubmitMillis wall time just before the first submit
   * @param lastEndMillis the latest {@code endedAtMillis} the grid recorded
   * @param submitNanos from the first submit until every submit had returned
   * @param clientNanos from the first submit until the client had seen every job end
   * @param states how many jobs ended in each state
   */
  record Throughput(
      int jobs,
      long firstSubmitMillis,
      long lastEndMillis,
      long submitNanos,
      long clientNanos,
      Map<JobState, Integer> states) {

    /** Jobs per second, from the first submit to the last job's end as the grid recorded it. */
    double perSecond() {
      return Figures.perSecond(jobs, Math.max(1, lastEndMillis - firstSubmitMillis) * 1_000_000L);
    }

    int succeeded() {
      return states.getOrDefault(JobState.SUCCEEDED, 0);
    }
  }

  /** Submits {@code count} jobs from {@code threads} client threads and waits for every one. */
  Throughput throughput(int count, int threads) {
    AtomicInteger left = new AtomicInteger(count);
    AtomicLong lastSubmitted = new AtomicLong();
    AtomicInteger names = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads, r -> new Thread(r, "bench-client-" + names.incrementAndGet()));
    try {
      long startMillis = System.currentTimeMillis();
      long start = System.nanoTime();
      List<Future<List<JobInfo>>> shares = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        shares.add(pool.submit(() -> submitAndAwait(left, lastSubmitted)));
      }
      List<JobInfo> ended = new ArrayList<>();
      for (Future<List<JobInfo>> share : shares) {
        ended.addAll(share.get(WAIT_MINUTES, TimeUnit.MINUTES));
      }
      long clientNanos = System.nanoTime() - start;
      Map<JobState, Integer> states = new EnumMap<>(JobState.class);
      long lastEnd = startMillis;
      for (JobInfo info : ended) {
        states.merge(info.state(), 1, Integer::sum);
        if (info.endedAtMillis() != null) {
          lastEnd = Math.max(lastEnd, info.endedAtMillis());
        }
      }
      return new Throughput(
          count, startMillis, lastEnd, lastSubmitted.get() - start, clientNanos, states);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a client thread failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "the jobs did not all end within " + WAIT_MINUTES + " min", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Takes jobs from the shared count, submits them all, then waits for each to end. */
  private List<JobInfo> submitAndAwait(AtomicInteger left, AtomicLong lastSubmitted)
      throws Exception {
    List<JobId> ids = new ArrayList<>();
    while (left.getAndDecrement() > 0) {
      ids.add(client.submit(NO_OP));
    }
    lastSubmitted.accumulateAndGet(System.nanoTime(), Math::max);
    List<JobInfo> ended = new ArrayList<>();
    for (JobId id : ids) {
      ended.add(awaitEnd(id));
    }
    return ended;
  }

  /**
   * Latencies of {@code samples} jobs sent one at a time, each after the previous ended, so the
   * grid is idle at each submit: submit-to-start, the job's {@code startedAtMillis} minus the
   * client's wall time just before the submit (client and nodes share this machine's clock), and
   * the submit call itself ({@link GridClient#submit} until it returned the id), in microseconds.
   */
  Latencies latencies(int samples) throws Exception {
    List<Long> millis = new ArrayList<>();
    List<Long> submitMicros = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      long before = System.currentTimeMillis();
      long called = System.nanoTime();
      JobId id = client.submit(NO_OP);
      submitMicros.add((System.nanoTime() - called) / 1_000);
      JobInfo info = awaitEnd(id);
      if (info.startedAtMillis() == null) {
        throw new IllegalStateException(
            "job " + id + " ended " + info.state() + " without a start time: " + info.message());
      }
      millis.add(info.startedAtMillis() - before);
    }
    return new Latencies(millis, submitMicros);
  }

  /** Submit-to-start in milliseconds and the submit call in microseconds, one of each per job. */
  record Latencies(List<Long> toStartMillis, List<Long> submitMicros) {}

  /** The job once ended: one status call if it already has, else its completion future. */
  private JobInfo awaitEnd(JobId id) throws Exception {
    JobInfo info = client.status(id);
    if (info.state().isTerminal()) {
      return info;
    }
    return client.completion(id).get(WAIT_MINUTES, TimeUnit.MINUTES);
  }
}
