package dev.grid.bench.scale;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobUpdate;
import dev.grid.scheduler.KryoSerializer;
import dev.grid.scheduler.SchedulerTypes;
import dev.grid.scheduler.TaskBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * What the grid's records weigh on the wire: a job's record and a block of tasks, queued and ended,
 * serialized by the Kryo the nodes register ({@link SchedulerTypes#kryoClasses}), as a backup, an
 * event or the blob store carries them.
 *
 * @param queuedJob a queued job's record (a short shell command, a queue, a priority, CPUs)
 * @param endedJob the same job once it ran (dispatched, started, succeeded: four history events)
 * @param queuedBlock a block of {@value TaskBlock#SIZE} queued tasks
 * @param endedBlock the same block once every task ran
 */
public record RecordSizes(int queuedJob, int endedJob, int queuedBlock, int endedBlock) {
  /** Measures the records of a typical job of {@link ScaleWorkload} and a full block. */
  public static RecordSizes measure() {
    Kryo kryo = KryoSerializer.newKryo(SchedulerTypes.kryoClasses());
    long at = ScaleWorkload.START_MILLIS;
    JobSpec spec =
        JobSpec.command("sh", "-c", "exit 0")
            .withScheduling(
                new Scheduling(null, 10, false, "etl", null, false, new Resources(2, 2L << 30)));
    JobRecord queued = JobRecord.queued(JobId.of("job-123456"), spec, at);
    JobRecord ended =
        JobUpdate.apply(queued, new JobCommand.Dispatch(7, "n00042", uuid(), at)).record();
    ended = JobUpdate.apply(ended, new JobCommand.Start("n00042", 1, at + 5)).record();
    ended =
        JobUpdate.apply(
                ended,
                new JobCommand.Finish(
                    "n00042", 1, JobState.SUCCEEDED, 0, null, 0, 0, false, at + 900))
            .record();

    JobSpec arraySpec = JobSpec.command("true").withArray(ArraySpec.parse("0-255"));
    TaskBlock block = TaskBlock.created(JobId.of("array-0"), arraySpec, at).get(0);
    int[] slots = new int[TaskBlock.SIZE];
    int[] attempts = new int[TaskBlock.SIZE];
    List<BlockCommand.Ended> ends = new ArrayList<>();
    for (int i = 0; i < slots.length; i++) {
      slots[i] = i;
      attempts[i] = 1;
      ends.add(
          new BlockCommand.Ended(i, 1, JobState.SUCCEEDED, 0, null, at + 5, at + 30, 0, 0, false));
    }
    TaskBlock done =
        BlockUpdate.apply(block, new BlockCommand.Dispatch(7, "n00042", uuid(), slots, at)).block();
    done =
        BlockUpdate.apply(done, new BlockCommand.Start("n00042", slots, attempts, at + 5)).block();
    done = BlockUpdate.apply(done, new BlockCommand.Finish("n00042", ends, at + 30)).block();
    return new RecordSizes(
        size(kryo, queued), size(kryo, ended), size(kryo, block), size(kryo, done));
  }

  /** A member id as Hazelcast writes them. */
  private static String uuid() {
    return "3f2c8a4e-1b6d-4c1e-9f3a-5d7e8b9c0a1f";
  }

  private static int size(Kryo kryo, Object o) {
    Output out = new Output(256, -1);
    kryo.writeClassAndObject(out, o);
    return out.toBytes().length;
  }
}
