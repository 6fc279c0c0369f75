package dev.grid.node.exec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ProcessDestroyer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's process, from launch to result.
 *
 * <p>Threads. Commons Exec's {@code execute} blocks its caller until the process has exited and the
 * streams are stopped: that caller is one pooled {@code grid-exec-wait} thread per job. Two pooled
 * {@code grid-exec-pump} threads read stdout and stderr. Timeouts and the SIGKILL that follows a
 * SIGTERM run on the runner's single {@code grid-exec-timer} thread, instead of one Commons Exec
 * {@code ExecuteWatchdog} thread per job (whose kill would also reach only the direct child).
 *
 * <p>Concurrency. {@code process} is written once, by the waiter, when Commons Exec hands the
 * started process to our {@link ProcessDestroyer}. A kill (timeout, cancel, close) may come from
 * any thread at any time, even before that: it records its reason with a compare-and-set (the first
 * reason wins and decides the outcome), then signals the tree if the process is known. The waiter,
 * after publishing the process, signals the tree if a reason is already recorded. Both fields are
 * volatile, so at least one of the two sides sees the other; {@code treeSignalled} makes the second
 * signal a no-op. A kill asked after the main process exited changes nothing: the job ended by
 * itself, and the pipe policy below deals with leftovers. The result is completed once, by the
 * waiter (or by {@link #failStart} before any waiter).
 *
 * <p>Leftovers. When the main process exits, whatever it left running in its session is killed
 * (SIGTERM, then SIGKILL after the grace), as a batch scheduler does (Slurm's proctrack): the job
 * is over, and a background process must neither outlive it on a shared worker nor keep its output
 * pipe, and so its result, waiting. The check runs on every exit, not only when the pipe stays
 * open: the JDK's process reaper closes the pipe itself at exit whenever a pump is not inside a
 * read, so an open pipe is no reliable sign. Then the pumps get a short grace to reach end-of-file.
 * If a process outside the session (or, without setsid, any orphan) still holds the pipe, we stop
 * waiting: the output is frozen as it is and the pump thread stays parked on the pipe until its
 * holder ends.
 *
 * <p>Cgroup. Where the runner gives the run a group ({@link JobGroup}), the process enters it
 * before it runs; when the run ends its usage and OOM kills are read into the result (a run the OOM
 * killer struck says "out of memory:"), and the group is given back to the node's pool: at once if
 * it is empty, else after the kill grace, killing what is still in it, whatever session it moved
 * to. An empty group is given back before the result completes, so that a job started when the last
 * one's result is in takes the same group rather than making another.
 */
final class JobProcess implements RunningJob {
  private static final Logger log = LoggerFactory.getLogger(JobProcess.class);
  private static final int SHELL_COMMAND_NOT_FOUND = 127;
  private static final Duration BRIEF = Duration.ofSeconds(10);

  /** Why a job was killed: decides its outcome and message. */
  record Kill(Outcome outcome, String message) {}

  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final ProcessTree tree;
  private final Duration pipeGrace;
  private final Duration killGrace;
  private final Duration timeout;
  private final boolean ownSession;
  private final LongConsumer sessionStarted;
  private final boolean shellLine;
  private final String program;
  private final CappedBuffer stdout;
  private final CappedBuffer stderr;
  private final StreamPumps pumps;
  private final ExecutorService pumpThreads;

  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final CompletableFuture<RunResult> result = new CompletableFuture<>();
  private final AtomicReference<Kill> kill = new AtomicReference<>();
  private final AtomicBoolean treeSignalled = new AtomicBoolean();
  private volatile Process process;
  private volatile boolean mainExited;
  private volatile String note;
  private volatile long startedAt;
  private volatile long startedNanos;
  private volatile ScheduledFuture<?> timeoutTask;
  private volatile JobGroup group;

  JobProcess(ProcessRunner.Machinery machinery, RunRequest request, boolean ownSession) {
    this.clock = machinery.clock();
    this.timer = machinery.timer();
    this.tree = machinery.tree();
    this.pipeGrace = machinery.pipeGrace();
    this.killGrace = machinery.killGrace();
    this.sessionStarted = machinery.sessionStarted();
    this.timeout = request.spec().timeout();
    this.ownSession = ownSession;
    this.shellLine = request.spec().shell() != null;
    this.program = shellLine ? "/bin/sh" : request.spec().argv().get(0);
    this.stdout = new CappedBuffer(request.outputCapBytes());
    this.stderr = new CappedBuffer(request.outputCapBytes());
    this.pumps = new StreamPumps(machinery.pumps(), stdout, stderr, this::afterMainExit);
    this.pumpThreads = machinery.pumps();
  }

  @Override
  public void cancel() {
    kill(Outcome.CANCELLED, "cancelled; its process tree was killed");
  }

  @Override
  public CompletableFuture<RunResult> result() {
    return result;
  }

  @Override
  public long keptSoFar(boolean fromStderr) {
    return (fromStderr ? stderr : stdout).size();
  }

  @Override
  public byte[] outputSoFar(boolean fromStderr) {
    return (fromStderr ? stderr : stdout).content();
  }

  @Override
  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /**
   * Runs on a waiter thread: launches, waits, collects; always completes the result.
   *
   * @param group the run's cgroup (see {@link JobGroup}), or null for none; this job gives it back
   */
  void run(List<String> argv, Map<String, String> env, Path workDir, JobGroup group) {
    this.group = group;
    try {
      launchAndWait(argv, env, workDir);
    } catch (RuntimeException | Error e) {
      log.error("watching job process {} failed", pid(), e);
      if (process == null) {
        failStart("could not start '" + program + "': " + e);
      } else {
        kill(
            Outcome.CANCELLED,
            "the runner failed while watching the job (" + e + "); its process tree was killed");
        finish();
      }
    } finally {
      started.complete(null); // start() must never wait forever, whatever happened
    }
  }

  private void launchAndWait(List<String> argv, Map<String, String> env, Path workDir) {
    DefaultExecutor executor = new ExactArgvExecutor(argv, workDir);
    executor.setStreamHandler(pumps);
    executor.setExitValues(null); // every exit code is a result, none an exception
    executor.setProcessDestroyer(new StartHook());
    try {
      executor.execute(ExactArgvExecutor.commandLine(argv), env);
    } catch (IOException e) {
      if (process == null) {
        failStart("could not start '" + program + "': " + e.getMessage());
        return;
      }
      log.warn("job process {} ended with an error from Commons Exec", process.pid(), e);
    }
    finish();
  }

  /** Blocks until the process has started or failed to. */
  void awaitStarted() {
    started.join();
  }

  void failStart(String message) {
    result.complete(RunResult.startFailed(message, clock.millis()));
    started.complete(null);
    JobGroup g = group;
    if (g != null) {
      g.remove();
    }
  }

  /** Kills the tree for the given reason, unless the job has already ended by itself. */
  void kill(Outcome outcome, String message) {
    if (mainExited || result.isDone() || !kill.compareAndSet(null, new Kill(outcome, message))) {
      return;
    }
    if (process != null) {
      signalTree();
    }
  }

  private void signalTree() {
    Process p = process;
    if (p != null && treeSignalled.compareAndSet(false, true)) {
      tree.kill(p.toHandle(), ownSession ? p.pid() : -1);
    }
  }

  /** Called by Commons Exec (via the pumps' stop) on the waiter once the main process exited. */
  private void afterMainExit() {
    mainExited = true;
    cancelTimeout();
    Duration killWait = killGrace.plus(pipeGrace);
    if (kill.get() != null) {
      if (!pumps.awaitDrained(killWait)) {
        abandonPipes();
      }
      return;
    }
    int left = ownSession ? tree.killLeftovers(process.pid(), ranBriefly()) : 0;
    if (left > 0) {
      note =
          left == 1
              ? "1 process it left running was killed"
              : left + " processes it left running were killed";
    }
    if (!pumps.awaitDrained(left > 0 ? killWait : pipeGrace)) {
      abandonPipes();
    }
  }

  /**
   * True if the job ran for less than {@link #BRIEF}: too short for pids to have wrapped around and
   * climbed back past its own, so its leftovers can only have higher pids. Measured on the
   * monotonic nanosecond timer, not the clock: a clock set back must not make a long job brief.
   */
  private boolean ranBriefly() {
    return System.nanoTime() - startedNanos < BRIEF.toNanos();
  }

  private void abandonPipes() {
    note =
        (note == null ? "" : note + "; ")
            + "its output was still held open after it exited by a process the runner cannot"
            + " reach; what came later was not read";
    log.warn(
        "job process {}: output still held open after exit; no longer reading it", process.pid());
  }

  private void finish() {
    if (result.isDone()) {
      return;
    }
    cancelTimeout();
    stdout.freeze();
    stderr.freeze();
    Process p = process;
    Integer exitCode = p.isAlive() ? null : p.exitValue();
    Kill reason = kill.get();
    Outcome outcome = reason == null ? Outcome.EXITED : reason.outcome();
    JobGroup g = group;
    JobGroup.Ending ending = g == null ? new JobGroup.Ending(null, false) : g.end();
    String message =
        reason == null
            ? exitMessage(exitCode)
            : reason.message() + (exitCode == null ? "" : " (exit code " + exitCode + ")");
    if (ending.outOfMemory()) {
      String oom = g.outOfMemory(exitCode);
      message =
          reason == null
              ? oom + (exitCode == null ? "" : "; exit code " + exitCode)
              : message + "; " + oom;
    }
    if (note != null) {
      message += "; " + note;
    }
    if (g != null) {
      try {
        g.release(timer, pumpThreads, killGrace);
      } catch (RuntimeException e) { // the result must complete whatever happens
        log.warn("could not give back the cgroup of job process {}", process.pid(), e);
      }
    }
    result.complete(
        new RunResult(
            outcome,
            exitCode,
            message,
            stdout.content(),
            stderr.content(),
            stdout.dropped(),
            stderr.dropped(),
            startedAt,
            clock.millis(),
            null,
            ending.usage()));
  }

  private String exitMessage(Integer exitCode) {
    if (exitCode == null) {
      return "the waiting thread was interrupted; the process was asked to stop";
    }
    String message = "exited with code " + exitCode;
    if (shellLine && exitCode == SHELL_COMMAND_NOT_FOUND) {
      return message + ": the shell did not find a command (see stderr)";
    }
    if (exitCode > 128 && exitCode < 128 + 65) {
      return message + " (128 + signal " + (exitCode - 128) + ": killed by a signal?)";
    }
    return message;
  }

  private void scheduleTimeout() {
    if (timeout == null) {
      return;
    }
    String message = "timed out after " + human(timeout) + "; its process tree was killed";
    Runnable expire = () -> kill(Outcome.TIMED_OUT, message);
    try {
      timeoutTask = timer.schedule(expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The runner is closing; its close kills this job.
    }
  }

  private void cancelTimeout() {
    ScheduledFuture<?> task = timeoutTask;
    if (task != null) {
      task.cancel(false);
    }
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + " min";
    }
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  /** Commons Exec hands us the started process here: the one hook between launch and wait. */
  private final class StartHook implements ProcessDestroyer {
    @Override
    public boolean add(Process started) {
      process = started;
      if (ownSession) {
        try {
          sessionStarted.accept(started.pid());
        } catch (RuntimeException e) { // the job runs on; only its watching is lost
          log.warn("could not record job process {}'s session", started.pid(), e);
        }
      }
      startedAt = clock.millis();
      startedNanos = System.nanoTime();
      scheduleTimeout();
      JobProcess.this.started.complete(null);
      if (kill.get() != null) {
        signalTree();
      }
      return true;
    }

    @Override
    public boolean remove(Process ended) {
      return true;
    }

    @Override
    public int size() {
      return process == null ? 0 : 1;
    }
  }
}
