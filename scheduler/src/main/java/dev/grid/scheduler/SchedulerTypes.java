package dev.grid.scheduler;

import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.JavaTask;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import dev.grid.api.Usage;
import java.util.List;

/** The classes of this module that travel through Hazelcast, in a fixed order (see Kryo ids). */
public final class SchedulerTypes {
  private SchedulerTypes() {}

  public static List<Class<?>> kryoClasses() {
    return List.of(
        JobId.class,
        JobSpec.class,
        JobState.class,
        JobEvent.class,
        JobRecord.class,
        JobCommand.Dispatch.class,
        JobCommand.Start.class,
        JobCommand.Finish.class,
        JobCommand.Reclaim.class,
        JobCommand.Cancel.class,
        JobUpdateProcessor.class,
        UpdateResult.class,
        JobTable.InStates.class,
        WorkerMessages.Run.class,
        WorkerMessages.Cancel.class,
        NodeRecord.class,
        ScheduleSpec.class,
        MisfirePolicy.class,
        OverlapPolicy.class,
        ScheduleRecord.class,
        ScheduleUpdate.Advance.class,
        ScheduleUpdate.SetPaused.class,
        ScheduleRunRecord.class,
        ScheduleRun.Outcome.class,
        ScheduleTable.RunsOf.class,
        JobCommand.Release.class,
        JobSummary.class,
        JobSummary.Of.class,
        JobTable.ForgetEnded.class,
        JavaTask.class,
        ArraySpec.class,
        Dependencies.class,
        JobCommand.Resolve.class,
        JobTable.ForgetArray.class,
        TaskBlock.class,
        WorkerMessages.RunAll.class,
        BlockCommand.Dispatch.class,
        BlockCommand.Start.class,
        BlockCommand.Finish.class,
        BlockCommand.Ended.class,
        BlockCommand.Reclaim.class,
        BlockCommand.Release.class,
        BlockCommand.Resolve.class,
        BlockCommand.Cancel.class,
        BlockUpdate.Result.class,
        BlockUpdate.Processor.class,
        JobTable.BlocksOf.class,
        JobTable.BlockCounts.class,
        JobTable.BlockSummaries.class,
        JobTable.Unfinished.class,
        WorkerMessages.RunSlice.class,
        TaskSlice.class,
        JobIds.NextNonce.class,
        JobPosition.class,
        JobTable.FirstAfter.class,
        RetryOn.class,
        Backoff.class,
        Scheduling.class,
        JobCommand.Hold.class,
        JobCommand.Unhold.class,
        QueueRecord.class,
        Resources.class,
        Usage.class,
        JobReport.Row.class,
        JobTable.ReportSums.class,
        BlockCommand.RetryRule.class,
        JobTable.TaskReportSums.class,
        DrainRecord.class,
        DrainCount.class);
  }
}
