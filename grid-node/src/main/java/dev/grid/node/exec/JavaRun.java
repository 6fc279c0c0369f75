package dev.grid.node.exec;

import dev.grid.api.GridJob;
import dev.grid.api.internal.ResultCodec;
import java.lang.reflect.Constructor;
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
 * <p>The job runs on its own pooled {@code grid-java-job} thread. A cancel or a timeout records
 * its reason (the first wins and decides the outcome), turns {@code isCancelled()} true and
 * interrupts the thread; the job then has {@code killGrace} to return. If it does not, the result
 * completes anyway with the kill's outcome, and the thread, which nothing can stop, goes on until
 * the job's code returns; its jar's class loader stays open until then.
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

  JavaRun(JavaRequest request, JarSource jars, JobClassLoaders loaders, Clock clock,
      ScheduledExecutorService timer, Duration killGrace) {
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
    String message = "timed out after " + JobProcess.human(timeout)
        + "; its thread was interrupted";
    try {
      timeoutTask = timer.schedule(() -> kill(Outcome.TIMED_OUT, message), timeout.toNanos(),
          TimeUnit.NANOSECONDS);
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
    thread = Thread.currentThread();
    if (kill.get() != null) {
      thread.interrupt(); // killed before it got a thread: it still starts, and sees it at once
    }
    ClassLoader before = thread.getContextClassLoader();
    try (JobClassLoaders.Lease lease = lease()) {
      thread.setContextClassLoader(lease.loader());
      GridJob<?> job = instantiate(lease.loader());
      Object value = job.run(context);
      JobValue stored = value == null ? null
          : new JobValue(ResultCodec.encode(value, job.resultTypes()), text(value));
      complete(Outcome.RETURNED, value == null ? "returned null" : "returned a "
          + value.getClass().getName(), stored);
    } catch (JobLoadException e) {
      context.err().println("error: " + e.getMessage());
      complete(Outcome.THREW, e.getMessage(), null);
    } catch (Throwable t) { // whatever a job throws, Errors included, must not reach the pool
      Throwable cause = t instanceof InvocationTargetException ite ? ite.getCause() : t;
      cause.printStackTrace(context.err());
      complete(Outcome.THREW, "the job threw " + cause + where(cause), null);
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
    String name = request.task().className();
    String jar = request.task().jarSha256().substring(0, 12);
    Class<?> type;
    try {
      type = Class.forName(name, true, loader);
    } catch (ClassNotFoundException | NoClassDefFoundError e) {
      throw new JobLoadException("class " + name + " is not in jar " + jar + ": check the class"
          + " name (--class) and that the jar holds it (jar tf)");
    } catch (LinkageError e) {
      throw new JobLoadException("class " + name + " in jar " + jar + " cannot be loaded: " + e);
    }
    if (!GridJob.class.isAssignableFrom(type)) {
      throw new JobLoadException("class " + name + " in jar " + jar + " does not implement "
          + GridJob.class.getName() + ": a Java job's class must");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new JobLoadException("class " + name + " has no public no-argument constructor:"
          + " give it one (and make the class public)");
    }
    try {
      return (GridJob<?>) constructor.newInstance();
    } catch (InstantiationException | IllegalAccessException e) {
      throw new JobLoadException("class " + name + " cannot be instantiated: " + e
          + " (is it public, concrete and top-level or static?)");
    } catch (InvocationTargetException e) {
      throw new JobLoadException("the constructor of " + name + " threw "
          + e.getCause() + where(e.getCause()));
    }
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
      message = reason.message() + (stopped ? "" : "; the thread did not stop within "
          + JobProcess.human(killGrace) + " and runs on until it returns: the grid cannot"
          + " stop a thread that ignores interrupts and isCancelled()");
      value = null;
    }
    context.flush();
    stdout.freeze();
    stderr.freeze();
    result.complete(new RunResult(outcome, null, message, stdout.content(), stderr.content(),
        stdout.dropped(), stderr.dropped(), startedAt, clock.millis(), value));
  }

  private static String text(Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return value.getClass().getName() + " (its toString() threw " + e + ")";
    }
  }

  private static String where(Throwable t) {
    StackTraceElement[] stack = t == null ? new StackTraceElement[0] : t.getStackTrace();
    return stack.length == 0 ? "" : " at " + stack[0] + " (stack trace in its stderr)";
  }

  /** A job class that cannot be made into a running job: the message says why. */
  private static final class JobLoadException extends Exception {
    JobLoadException(String message) {
      super(message, null, false, false);
    }
  }
}
