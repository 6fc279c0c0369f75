package dev.grid.node.exec;

import dev.grid.api.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs shell jobs on this worker with Apache Commons Exec: argv passed unchanged (or a line run by
 * {@code sh -c}), the worker's environment (or the part of it the node passes on) plus the job's
 * and the grid's, output captured per stream up to a cap, and the whole process tree killed on
 * timeout, cancel or close.
 *
 * <pre>{@code
 * try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC())) {
 *   RunningJob job = runner.start(new RunRequest(JobSpec.shell("make test"),
 *       Map.of("GRID_JOB_ID", id.value(), "GRID_ATTEMPT", "1"), scratch, 1 << 20));
 *   RunResult result = job.result().join();
 * }
 * }</pre>
 *
 * <p>A run never throws for what the job does: a missing command or working directory is a {@link
 * Outcome#START_FAILED} result, a non-zero exit an {@link Outcome#EXITED} one.
 *
 * <p>Cost: spawning {@code true} 500 times in a row took 1.7 ms each with a bare ProcessBuilder and
 * 2.8-3.2 ms through this runner on the 2-core dev VM (1.6-1.9x), ~0.9 ms of it the extra exec of
 * {@code setsid}, the price of finding a job's whole tree (see {@link Setsid}); without setsid it
 * is 1.9-2.1 ms. Per-job cgroups ({@link JobCgroups}, where the node gets them) add 0.9-1.7 ms more
 * for an argv job, most of it the exec of the sh that enters the group, and less for a shell job,
 * whose own sh enters it: see there. {@code bin/bench} measures the whole grid against a bare pool.
 */
public final class ProcessRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);
  static final Duration KILL_GRACE = Duration.ofSeconds(2);
  static final Duration PIPE_GRACE = Duration.ofMillis(250);
  private static final Duration CLOSE_LIMIT = KILL_GRACE.plus(PIPE_GRACE.multipliedBy(2));

  /** What every job of this runner shares. */
  record Machinery(
      Clock clock,
      ScheduledExecutorService timer,
      ExecutorService pumps,
      ProcessTree tree,
      Duration killGrace,
      Duration pipeGrace,
      LongConsumer sessionStarted) {}

  private final Machinery machinery;
  private final Map<String, String> workerEnv;
  private final Optional<String> setsid;
  private final Optional<JobUser> jobUser;
  private final JobCgroups cgroups;
  private final ExecutorService waiters;
  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService pumps;
  private final Set<JobProcess> running = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A runner with this JVM's environment as the base of every job's, and setsid if present. */
  public ProcessRunner(Clock clock) {
    this(clock, System.getenv(), Setsid.find(), sid -> {}, null, JobCgroups.none());
  }

  /**
   * A runner whose jobs get only the named variables of this JVM's environment (plus their own and
   * the grid's), and that tells {@code sessionStarted} each job's session id (its main process's
   * pid) as soon as the process exists: on the thread that spawned it, before {@link #start}
   * returns, so that whoever must kill the session if this JVM dies (see the node's orphan guard)
   * knows it before the job can have done much. Called only when jobs get sessions of their own
   * (setsid).
   */
  public ProcessRunner(Clock clock, Set<String> passedThrough, LongConsumer sessionStarted) {
    this(
        clock,
        only(System.getenv(), passedThrough),
        Setsid.find(),
        sessionStarted,
        null,
        JobCgroups.none());
  }

  /**
   * The same, with every job run as {@code jobUser} (null: as this JVM's user): its uid, gid and
   * groups, its HOME, USER and LOGNAME, in a scratch directory made its own (0700).
   */
  public ProcessRunner(
      Clock clock, Set<String> passedThrough, LongConsumer sessionStarted, JobUser jobUser) {
    this(clock, passedThrough, sessionStarted, jobUser, JobCgroups.none());
  }

  /**
   * The same, with every job run in a cgroup of its own from {@code cgroups} (see {@link
   * JobCgroups}: held to what it reserves, its usage measured), where they are {@link
   * JobCgroups#enabled()}. The runner takes them over: its close removes their groups.
   */
  public ProcessRunner(
      Clock clock,
      Set<String> passedThrough,
      LongConsumer sessionStarted,
      JobUser jobUser,
      JobCgroups cgroups) {
    this(
        clock,
        only(System.getenv(), passedThrough),
        Setsid.find(),
        sessionStarted,
        jobUser,
        cgroups);
  }

  /** The entries of {@code env} whose names are in {@code names}. */
  static Map<String, String> only(Map<String, String> env, Set<String> names) {
    Map<String, String> out = new HashMap<>();
    env.forEach(
        (k, v) -> {
          if (names.contains(k)) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** For tests: a given base environment, and setsid or not. */
  ProcessRunner(Clock clock, Map<String, String> workerEnv, Optional<String> setsid) {
    this(clock, workerEnv, setsid, sid -> {}, null, JobCgroups.none());
  }

  /** For tests: a given base environment, setsid or not, and jobs run as {@code jobUser}. */
  ProcessRunner(
      Clock clock, Map<String, String> workerEnv, Optional<String> setsid, JobUser jobUser) {
    this(clock, workerEnv, setsid, sid -> {}, jobUser, JobCgroups.none());
  }

  /** For tests: the same, with cgroups. */
  ProcessRunner(
      Clock clock,
      Map<String, String> workerEnv,
      Optional<String> setsid,
      JobUser jobUser,
      JobCgroups cgroups) {
    this(clock, workerEnv, setsid, sid -> {}, jobUser, cgroups);
  }

  private ProcessRunner(
      Clock clock,
      Map<String, String> workerEnv,
      Optional<String> setsid,
      LongConsumer sessionStarted,
      JobUser jobUser,
      JobCgroups cgroups) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(sessionStarted, "sessionStarted");
    this.workerEnv = Map.copyOf(workerEnv);
    this.setsid = setsid;
    this.jobUser = Optional.ofNullable(jobUser);
    this.cgroups = Objects.requireNonNull(cgroups, "cgroups");
    if (setsid.isEmpty()) {
      log.warn(
          "setsid not found: jobs run in the node's session; processes a job leaves behind"
              + " after its main process exits cannot be found and killed");
    }
    this.waiters = cachedPool("wait");
    this.pumps = cachedPool("pump");
    this.timer = new ScheduledThreadPoolExecutor(1, new NamedThreads("timer"));
    timer.setRemoveOnCancelPolicy(true);
    ProcessTree tree = new ProcessTree(timer, KILL_GRACE);
    this.machinery =
        new Machinery(clock, timer, pumps, tree, KILL_GRACE, PIPE_GRACE, sessionStarted);
  }

  private static ExecutorService cachedPool(String role) {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        30,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        new NamedThreads(role));
  }

  /** The user jobs run as, if not this JVM's. */
  public Optional<JobUser> jobUser() {
    return jobUser;
  }

  /**
   * Starts the job's process and returns once it runs, or once its result says why it could not
   * start.
   *
   * @throws IllegalStateException if this runner is closed
   */
  public RunningJob start(RunRequest request) {
    Objects.requireNonNull(request, "request");
    JobSpec spec = request.spec();
    JobProcess job = new JobProcess(machinery, request, setsid.isPresent());
    running.add(job);
    job.result().whenComplete((result, error) -> running.remove(job));
    if (closed.get()) {
      running.remove(job);
      throw new IllegalStateException("this ProcessRunner is closed: start jobs on an open one");
    }
    List<String> argv = spec.shell() != null ? List.of("/bin/sh", "-c", spec.shell()) : spec.argv();
    Map<String, String> env = environment(spec, request.gridEnv());
    WorkDir dir = workDir(request);
    Optional<String> problem =
        dir.problem() != null
            ? Optional.of(dir.problem())
            : CommandLocator.problemWith(argv.get(0), dir.path(), env);
    if (problem.isPresent()) {
      job.failStart(problem.get());
      return job;
    }
    JobGroup group = cgroups.open(JobCgroups.runName(request.gridEnv()), spec.resourcesOrNone());
    // a shell job's own sh can enter its group first thing, unless it must be entered as root
    boolean entersItself = group != null && jobUser.isEmpty() && spec.shell() != null;
    try {
      List<String> launch;
      Map<String, String> processEnv;
      Path cwd;
      if (jobUser.isPresent()) {
        // setsid and setpriv run as root: nothing of the job's may steer them (its loader
        // variables, its directory); env, run as the job's user, enters its directory and sets
        // those variables after the switch.
        launch = new ArrayList<>();
        setsid.ifPresent(s -> launch.addAll(List.of(s, "-w", "--")));
        launch.addAll(jobUser.get().launch(dir.path(), env, argv));
        processEnv = JobUser.rootStage(env);
        cwd = Path.of("/");
      } else {
        launch =
            launchArgv(
                entersItself ? List.of("/bin/sh", "-c", group.enterThen(spec.shell())) : argv);
        processEnv = env;
        cwd = dir.path();
      }
      // outermost: the sh that enters the group writes cgroup.procs as root, before setpriv
      List<String> exec = group == null || entersItself ? launch : group.wrap(launch);
      waiters.execute(() -> job.run(exec, processEnv, cwd, group));
    } catch (IllegalArgumentException e) {
      discard(group);
      job.failStart(e.getMessage());
      return job;
    } catch (RejectedExecutionException e) {
      discard(group);
      job.failStart("the node is shutting down: the job was not started");
    }
    job.awaitStarted();
    return job;
  }

  private static void discard(JobGroup group) {
    if (group != null) {
      group.remove();
    }
  }

  /**
   * What is exec'd: the job's argv, behind {@code setsid -w --} when setsid is there ({@code --} so
   * that a program whose name starts with '-' is not taken for a setsid option). With a job user,
   * setpriv and env come after setsid ({@link JobUser#launch}). Each execs in place: the job's pid
   * is still the session id.
   */
  private List<String> launchArgv(List<String> argv) {
    List<String> launch = new ArrayList<>(argv.size() + 3);
    setsid.ifPresent(s -> launch.addAll(List.of(s, "-w", "--")));
    launch.addAll(argv);
    return launch;
  }

  private Map<String, String> environment(JobSpec spec, Map<String, String> gridEnv) {
    Map<String, String> env = new HashMap<>(workerEnv);
    jobUser.ifPresent(u -> env.putAll(u.identity()));
    env.putAll(spec.env());
    env.putAll(gridEnv);
    return env;
  }

  private record WorkDir(Path path, String problem) {}

  private WorkDir workDir(RunRequest request) {
    String given = request.spec().workDir();
    if (given == null) {
      Path scratch = request.scratchDir().toAbsolutePath();
      try {
        Files.createDirectories(scratch);
        if (jobUser.isPresent()) {
          jobUser.get().own(scratch);
        }
        return new WorkDir(scratch, null);
      } catch (IOException e) {
        return new WorkDir(null, "could not create the scratch directory " + scratch + ": " + e);
      }
    }
    try {
      Path dir = Path.of(given).toAbsolutePath();
      if (!Files.exists(dir)) {
        return new WorkDir(
            null,
            "working directory "
                + dir
                + " does not exist on this node: create it, or give another workDir");
      }
      if (!Files.isDirectory(dir)) {
        return new WorkDir(null, "working directory " + dir + " is not a directory");
      }
      return new WorkDir(dir, null);
    } catch (InvalidPathException e) {
      return new WorkDir(
          null, "working directory '" + given + "' is not a valid path: " + e.getMessage());
    }
  }

  /**
   * Kills every running job's process tree (their results end CANCELLED), waits a bounded time for
   * them to end, and stops this runner's threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<JobProcess> jobs = List.copyOf(running);
    for (JobProcess job : jobs) {
      job.kill(
          Outcome.CANCELLED,
          "the node shut down while the job ran; its process tree was" + " killed");
    }
    awaitResults(jobs);
    cgroups.close();
    timer.shutdownNow();
    waiters.shutdownNow();
    pumps.shutdownNow();
    try {
      if (!pumps.awaitTermination(500, TimeUnit.MILLISECONDS)
          || !waiters.awaitTermination(500, TimeUnit.MILLISECONDS)) {
        log.warn("some grid-exec threads are still parked on pipes held by escaped processes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitResults(List<JobProcess> jobs) {
    CompletableFuture<?>[] results =
        jobs.stream().map(JobProcess::result).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(results).get(CLOSE_LIMIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn(
          "{} job(s) did not end within {} of close",
          jobs.stream().filter(j -> !j.result().isDone()).count(),
          CLOSE_LIMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
