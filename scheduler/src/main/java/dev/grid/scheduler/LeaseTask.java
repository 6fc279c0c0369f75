package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.grid.scheduler.lease.LeaseMessage;

/**
 * One lease message on its way to a member, as a task on {@link ClusterSettings#MESSAGE_EXECUTOR}.
 * On arrival it only hands the message to that member's {@link PrimaryLease}, found in the member's
 * user context, so it never holds an executor thread. It carries the sender's voter set: a member
 * started with another set numbers the voters otherwise, and its message is dropped.
 */
final class LeaseTask implements Runnable, HazelcastInstanceAware {
  private LeaseMessage message;
  private String voters;
  private transient HazelcastInstance hazelcast;

  @SuppressWarnings("unused") // for Kryo
  private LeaseTask() {}

  LeaseTask(LeaseMessage message, String voters) {
    this.message = message;
    this.voters = voters;
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
      lease.deliver(message, voters);
    }
  }

  @Override
  public String toString() {
    return "LeaseTask[" + message + " from voters " + voters + "]";
  }
}
