package dev.grid.bench.peers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * db-scheduler: one-time tasks in its {@code scheduled_tasks} table, picked by polling.
 *
 * <p>Settings, as a user after throughput would set them: {@code threads(4)}; {@code
 * pollingInterval(100 ms)} (the default is 10 s: a task scheduled from another process waits for
 * the next poll, so the interval bounds the pick-up latency); {@code pollUsingLockAndFetch(0.5,
 * 1.0)}, the strategy db-scheduler recommends on PostgreSQL ({@code SELECT ... FOR UPDATE SKIP
 * LOCKED}: a node locks and fetches up to one batch of 4 executions in one statement, and fetches
 * again when fewer than 2 are left). The client is a {@link SchedulerClient}, scheduling each task
 * instance for now.
 */
final class DbSchedulerPeer implements Peer {
  static final Duration POLLING_INTERVAL = Duration.ofMillis(100);

  private static final OneTimeTask<Void> NO_OP =
      Tasks.oneTime("bench-no-op").execute((instance, context) -> RanCounter.run(Workload.NO_OP));
  private static final OneTimeTask<Void> SHELL =
      Tasks.oneTime("bench-shell").execute((instance, context) -> RanCounter.run(Workload.SHELL));

  /** db-scheduler's PostgreSQL table, as its documentation gives it (version 16). */
  private static final String[] SCHEMA = {
    "create table scheduled_tasks (task_name text not null, task_instance text not null,"
        + " task_data bytea, execution_time timestamp with time zone not null,"
        + " picked boolean not null, picked_by text, last_success timestamp with time zone,"
        + " last_failure timestamp with time zone, consecutive_failures int,"
        + " last_heartbeat timestamp with time zone, version bigint not null, priority smallint,"
        + " primary key (task_name, task_instance))",
    "create index execution_time_idx on scheduled_tasks (execution_time)",
    "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
    "create index priority_execution_time_idx on scheduled_tasks (priority desc,"
        + " execution_time asc)"
  };

  @Override
  public String name() {
    return "db-scheduler";
  }

  @Override
  public void createSchema(DataSource db) throws SQLException {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : SCHEMA) {
        s.execute(sql);
      }
    }
  }

  @Override
  public Node startNode(DataSource db, String jdbcUrl, String nodeName, int threads) {
    Scheduler scheduler =
        Scheduler.create(db, NO_OP, SHELL)
            .schedulerName(new SchedulerName.Fixed(nodeName))
            .threads(threads)
            .pollingInterval(POLLING_INTERVAL)
            .pollUsingLockAndFetch(0.5, 1.0)
            .build();
    scheduler.start();
    return scheduler::stop;
  }

  @Override
  public Submitter client(DataSource db, String jdbcUrl) {
    SchedulerClient client = SchedulerClient.Builder.create(db, NO_OP, SHELL).build();
    return new Submitter() {
      @Override
      public void submit(Workload workload, long sequence) {
        OneTimeTask<Void> task = workload == Workload.NO_OP ? NO_OP : SHELL;
        client.schedule(task.instance("job-" + sequence), Instant.now());
      }

      @Override
      public void close() {
        // a SchedulerClient holds nothing but the data source, closed by the caller
      }
    };
  }
}
