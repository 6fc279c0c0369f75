package dev.grid.node;

import dev.grid.api.BlobListing;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeDrain;
import dev.grid.api.NodeInfo;
import dev.grid.api.QueueInfo;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.StorageHealth;
import dev.grid.api.StorageRepair;
import dev.grid.scheduler.JobPosition;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a node offers its clients: the HTTP API is a thin JSON layer over this. Every method may be
 * called on any node; the node forwards to the cluster what needs the cluster.
 */
public interface GridOperations {

  /** Which output stream of a job. */
  enum Stream {
    STDOUT,
    STDERR
  }

  /** Accepts a job: once this returns, the job is in the replicated jobs map as QUEUED. */
  JobId submit(JobSpec spec);

  /** The job, or empty if no job has the id. */
  Optional<JobInfo> job(JobId id);

  /** Jobs, oldest first, optionally only those in the given state; arrays' tasks left out. */
  List<JobInfo> jobs(Optional<JobState> state);

  /**
   * Jobs, oldest first, optionally only those in the given state (an array's summed-up state); with
   * {@code withTasks}, each array's tasks too, after it.
   */
  default List<JobInfo> jobs(Optional<JobState> state, boolean withTasks) {
    return jobs(state);
  }

  /**
   * A page of {@link #jobs(Optional, boolean)}, only the jobs the filter passes (by state and
   * name): its first {@code limit} lines after {@code after} (null: from the first), in {@link
   * JobPosition} order, the order of that listing. The caller asks for one more line than it shows
   * to learn whether more follow.
   *
   * <p>This default reads the whole listing and keeps the page; a node reads less (see {@code
   * JobPages}).
   */
  default List<JobInfo> jobs(JobFilter filter, boolean withTasks, JobPosition after, int limit) {
    List<JobInfo> all = new ArrayList<>(jobs(filter.stateIfAny(), withTasks));
    all.removeIf(job -> !filter.nameMatches(job.spec()));
    all.sort(Comparator.comparing(JobPosition::of));
    List<JobInfo> page = new ArrayList<>();
    for (JobInfo info : all) {
      if (page.size() == limit) {
        break;
      }
      if (after == null || JobPosition.of(info).compareTo(after) > 0) {
        page.add(info);
      }
    }
    return page;
  }

  /**
   * Cancels a job: a queued one ends CANCELLED at once, a running one when its process tree has
   * been killed; an array's id cancels every task of it not yet ended. Cancelling an ended job
   * changes nothing. Returns the job as it is after the request, or empty if no job has the id.
   */
  Optional<JobInfo> cancel(JobId id);

  /**
   * Holds a job or array not yet dispatched: it is not dispatched until released (an array's
   * running tasks run on). Holding a held job changes nothing. Returns the job as it is after the
   * request, or empty if no job has the id.
   *
   * @throws IllegalStateException naming why it cannot be held (it runs or has ended)
   * @throws IllegalArgumentException for a task of an array (hold the array)
   */
  Optional<JobInfo> hold(JobId id);

  /**
   * Releases a held job or array; one that is queued or waiting already is left so. Returns the job
   * as it is after the request, or empty if no job has the id.
   *
   * @throws IllegalStateException naming why it cannot be released (it runs or has ended)
   * @throws IllegalArgumentException for a task of an array (release the array)
   */
  Optional<JobInfo> release(JobId id);

  /**
   * Runs an ended job again as a new job, with the same spec but its dependencies (decided for the
   * first run), submitted by {@code submittedBy}: for an array, a new array of the tasks that did
   * not succeed; for a task, a new array of that index. Returns the new job, or empty if no job has
   * the id.
   *
   * @throws IllegalStateException naming why not (it has not ended; every task of the array
   *     succeeded)
   */
  Optional<JobInfo> requeue(JobId id, String submittedBy);

  /** The named queues that have a limit or hold slots now, by name. */
  List<QueueInfo> queues();

  /** What the jobs that ended in the last {@code since} cost, per queue, name and submitter. */
  JobReport report(Duration since);

  /**
   * Caps the slots a queue's work may hold at once, or lifts the cap ({@code maxSlots} null).
   * Returns the queue as it is then.
   *
   * @throws IllegalArgumentException naming a bad queue name or count
   */
  QueueInfo setQueueLimit(String queue, Integer maxSlots);

  /**
   * The job's latest attempt's stdout or stderr (empty if it wrote nothing), or empty if there is
   * no such job. While the job runs: what it has written so far, as its worker last stored it (a
   * second or so behind; see {@code LiveOutput}).
   */
  Optional<Output> output(JobId id, Stream stream);

  /**
   * What one attempt of the job wrote (its latest attempt's as {@link #output} gives it; an earlier
   * one's as it was kept when that attempt ended), or empty if there is no such job.
   *
   * @throws IllegalArgumentException if the job has no such attempt (naming the ones it has)
   */
  Optional<Output> output(JobId id, Stream stream, int attempt);

