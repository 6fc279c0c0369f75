package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Messages to a node's worker, carried by the grid's message executor. */
final class WorkerMessages {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerMessages.class);

  private WorkerMessages() {}

  /** A message that, run on the receiving member, is handed to that node's worker. */
  abstract static class ToWorker implements Runnable, HazelcastInstanceAware {
    private transient HazelcastInstance hz;

    @Override
    public final void setHazelcastInstance(HazelcastInstance instance) {
      this.hz = instance;
    }

    @Override
    public final void run() {
      WorkerEndpoint worker = (WorkerEndpoint) hz.getUserContext().get(WorkerEndpoint.CONTEXT_KEY);
      if (worker == null) {
        LOG.warn("a worker message arrived before this node's worker started; dropped");
      } else {
        deliver(worker);
      }
    }

    abstract void deliver(WorkerEndpoint worker);
  }

  /** "Run this job": the record as dispatched, and the dispatching primary's epoch. */
  static final class Run extends ToWorker {
    private final JobRecord record;
    private final long epoch;

    Run(JobRecord record, long epoch) {
      this.record = record;
      this.epoch = epoch;
    }

    @Override
    void deliver(WorkerEndpoint worker) {
      worker.run(record, epoch);
    }
  }

  /**
   * "Run these jobs": the records one dispatch pass gave this worker, and the dispatching primary's
   * epoch. One message per worker per pass rather than one per job.
   */
  static final class RunAll extends ToWorker {
    private final List<JobRecord> records;
    private final long epoch;

    RunAll(List<JobRecord> records, long epoch) {
      this.records = new ArrayList<>(records);
      this.epoch = epoch;
    }

    @Override
    void deliver(WorkerEndpoint worker) {
      for (JobRecord r : records) {
        worker.run(r, epoch);
      }
    }
  }

  /** "Run this slice of an array's tasks". */
  static final class RunSlice extends ToWorker {
    private final TaskSlice slice;

    RunSlice(TaskSlice slice) {
      this.slice = slice;
    }

    String workerId() {
      return slice.workerId();
    }

    @Override
    void deliver(WorkerEndpoint worker) {
      worker.runSlice(slice);
    }
  }

  /** "Kill this attempt of this job". */
  static final class Cancel extends ToWorker {
    private final JobId id;
    private final int attempt;

    Cancel(JobId id, int attempt) {
      this.id = id;
      this.attempt = attempt;
    }

    @Override
    void deliver(WorkerEndpoint worker) {
      worker.cancel(id, attempt);
    }
  }
}
