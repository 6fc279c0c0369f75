package dev.grid.api;

import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;

/**
 * What a {@link GridJob} is given when it runs: its arguments, where it is in an array, where to
 * write, and whether it should stop.
 *
 * <pre>{@code
 * public Long run(JobContext context) throws InterruptedException {
 *   long total = 0;
 *   for (String file : context.args()) {
 *     context.checkCancelled();            // throws if the job was cancelled or timed out
 *     total += Files.size(Path.of(file));
 *     context.log("%s: %d bytes so far", file, total);
 *   }
 *   return total;
 * }
 * }</pre>
 *
 * <p>What the job writes to {@link #out()} and {@link #err()} becomes its stdout and stderr, read
 * with {@code bin/logs} as for a shell job (up to the grid's output cap). {@code System.out} is
 * shared by the whole node and is not the job's output.
 */
public interface JobContext {

  /** The job's id. */
  JobId jobId();

  /** The attempt being run: 1 for the first run, more after a retry. */
  int attempt();

  /** The arguments given at submit, unchanged. */
  List<String> args();

  /** The task's index when the job is one task of an array; empty otherwise. */
  OptionalInt arrayIndex();

  /**
   * The results of the jobs this one ran after with {@code --after} ({@link Dependencies#ok()}), in
   * the order they were named, each read as {@code type}; an array stands for its tasks, in index
   * order. This is how a reduce step reads what its map steps returned:
   *
   * <pre>{@code
   * // bin/submit --array 0-9 --jar pi.jar --class com.example.Sample       -> array 7f3a...
   * // bin/submit --after 7f3a... --jar pi.jar --class com.example.Reduce
   * public Double run(JobContext context) {
   *   List<Long> hits = context.parentResults(Long.class);   // one per task, by index
   *   return 4.0 * hits.stream().mapToLong(Long::longValue).sum() / (hits.size() * SAMPLES);
   * }
   * }</pre>
   *
   * <p>Results are read as {@link GridClient#result(JobId, Class, Class[])} reads them: a result
   * that holds classes beyond JDK basics needs them in {@code more} (the parent's {@link
   * GridJob#resultTypes()}). A parent that returned null gives a null element. Jobs named by {@code
   * --after-any} are not included: they may have failed. The results are fetched from the grid's
   * store on the first call.
   *
   * @param type the results' class (boxed or primitive for numbers)
   * @param more classes the results hold, beyond JDK basics
   * @return one result per parent (per task of an array parent); empty if the job has no {@code
   *     --after}
   * @throws IllegalStateException if a parent has no result to read: a shell job, or a result gone
   *     with retention; the message names the parent
   * @throws IllegalArgumentException if a result is of another type or holds a class not given
   */
  <T> List<T> parentResults(Class<T> type, Class<?>... more);

  /** The job's stdout. */
  PrintStream out();

  /** The job's stderr. */
  PrintStream err();

  /** Writes one formatted line to the job's stdout: {@code context.log("%d done", n)}. */
  default void log(String format, Object... args) {
    out().println(args.length == 0 ? format : String.format(format, args));
  }

  /**
   * True once the job was cancelled or ran over its timeout; a long job should poll it and return
   * (or throw). Its thread is also interrupted then.
   */
  boolean isCancelled();

  /**
   * Throws if the job should stop, so a loop can bail out in one line.
   *
   * @throws java.util.concurrent.CancellationException if {@link #isCancelled()}
   */
  default void checkCancelled() {
    if (isCancelled()) {
      throw new CancellationException("job " + jobId() + " was cancelled");
    }
  }
}
