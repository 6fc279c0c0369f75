package dev.grid.bench.peers;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import java.time.Duration;
import javax.sql.DataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.storage.StorageProviderUtils.DatabaseOptions;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * JobRunr (open-source edition) on its {@link PostgresStorageProvider}: each job is a static method
 * call enqueued as a lambda; each node is a background job server.
 *
 * <p>Settings: 4 workers; a poll interval of 5 s, the smallest JobRunr accepts on a SQL database
 * (it refuses less: "otherwise it will cause too much load"); between polls a server fetches more
 * enqueued jobs whenever a worker falls idle. The tables are made by the storage provider of the
 * first client ({@link DatabaseOptions#CREATE}), before the nodes start, which skip it. The client
 * is JobRunr's {@link JobScheduler} without a server; no dashboard.
 */
public final class JobRunrPeer implements Peer {
  static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

  /** The no-op job, as JobRunr calls it. */
  public static void noOp() {
    RanCounter.run(Workload.NO_OP);
  }

  /** The shell job, as JobRunr calls it. */
  public static void shell() {
    RanCounter.run(Workload.SHELL);
  }

  @Override
  public String name() {
    return "JobRunr";
  }

  @Override
  public void createSchema(DataSource db) {
    new PostgresStorageProvider(db, DatabaseOptions.CREATE).close();
  }

  @Override
  public Node startNode(DataSource db, String jdbcUrl, String nodeName, int threads) {
    JobRunr.configure()
        .useStorageProvider(new PostgresStorageProvider(db, DatabaseOptions.SKIP_CREATE))
        .useBackgroundJobServer(
            usingStandardBackgroundJobServerConfiguration()
                .andName(nodeName)
                .andWorkerCount(threads)
                .andPollInterval(POLL_INTERVAL))
        .initialize();
    return JobRunr::destroy;
  }

  @Override
  public Submitter client(DataSource db, String jdbcUrl) {
    JobScheduler scheduler =
        JobRunr.configure()
            .useStorageProvider(new PostgresStorageProvider(db, DatabaseOptions.SKIP_CREATE))
            .initialize()
            .getJobScheduler();
    return new Submitter() {
      @Override
      public void submit(Workload workload, long sequence) {
        if (workload == Workload.NO_OP) {
          scheduler.enqueue(() -> JobRunrPeer.noOp());
        } else {
          scheduler.enqueue(() -> JobRunrPeer.shell());
        }
      }

      @Override
      public void close() {
        JobRunr.destroy();
      }
    };
  }
}
