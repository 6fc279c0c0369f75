package dev.grid.node.exec;

import dev.grid.api.GridJob;
import dev.grid.api.internal.ResultCodec;
import dev.grid.node.exec.JobClasses.JobLoadException;
import java.lang.reflect.InvocationTargetException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Java job's run, from loading its class to its result.
 *
 * <p>The job runs on its own pooled {@code grid-java-job} thread. A cancel or a timeout records its
 * reason (the first wins and decides the outcome), turns {@code isCancelled()} true and interrupts
 * the thread; the job then has {@code killGrace} to return. If it does not, the result completes
 * anyway with the kill's outcome, and the thread, which nothing can stop, goes on until the job's
 * code returns; its jar's class loader stays open until then.
 *
 * <p>The result completes once: first by whichever of the job thread and the grace timer gets
 * there. Output is frozen at that moment, so later writes of a runaway thread are not kept.
 */
final class JavaRun implements RunningJob {
  /** Why the job was stopped. */
  private record Kill(Outcome outcome, String message) {}

  private final JavaRequest request;
  private final JarSource jars;
  private final JobClassLoaders loaders;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Duration killGrace;
  private final CappedBuffer stdout;
  private final CappedBuffer stderr;
  private final JavaJobContext context;
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Kill> kill = new AtomicReference<>();
  private final long startedAt;
  private volatile Thread thread;
  private volatile ScheduledFuture<?> timeoutTask;

  JavaRun(
      JavaRequest request,
      JarSource jars,
      JobClassLoaders loaders,
      Clock clock,
      ScheduledExecutorService timer,
      Duration killGrace) {
    this.request = request;
    this.jars = jars;
    this.loaders = loaders;
    this.clock = clock;
    this.timer = timer;
    this.killGrace = killGrace;
    this.stdout = new CappedBuffer(request.outputCapBytes());
    this.stderr = new CappedBuffer(request.outputCapBytes());
    this.context = new JavaJobContext(request, stdout, stderr, () -> kill.get() != null);
    this.startedAt = clock.millis();
  }

  @Override
  public void cancel() {
    kill(Outcome.CANCELLED, "cancelled; its thread was interrupted");
  }

  @Override
  public CompletableFuture<RunResult> result() {
    return result;
  }

  /** A Java job has no process of its own. */
  @Override
  public long pid() {
    return -1;
  }

  /** Starts the timeout clock; call before handing {@link #run} to a thread. */
  void scheduleTimeout() {
    Duration timeout = request.timeout();
    if (timeout == null) {
      return;
    }
    String message =
        "timed out after " + JobProcess.human(timeout) + "; its thread was interrupted";
    try {
      timeoutTask =
          timer.schedule(
              () -> kill(Outcome.TIMED_OUT, message), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the runner is closing; its close stops this job
    }
  }

  /** Stops the job for the given reason, unless it has already ended. */
  void kill(Outcome outcome, String message) {
    if (result.isDone() || !kill.compareAndSet(null, new Kill(outcome, message))) {
      return;
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    Runnable giveUp = () -> complete(Outcome.THREW, null, null);
    try {
      timer.schedule(giveUp, killGrace.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      giveUp.run(); // the runner is closing: do not wait for the thread
    }
  }

  /** Runs on the job's thread: loads the class, runs it, completes the result. */
  void run() {
    Thread.interrupted(); // a kill racing the end of this thread's previous job may have left one
    thread = Thread.currentThread();
    if (kill.get() != null) {
      thread.interrupt(); // killed before it got a thread: it still starts, and sees it at once
    }
    ClassLoader before = thread.getContextClassLoader();
    try (JobClassLoaders.Lease lease = lease()) {
      thread.setContextClassLoader(lease.loader());
      GridJob<?> job = instantiate(lease.loader());
      Object value = job.run(context);
      JobValue stored =
          value == null
              ? null
              : new JobValue(ResultCodec.encode(value, job.resultTypes()), JobClasses.text(value));
      complete(
          Outcome.RETURNED,
          value == null ? "returned null" : "returned a " + value.getClass().getName(),
          stored);
    } catch (JobLoadException e) {
      context.err().println("error: " + e.getMessage());
      complete(Outcome.THREW, e.getMessage(), null);
    } catch (Throwable t) { // whatever a job throws, Errors included, must not reach the pool
      Throwable cause = t instanceof InvocationTargetException ite ? ite.getCause() : t;
      cause.printStackTrace(context.err());
      complete(Outcome.THREW, "the job threw " + cause + JobClasses.where(cause), null);
    } finally {
      thread.setContextClassLoader(before);
      Thread.interrupted(); // the pool thread must not carry the job's interrupt on
      thread = null;
    }
  }

  private JobClassLoaders.Lease lease() throws JobLoadException {
    String sha = request.task().jarSha256();
    try {
      return loaders.acquire(sha, jars.localJar(sha));
    } catch (RuntimeException e) {
      throw new JobLoadException("jar " + sha + " could not be loaded: " + e.getMessage());
    }
  }

  private GridJob<?> instantiate(ClassLoader loader) throws JobLoadException {
    return JobClasses.instantiate(
        loader, request.task().className(), request.task().jarSha256().substring(0, 12));
  }

  private void complete(Outcome outcome, String message, JobValue value) {
    if (result.isDone()) {
      return;
    }
    ScheduledFuture<?> timeout = timeoutTask;
    if (timeout != null) {
      timeout.cancel(false);
    }
    Kill reason = kill.get();
    if (reason != null) {
      boolean stopped = outcome != Outcome.THREW || message != null;
      outcome = reason.outcome();
      message =
          reason.message()
              + (stopped
                  ? ""
                  : "; the thread did not stop within "
                      + JobProcess.human(killGrace)
                      + " and runs on until it returns: the grid cannot"
                      + " stop a thread that ignores interrupts and isCancelled()");
      value = null;
    }
    context.flush();
    stdout.freeze();
    stderr.freeze();
    result.complete(
        new RunResult(
            outcome,
            null,
            message,
            stdout.content(),
            stderr.content(),
            stdout.dropped(),
            stderr.dropped(),
            startedAt,
            clock.millis(),
            value));
  }
}
