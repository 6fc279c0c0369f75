package dev.grid.api;

import java.io.PrintStream;
import java.util.List;
import java.util.OptionalInt;

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
      throw new java.util.concurrent.CancellationException("job " + jobId() + " was cancelled");
    }
  }
}
