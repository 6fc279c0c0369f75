package dev.grid.node.exec;

import dev.grid.api.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Java jobs in this JVM: each on its own {@code grid-java-job-N} thread, its class from its
 * jar's own class loader (see {@link JobClassLoaders} and {@link ApiOnlyClassLoader}).
 *
 * <pre>{@code
 * try (JavaJobRunner runner = new JavaJobRunner(clock, jarStore, Duration.ofMinutes(1))) {
 *   RunResult r = runner.start(new JavaRequest(id, 1, task, timeout, cap)).result().join();
 * }
 * }</pre>
 *
 * <p>Limits: a job shares the node's heap and CPU, and a thread that ignores both its interrupt and
 * {@code isCancelled()} cannot be stopped: it ends TIMED_OUT or CANCELLED in the grid, but its
 * thread runs on until its code returns. A job that asks to be isolated runs in a child JVM instead
 * ({@link #startIsolated}), which is killed like a shell job.
 */
public final class JavaJobRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JavaJobRunner.class);

  /** How long a stopped job has to return before its result is completed without it. */
  static final Duration KILL_GRACE = Duration.ofSeconds(2);

  private final Clock clock;
  private final JarSource jars;
  private final JobClassLoaders loaders;
  private final Duration killGrace;
  private final ExecutorService threads;
  private final ScheduledThreadPoolExecutor timer;
  private final Set<JavaRun> running = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String childClassPath = System.getProperty("java.class.path");

  /**
   * @param jars where jars come from
   * @param loaderIdle how long a jar's class loader stays open after its last job ended
   */
  public JavaJobRunner(Clock clock, JarSource jars, Duration loaderIdle) {
    this(clock, jars, loaderIdle, KILL_GRACE);
  }

  JavaJobRunner(Clock clock, JarSource jars, Duration loaderIdle, Duration killGrace) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.jars = Objects.requireNonNull(jars, "jars");
    this.loaders = new JobClassLoaders(clock, loaderIdle);
    this.killGrace = killGrace;
    this.threads =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            named("grid-java-job-"));
    this.timer = new ScheduledThreadPoolExecutor(1, named("grid-java-timer-"));
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * The class path of the child JVMs of {@link #startIsolated} (by default the node's own): with a
   * job user, one it can read (the node's {@code ChildClassPath}).
   */
  public void childClassPath(String classPath) {
    this.childClassPath = Objects.requireNonNull(classPath, "classPath");
  }

  /**
   * Starts the job on its own thread and returns at once; the result says how it ended.
   *
   * @throws IllegalStateException if this runner is closed
   */
  public RunningJob start(JavaRequest request) {
    Objects.requireNonNull(request, "request");
    if (closed.get()) {
      throw new IllegalStateException("the node is stopping: no new Java jobs");
    }
    JavaRun run = new JavaRun(request, jars, loaders, clock, timer, killGrace);
    running.add(run);
    run.result().whenComplete((r, e) -> running.remove(run));
    run.scheduleTimeout();
    try {
      threads.execute(run::run);
    } catch (RejectedExecutionException e) {
      run.kill(Outcome.CANCELLED, "the node is stopping; the job did not start");
    }
    return run;
  }

  /**
   * Starts an isolated Java job: a child JVM running {@link IsolatedJob} in the scratch directory,
   * through the process runner, so that a timeout or cancel kills it as it kills a shell job.
   * Returns once the process runs (or failed to start). When the runner runs jobs as another user,
   * the child JVM runs as that user, with a copy of the jar in the scratch directory.
   *
   * @throws dev.grid.api.GridException if the jar cannot be fetched
   * @throws java.io.UncheckedIOException if the scratch directory cannot be written
   */
  public RunningJob startIsolated(
      JavaRequest request, ProcessRunner processes, Path scratch, Map<String, String> gridEnv) {
    Path jar = jars.localJar(request.task().jarSha256());
    try {
      IsolatedJob.writeParents(request.parents(), scratch);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not leave the parents' results for job " + request.id() + " in " + scratch, e);
    }
    if (processes.jobUser().isPresent()) {
      jar = handOver(jar, scratch, processes.jobUser().get());
    }
    List<String> argv =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                childClassPath,
                IsolatedJob.class.getName(),
                jar.toString(),
                request.task().className()));
    argv.addAll(request.task().args());
    JobSpec command = JobSpec.of(argv).withTimeout(request.timeout());
    RunningJob process =
        processes.start(new RunRequest(command, gridEnv, scratch, request.outputCapBytes()));
    return new IsolatedRun(process, scratch);
  }

  /**
   * The jar is kept in the node's data dir, which the job user cannot enter: the child JVM gets a
   * copy of its own in its scratch directory, with the parents' results, all given to the user.
   */
  private static Path handOver(Path jar, Path scratch, JobUser user) {
    try {
      Files.createDirectories(scratch);
      Path copy = scratch.resolve(IsolatedJob.JAR);
      Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
      user.give(copy);
      for (String name : List.of(IsolatedJob.PARENTS, IsolatedJob.PARENTS_ERROR)) {
        if (Files.exists(scratch.resolve(name))) {
          user.give(scratch.resolve(name));
        }
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not give the job's jar to " + user.name() + " in " + scratch, e);
    }
  }

  /** Daemon threads: a job thread that never returns must not keep the JVM from exiting. */
  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** How many jar class loaders are open: for tests of their release. */
  public int openClassLoaders() {
    loaders.closeIdle();
    return loaders.open();
  }

  /**
   * Stops every running job (their results end CANCELLED), waits a bounded time for them, closes
   * the class loaders and stops the threads that have returned. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<JavaRun> jobs = List.copyOf(running);
    for (JavaRun job : jobs) {
      job.kill(
          Outcome.CANCELLED,
          "the node shut down while the job ran; its thread was" + " interrupted");
    }
    CompletableFuture<?>[] results =
        jobs.stream().map(JavaRun::result).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(results).get(killGrace.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("some Java jobs did not end within {} of close", killGrace);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
    threads.shutdownNow();
    loaders.close();
  }
}
