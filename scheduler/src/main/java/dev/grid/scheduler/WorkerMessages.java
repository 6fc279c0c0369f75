package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.grid.api.JobId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Messages to a node's worker, carried by the grid's message executor. */
final class WorkerMessages {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerMessages.class);

  private WorkerMessages() {}

  static WorkerEndpoint endpoint(HazelcastInstance hz) {
    WorkerEndpoint worker = (WorkerEndpoint) hz.getUserContext().get(WorkerEndpoint.CONTEXT_KEY);
    if (worker == null) {
      LOG.warn("a worker message arrived before this node's worker started; dropped");
    }
    return worker;
  }

  /** "Run this job": the record as dispatched, and the dispatching primary's epoch. */
  static final class Run implements Runnable, HazelcastInstanceAware {
    private final JobRecord record;
    private final long epoch;
    private transient HazelcastInstance hz;

    Run(JobRecord record, long epoch) {
      this.record = record;
      this.epoch = epoch;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
      this.hz = instance;
    }

    @Override
    public void run() {
      WorkerEndpoint worker = endpoint(hz);
      if (worker != null) {
        worker.run(record, epoch);
      }
    }
  }

  /** "Kill this attempt of this job". */
  static final class Cancel implements Runnable, HazelcastInstanceAware {
    private final JobId id;
    private final int attempt;
    private transient HazelcastInstance hz;

    Cancel(JobId id, int attempt) {
      this.id = id;
      this.attempt = attempt;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
      this.hz = instance;
    }

    @Override
    public void run() {
      WorkerEndpoint worker = endpoint(hz);
      if (worker != null) {
        worker.cancel(id, attempt);
      }
    }
  }
}
