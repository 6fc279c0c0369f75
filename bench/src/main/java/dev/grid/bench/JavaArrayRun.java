package dev.grid.bench;

import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Java jobs through a running grid: one array of no-op tasks ({@link NoOpJar}), submitted in one
 * request, as a batch user would send it.
 *
 * <p>The array's end is seen by polling its status every {@link #POLL_MILLIS} ms. An array's
 * status sums its tasks up where the records live (a scan of the jobs map), so polling faster
 * would load the very nodes being measured; the client's own completion futures poll every 250
 * ms. The rate therefore counts up to one poll interval more than the grid took, which is under 3%
 * of a run of 20 s or more.
 */
final class JavaArrayRun {
  static final long POLL_MILLIS = 500;
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
  record Result(int tasks, long submitNanos, long nanos, Map<JobState, Integer> tasksByState) {
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
        return new Result(count, submitted, System.nanoTime() - start, info.tasks());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("array " + array + " of " + count + " Java tasks did not"
            + " end within " + WAIT_MINUTES + " min: " + info.taskSummary());
      }
      Thread.sleep(POLL_MILLIS); // see the class comment: a status poll costs the nodes a scan
    }
  }
}
