package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.node.exec.RunResult;
import dev.grid.node.exec.RunningJob;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.UpdateResult;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a single job (not a task of an array) on this worker: records its start (which fails
 * if the attempt is stale, and then nothing runs), runs it, stores its output and records its end,
 * or hands it back ({@link EndDecision}).
 */
final class SingleJobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  private final String node;
  private final JobTable table;
  private final Clock clock;
  private final WorkerParts parts;
  private final ExecutorService finisher;

  SingleJobRunner(
      String node, JobTable table, Clock clock, WorkerParts parts, ExecutorService finisher) {
    this.node = node;
    this.table = table;
    this.clock = clock;
    this.parts = parts;
    this.finisher = finisher;
  }

  /** Starts and runs a job the gate admitted; its end is recorded on the finisher's threads. */
  void start(JobRecord dispatched) {
    DispatchGate gate = parts.gate();
    RunningJobs running = parts.running();
    JobLauncher launcher = parts.launcher();
    JobId id = dispatched.id();
    int attempt = dispatched.attempt();
    long startedAtMillis = clock.millis();
    UpdateResult started = recordStart(dispatched, startedAtMillis);
    if (!started.applied() && !startedByThisCall(started.record(), dispatched)) {
      LOG.debug("job {} attempt {} not started: {}", id, attempt, started.refusal());
      gate.forget(id, attempt);
      return;
    }
    parts.metrics().started(dispatched, startedAtMillis);
    String away = gate.outOfGrid();
    if (away != null) { // went out of the grid while the start was being recorded
      parts.handBacks().handBack(dispatched, away);
      gate.forget(id, attempt);
      return;
    }
    Path scratch = launcher.scratchOf(dispatched);
    long startedAt = System.nanoTime();
    RunningJob job;
    try {
      job = launcher.launch(dispatched, scratch);
    } catch (RuntimeException e) {
      // A job that cannot even be handed to the runner ends FAILED with the cause; it must not
      // stay RUNNING, and it must not hurt the node.
      finish(dispatched, null, e, startedAt);
      gate.forget(id, attempt);
      return;
    }
    RunningJobs.Entry entry = running.add(id, attempt, job);
    long session = job.pid(); // tracked by the runner as it started (see GridNode)
    if (running.takeCancel(id, attempt)) {
      job.cancel();
    }
    job.result()
        .whenCompleteAsync(
            (result, error) -> {
              // The process is gone: its session id must leave the watcher's list before it can be
              // reused by another process.
              parts.orphans().untrack(session);
              try {
                finish(dispatched, result, error, startedAt);
              } finally {
                running.remove(id, entry);
                gate.forget(id, attempt);
                launcher.deleteScratch(dispatched, scratch);
              }
            },
            finisher);
  }

  /**
   * Records the start, trying again if the grid is briefly unavailable; after a failed call the
   * record tells whether it applied.
   */
  private UpdateResult recordStart(JobRecord dispatched, long atMillis) {
    JobId id = dispatched.id();
    return parts
        .retrying()
        .patiently(
            () -> table.update(id, new JobCommand.Start(node, dispatched.attempt(), atMillis)),
            (n, e) ->
                LOG.warn(
                    "recording the start of job {} failed (try {} of {})",
                    id,
                    n,
                    RetryingWrite.TRIES,
                    e),
            e -> {
              JobRecord now = table.get(id).orElse(null);
              return now == null || now.state() != JobState.DISPATCHED
                  ? UpdateResult.refusedAs(now, "start failed: " + e)
                  : null;
            },
            last -> UpdateResult.refusedAs(null, "start failed: " + last));
  }

  /**
   * A refused start whose record shows this very attempt running here, for this worker process: the
   * write was applied but its answer was lost (Hazelcast retried it, or the call failed after
   * applying). Only this worker starts its attempts, once each (the gate's {@code startedHere}), so
   * it is ours to run.
   */
  private static boolean startedByThisCall(JobRecord now, JobRecord dispatched) {
    return now != null
        && now.state() == JobState.RUNNING
        && now.attempt() == dispatched.attempt()
        && Objects.equals(now.workerId(), dispatched.workerId());
  }

  /** What the job's end comes to ({@link EndDecision}): recorded, handed back, or nothing. */
  private void finish(JobRecord job, RunResult result, Throwable error, long startedAt) {
    DispatchGate gate = parts.gate();
    // The fence is asked only about a run that did not succeed: the only one it can change.
    boolean fenced =
        parts.running().stoppedByFence(job.id(), job.attempt())
            || (!EndDecision.succeeded(result) && gate.fence().fencedSince(startedAt));
    switch (EndDecision.decide(
        EndDecision.Kind.JOB,
        gate.node(),
        result,
        error != null,
        fenced,
        job,
        parts.cancelRequested())) {
      case WRITE_NOTHING -> {
        return; // a simulated crash writes nothing, as a killed process would not
      }
      case HAND_BACK_STOPPED -> {
        parts.handBacks().handBack(job, "node " + node + " stopped");
        return;
      }
      case HAND_BACK_FENCED -> {
        // A cancel the user asked for still wins (Release ends it CANCELLED).
        parts.handBacks().handBack(job, "node " + node + " was frozen or cut off from the grid");
        return;
      }
      case RECORD_END -> {}
    }
    try {
      writeFinish(job, parts.outputs().endOf(job, result, error));
    } catch (RuntimeException e) {
      LOG.error(
          "job {} attempt {} ended but its end could not be recorded", job.id(), job.attempt(), e);
    }
  }

  /** Records the end, a few times if the grid is briefly unavailable (a migration). */
  private void writeFinish(JobRecord job, JobCommand.Finish end) {
    UpdateResult u =
        parts
            .retrying()
            .eagerly(
                () -> table.update(job.id(), end),
                (n, e) -> LOG.warn("recording the end of job {} failed, trying again", job.id(), e),
                last -> {
                  throw last;
                });
    if (u.applied() && u.record() != null && u.record().state().isTerminal()) {
      parts.metrics().ended(u.record().state());
    }
    if (!u.applied()) {
      LOG.warn(
          "job {} attempt {} ended {} but the grid had moved on: {}",
          job.id(),
          job.attempt(),
          end.outcome(),
          u.refusal());
    }
  }
}
