package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.grid.scheduler.lease.LeaseMessage;

/**
 * One lease message on its way to a member, as a task on {@link ClusterSettings#MESSAGE_EXECUTOR}.
 * On arrival it only hands the message to that member's {@link PrimaryLease}, found in the member's
 * user context, so it never holds an executor thread.
 */
final class LeaseTask implements Runnable, HazelcastInstanceAware {
  private LeaseMessage message;
  private transient HazelcastInstance hazelcast;

  @SuppressWarnings("unused") // for Kryo
  private LeaseTask() {}

  LeaseTask(LeaseMessage message) {
    this.message = message;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  @Override
  public void run() {
    if (hazelcast != null
        && hazelcast.getUserContext().get(PrimaryLease.USER_CONTEXT_KEY)
            instanceof PrimaryLease lease) {
      lease.deliver(message);
    }
  }

  @Override
  public String toString() {
    return "LeaseTask[" + message + "]";
  }
}
