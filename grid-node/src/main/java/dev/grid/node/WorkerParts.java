package dev.grid.node;

import dev.grid.scheduler.JobRecord;
import java.util.function.Predicate;

/**
 * The parts a worker is made of, shared by its single-job and slice runners.
 *
 * @param cancelRequested whether the user asked to cancel the job (a read of its record)
 */
record WorkerParts(
    DispatchGate gate,
    RunningJobs running,
    JobLauncher launcher,
    OutputWriter outputs,
    HandBacks handBacks,
    BlockEndWriter ends,
    OrphanGuard orphans,
    RetryingWrite retrying,
    Predicate<JobRecord> cancelRequested,
    WorkerMetrics metrics) {}
