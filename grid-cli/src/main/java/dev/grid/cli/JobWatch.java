package dev.grid.cli;

import dev.grid.api.GridException;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Waits for a job to end while showing how it goes: {@code submit --wait} of an array and {@code
 * status --watch}. The end is what {@code GridClient.completion} says (it polls quickly and rides
 * out a failover); in between, every {@link #POLL} the job's status is fetched and shown by a
 * {@link Watcher}: an array's {@link Progress} line, or a single job's {@link Events}.
 */
final class JobWatch {
  /** How often the job is looked at while it runs. */
  static final Duration POLL = Duration.ofSeconds(1);

  /** Without a terminal, a progress line at most this often (and only when the counts changed). */
  static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

  private JobWatch() {}

  /** Shows what a watch sees. */
  interface Watcher {
    /** The job as a poll found it while it runs. */
    void seen(JobInfo job);

    /** The job once it has ended; the last call. */
    void ended(JobInfo job);
  }

  /**
   * Waits for {@code done}, showing {@code status} every {@code poll} meanwhile. A poll that fails
   * is skipped: the completion decides whether the grid is gone for good.
   *
   * @return the ended job
   * @throws GridException if the wait was interrupted (the caller of a resident client went away)
   */
  static JobInfo untilEnd(
      CompletableFuture<JobInfo> done, Supplier<JobInfo> status, Watcher watcher, Duration poll) {
    try {
      while (true) {
        try {
          JobInfo ended = done.get(poll.toMillis(), TimeUnit.MILLISECONDS);
          watcher.ended(ended);
          return ended;
        } catch (TimeoutException e) {
          JobInfo now;
          try {
            now = status.get();
          } catch (GridException failed) {
            continue;
          }
          if (!now.state().isTerminal()) {
            watcher.seen(now);
          }
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GridException("interrupted while waiting: the caller went away");
    } finally {
      done.cancel(false); // stops its polling if we leave early
    }
  }

  /**
   * An array's progress on stderr. On a terminal, one line rewritten in place ({@code \r}, then the
   * line, then "clear to the end of the line"); elsewhere (a log, a pipe) a plain line when the
   * counts changed, at most every {@link #PLAIN_EVERY_NANOS}, so that a log holds no control
   * characters. Both end with the final line.
   */
  static final class Progress implements Watcher {
    private static final String CLEAR_TO_END = "\033[K";

    private final PrintStream err;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final ProgressLine line;
    private Map<?, ?> lastPrinted;
    private long lastPrintedNanos;
    private boolean drawn;

    Progress(JobId array, PrintStream err, boolean terminal, LongSupplier nanos) {
      this.err = err;
      this.terminal = terminal;
      this.nanos = nanos;
      this.line = new ProgressLine(array, nanos.getAsLong());
    }

    @Override
    public void seen(JobInfo job) {
      if (job.tasks() == null) {
        return;
      }
      long now = nanos.getAsLong();
      String text = line.update(job.tasks(), now);
      if (terminal) {
        err.print("\r" + text + CLEAR_TO_END);
        err.flush();
        drawn = true;
      } else if (!job.tasks().equals(lastPrinted)
          && (lastPrinted == null || now - lastPrintedNanos >= PLAIN_EVERY_NANOS)) {
        err.println(text);
        lastPrinted = job.tasks();
        lastPrintedNanos = now;
      }
    }

    @Override
    public void ended(JobInfo job) {
      if (job.tasks() == null) {
        return;
      }
      String text = line.finish(job.tasks(), nanos.getAsLong());
      err.println(terminal && drawn ? "\r" + text + CLEAR_TO_END : text);
    }
  }

  /**
   * A single job's changes of state as lines on {@code out}, one per entry of its history, from the
   * first poll to its end: {@code 2026-12-07 10:00:01.250 RUNNING node n2 attempt 1}.
   */
  static final class Events implements Watcher {
    private final PrintStream out;
    private JobEvent last;
    private int shown;

    Events(PrintStream out) {
      this.out = out;
    }

    @Override
    public void seen(JobInfo job) {
      List<JobEvent> history = job.history();
      // History grows at its end. A task's is rebuilt from its block (its earlier attempts fold
      // into one line): then only what is newer than the last line shown is new.
      boolean grew = history.size() >= shown && (shown == 0 || history.get(shown - 1).equals(last));
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < history.size(); i++) {
        JobEvent event = history.get(i);
        if (grew ? i >= shown : event.atMillis() > last.atMillis()) {
          lines.append(line(event)).append(System.lineSeparator());
        }
      }
      out.print(lines);
      out.flush();
      shown = history.size();
      last = shown == 0 ? null : history.get(shown - 1);
    }

    @Override
    public void ended(JobInfo job) {
      seen(job);
    }

    static String line(JobEvent event) {
      StringBuilder line = new StringBuilder();
      line.append(StatusCommand.time(event.atMillis())).append(' ').append(event.state());
      if (event.node() != null) {
        line.append(" node ").append(event.node());
      }
      if (event.attempt() > 0) {
        line.append(" attempt ").append(event.attempt());
      }
      if (event.message() != null && !event.message().isBlank()) {
        line.append(": ").append(GridCli.oneLine(event.message()));
      }
      return line.toString();
    }
  }
}