  /**
   * A job's output as stored.
   *
   * @param content its bytes, to be read once and closed
   * @param length how many bytes {@code content} holds (the job's record says so), or -1 if
   *     unknown: an answer with a length that breaks off short is seen as broken by any client
   */
  record Output(InputStream content, long length) {
    /**
     * This output without its first {@code offset} bytes (all of it gone if it is shorter): what a
     * reader that has them already still needs.
     */
    public Output from(long offset) {
      if (offset <= 0) {
        return this;
      }
      long skip = length < 0 ? offset : Math.min(offset, length);
      // Skipped at the first read, where the reader maps a failure to "cannot be read now"
      // and closes the stream in any case.
      InputStream rest =
          new java.io.FilterInputStream(content) {
            private boolean skipped;

            @Override
            public int read() throws java.io.IOException {
              skipFirst();
              return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
              skipFirst();
              return super.read(b, off, len);
            }

            private void skipFirst() throws java.io.IOException {
              if (skipped) {
                return;
              }
              skipped = true;
              long left = skip;
              while (left > 0) {
                long n = in.skip(left);
                if (n > 0) {
                  left -= n;
                } else if (in.read() < 0) {
                  return; // shorter than the offset: nothing left
                } else {
                  left--;
                }
              }
            }
          };
      return new Output(rest, length < 0 ? -1 : length - skip);
    }
  }

  /**
   * Adds a schedule. Its cron expression and zone are checked first: a bad one is refused with an
   * {@link IllegalArgumentException} naming it, and nothing is stored. A schedule of the same name
   * is refused with an {@link IllegalStateException}.
   */
  ScheduleInfo addSchedule(ScheduleSpec spec);

  /** Every schedule, by name. */
  List<ScheduleInfo> schedules();

  /** The schedule, or empty. */
  Optional<ScheduleInfo> schedule(String name);

  /** Suspends or resumes a schedule's fires; empty if there is no such schedule. */
  Optional<ScheduleInfo> setPaused(String name, boolean paused);

  /** Deletes a schedule (its jobs stay); false if there was none. */
  boolean deleteSchedule(String name);

  /** What each due time of the schedule became, oldest first; empty if there is no schedule. */
  Optional<List<ScheduleRun>> runs(String name);

  /**
   * A page of {@link #runs(String)}: the first {@code limit} runs due after {@code afterMillis}
   * (exclusive), oldest first; empty if there is no schedule. This default reads every run.
   */
  default Optional<List<ScheduleRun>> runs(String name, long afterMillis, int limit) {
    return runs(name)
        .map(
            all ->
                all.stream().filter(r -> r.fireTimeMillis() > afterMillis).limit(limit).toList());
  }

  /**
   * The blobs of the store whose keys start with the prefix, by key, at most {@code limit}.
   *
   * @throws IllegalArgumentException naming a prefix no key can start with, or a limit below 1
   */
  BlobListing blobs(String prefix, int limit);

  /**
   * Checks every blob against every live node's disk; with {@code verify}, every node re-reads its
   * copies and recomputes their checksums first (as long as reading the whole store).
   */
  StorageHealth checkStorage(boolean verify);

  /** Runs a repair pass of the blob store now, from this node; what it set out to do. */
  StorageRepair repairStorage();

  /** True if the grid holds the job jar with this SHA-256. */
  boolean hasJar(String sha256);

  /** The largest jar the grid takes, in bytes. */
  long DEFAULT_MAX_JAR_BYTES = 256L << 20;

  /** The largest jar this node takes, in bytes; a larger upload is refused before it is kept. */
  default long maxJarBytes() {
    return DEFAULT_MAX_JAR_BYTES;
  }

  /**
   * Stores a job jar under its SHA-256, once: if the grid holds it already, nothing is written.
   *
   * @return true if the jar was stored now, false if the grid already held it
   * @throws IllegalArgumentException if the body's SHA-256 is not {@code sha256} (naming both), or
   *     {@code sha256} is not a SHA-256
   */
  boolean putJar(String sha256, InputStream body);

  /**
   * The value a Java job's latest attempt returned: its Kryo form, or with {@code text} its {@code
   * toString()} in UTF-8. Empty if no job has the id.
   *
   * @throws IllegalStateException if the job has no result, saying why (a shell job, not ended
   *     SUCCEEDED, returned null)
   */
  Optional<byte[]> result(JobId id, boolean text);

  /** The live nodes, sorted by name, each with its drain state if it is drained. */
  List<NodeInfo> nodes();

  /**
   * Drains the named node: the primary gives it no new work and what it runs ends normally; the
   * mark is kept until {@link #undrain}. Returns where the node is then, or empty if no node of
   * that name has been in the grid since it started (nor is one drained).
   *
   * @throws IllegalArgumentException for a name no node can have
   */
  Optional<NodeDrain> drain(String node);

  /**
   * Takes a node's drain mark away; new work reaches it again. Returns the node undrained, or empty
   * as for {@link #drain}.
   *
   * @throws IllegalArgumentException for a name no node can have
   */
  Optional<NodeDrain> undrain(String node);

  /** This node's name. */
  String nodeName();
}
