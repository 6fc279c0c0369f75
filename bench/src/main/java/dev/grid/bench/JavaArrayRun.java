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
import dev.grid.scheduler.TaskBlock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Java jobs through a running grid: one array of no-op tasks ({@link NoOpJar}), submitted in one
 * request, as a batch user would send it.
 *
 * <p>The array's end is seen by polling its status, every {@value #MIN_POLL_MILLIS} ms at first and
 * then every 1% of the time so far (at most {@value #MAX_POLL_MILLIS} ms). An array's status is
 * summed up where its task blocks live, one small answer per block of 256 tasks, so a poll costs
 * the nodes little. The rate counts up to one poll interval more than the grid took: at most about
 * 1%, or 100 ms.
 */
final class JavaArrayRun {
  static final long MIN_POLL_MILLIS = 100;
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
  record Result(
      JobId array, int tasks, long submitNanos, long nanos, Map<JobState, Integer> tasksByState) {
    double perSecond() {
      return Figures.perSecond(tasks, nanos);
    }

    int succeeded() {
      return tasksByState.getOrDefault(JobState.SUCCEEDED, 0);
    }
  }

  /** When the last {@link #run} submitted its array (segments are named by their time). */
  private long submittedAtMillis;

  /** Submits an array of {@code count} no-op Java tasks and waits until every task has ended. */
  Result run(int count) throws InterruptedException {
    JobSpec spec =
        JobSpec.java(jarSha256, NoOpJar.CLASS_NAME).withArray(ArraySpec.parse("0-" + (count - 1)));
    long start = System.nanoTime();
    submittedAtMillis = System.currentTimeMillis();
    JobId array = client.submit(spec);
    long submitted = System.nanoTime() - start;
    long deadline = start + TimeUnit.MINUTES.toNanos(WAIT_MINUTES);
    while (true) {
      JobInfo info = client.status(array);
      if (info.state().isTerminal()) {
        return new Result(array, count, submitted, System.nanoTime() - start, info.tasks());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "array "
                + array
                + " of "
                + count
                + " Java tasks did not"
                + " end within "
                + WAIT_MINUTES
                + " min: "
                + info.taskSummary());
      }
      long sinceStart = (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(Math.max(MIN_POLL_MILLIS, Math.min(MAX_POLL_MILLIS, sinceStart / 100)));
    }
  }

  /**
   * Durable writes of an ended array, from the blob store's listing: its tasks are kept in task
   * blocks, written behind many to a blob (segments), and output blobs are counted.
   *
   * @param blockStores blobs written for the task blocks' records, per block
   * @param storesPerTask the same per task
   * @param outputBlobs output blobs per task
   * @param sampled tasks counted
   */
  /** The segments under {@code dir} written at or after {@code sinceMillis}, by key. */
  private List<String> segmentsSince(String dir, long sinceMillis) {
    List<String> out = new ArrayList<>();
    for (BlobInfo b : client.storage().blobs(dir, BlobListing.MAX_LIMIT).blobs()) {
      String name = b.key().substring(dir.length());
      int dash = name.indexOf('-');
      if (dash > 0 && Long.parseLong(name.substring(0, dash)) >= sinceMillis) {
        out.add(b.key());
      }
    }
    return out;
  }

  record DurableWrites(double blockStores, double storesPerTask, double outputBlobs, int sampled) {}

  /**
   * Waits until the blocks' write-behind has settled (two listings a second apart agree; 120 s at
   * most), then counts.
   */
  DurableWrites durableWrites(JobId array, int taskCount) throws InterruptedException {
    // Task blocks are written behind many to a blob (segments under the blocks' prefix, named
    // "<millis>-<writer>-<n>"); the grid runs this array alone, so the segments written since it
    // was submitted are its records' (compaction may have merged a few meanwhile).
    String records = DurableMaps.BLOCKS_PREFIX + "seg/";
    List<String> before = segmentsSince(records, submittedAtMillis);
    for (int i = 0; i < 120; i++) {
      Thread.sleep(1000); // the write-behind delay is a second
      List<String> now = segmentsSince(records, submittedAtMillis);
      boolean settled = !now.isEmpty() && now.equals(before);
      before = now;
      if (settled) {
        break;
      }
    }
    long stores = before.size();
    int blocks = (taskCount + TaskBlock.SIZE - 1) / TaskBlock.SIZE;
    int listed = blocks;
    int sampled = taskCount;
    // Output keys are out/<task>/<attempt>/<name>; the listing is by key, so the first tasks'.
    BlobListing outputs =
        client.storage().blobs("out/" + array.value() + "_", BlobListing.MAX_LIMIT);
    Set<String> tasks = new HashSet<>();
    for (BlobInfo b : outputs.blobs()) {
      tasks.add(b.key().substring(0, b.key().indexOf('/', "out/".length())));
    }
    double outputsPerTask =
        outputs.truncated()
            ? (double) outputs.blobs().size() / Math.max(1, tasks.size())
            : (double) outputs.blobs().size() / Math.max(1, sampled);
    return new DurableWrites(
        listed == 0 ? 0 : (double) stores / listed,
        sampled == 0 ? 0 : (double) stores / sampled,
        outputsPerTask,
        sampled);
  }
}
