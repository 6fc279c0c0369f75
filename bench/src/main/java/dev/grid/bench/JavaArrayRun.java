package dev.grid.bench;

import dev.grid.api.ArraySpec;
import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.DurableMaps;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Java jobs through a running grid: one array of no-op tasks ({@link NoOpJar}), submitted in one
 * request, as a batch user would send it.
 *
 * <p>The array's end is seen by polling its status, every {@value #MIN_POLL_MILLIS} ms at first
 * and then every 2% of the time so far (at most {@value #MAX_POLL_MILLIS} ms). An array's status
 * sums its tasks up where the records live: a scan that reads back every job record of the grid.
 * With 100,000 tasks, polls every 500 ms took about 40% of the nodes' CPU, so polling at a fixed
 * fast rate would measure the polls. The rate counts up to one poll interval more than the grid
 * took: at most about 2%.
 */
final class JavaArrayRun {
  static final long MIN_POLL_MILLIS = 500;
  static final long MAX_POLL_MILLIS = 5000;
  private static final long WAIT_MINUTES = 60;

  private final GridClient client;
  private final String jarSha256;

  JavaArrayRun(GridClient client, String jarSha256) {
    this.client = client;
    this.jarSha256 = jarSha256;
  }

  /**
   * What a run saw.
   *
   * @param tasks tasks in the array
   * @param submitNanos how long the one submit request took
   * @param nanos from just before the submit until a poll saw the array ended
   * @param tasksByState the array's tasks per state at its end
   */
  record Result(JobId array, int tasks, long submitNanos, long nanos,
      Map<JobState, Integer> tasksByState) {
    double perSecond() {
      return Figures.perSecond(tasks, nanos);
    }

    int succeeded() {
      return tasksByState.getOrDefault(JobState.SUCCEEDED, 0);
    }
  }

  /** Submits an array of {@code count} no-op Java tasks and waits until every task has ended. */
  Result run(int count) throws InterruptedException {
    JobSpec spec = JobSpec.java(jarSha256, NoOpJar.CLASS_NAME)
        .withArray(ArraySpec.parse("0-" + (count - 1)));
    long start = System.nanoTime();
    JobId array = client.submit(spec);
    long submitted = System.nanoTime() - start;
    long deadline = start + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
    while (true) {
      JobInfo info = client.status(array);
      if (info.state().isTerminal()) {
        return new Result(array, count, submitted, System.nanoTime() - start, info.tasks());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("array " + array + " of " + count + " Java tasks did not"
            + " end within " + WAIT_MINUTES + " min: " + info.taskSummary());
      }
      long sinceStart = (System.nanoTime() - start) / 1_000_000;
      // See the class comment: a status poll costs the nodes a scan of every record.
      Thread.sleep(Math.max(MIN_POLL_MILLIS, Math.min(MAX_POLL_MILLIS, sinceStart / 50)));
    }
  }

  /**
   * Durable writes per task of an ended array, from the blob store's listing: each job record is
   * written behind to one blob whose version counts its stores, and output blobs are counted.
   *
   * @param recordStores stores of a task's record (mean version over the tasks listed)
   * @param outputBlobs output blobs per task
   * @param sampled tasks listed (at most {@link BlobListing#MAX_LIMIT})
   */
  record DurableWrites(double recordStores, double outputBlobs, int sampled) {}

  /**
   * Waits until the records' write-behind has settled: every task listed has a stored record
   * (the array's record and its tasks, up to the listing's limit) and two listings a second apart
   * agree; 120 s at most (the write-behind may lag the array by a minute), then counts.
   */
  DurableWrites durableWrites(JobId array, int taskCount) throws InterruptedException {
    String records = DurableMaps.JOBS_PREFIX + array.value();
    int expected = Math.min(taskCount + 1, BlobListing.MAX_LIMIT);
    BlobListing before = client.blobs(records, BlobListing.MAX_LIMIT);
    for (int i = 0; i < 120; i++) {
      Thread.sleep(1000); // the write-behind delay is a second
      BlobListing now = client.blobs(records, BlobListing.MAX_LIMIT);
      boolean settled = now.blobs().size() >= expected && now.blobs().equals(before.blobs());
      before = now;
      if (settled) {
        break;
      }
    }
    long stores = 0;
    int sampled = 0;
    for (BlobInfo b : before.blobs()) {
      if (!b.key().equals(records)) { // the array's own record
        stores += b.version();
        sampled++;
      }
    }
    // Output keys are out/<task>/<attempt>/<name>; the listing is by key, so the first tasks'.
    BlobListing outputs = client.blobs("out/" + array.value() + "_", BlobListing.MAX_LIMIT);
    java.util.Set<String> tasks = new java.util.HashSet<>();
    for (BlobInfo b : outputs.blobs()) {
      tasks.add(b.key().substring(0, b.key().indexOf('/', "out/".length())));
    }
    double outputsPerTask = outputs.truncated()
        ? (double) outputs.blobs().size() / Math.max(1, tasks.size())
        : (double) outputs.blobs().size() / Math.max(1, sampled);
    return new DurableWrites(sampled == 0 ? 0 : (double) stores / sampled, outputsPerTask,
        sampled);
  }
}
