package dev.grid.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import javax.sql.DataSource;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Quartz with its JDBC job store, clustered: each job is a non-durable {@code JobDetail} with one
 * fire-now trigger; the three nodes share the triggers through the {@code QRTZ_} tables and
 * Quartz's row locks.
 *
 * <p>Settings, as the Quartz documentation advises for a cluster after throughput: {@code
 * JobStoreTX} with the {@code PostgreSQLDelegate}, {@code isClustered=true} (check-in every 7.5 s,
 * the default); 4 threads; {@code batchTriggerAcquisitionMaxCount=4} (a node acquires up to as many
 * triggers as it has threads in one pass) with {@code acquireTriggersWithinLock=true} (required
 * with batches above 1); {@code idleWaitTime=1000} ms, the smallest Quartz allows (a node that
 * found nothing waits that long; the default is 30 s); a HikariCP pool of threads + 3 connections,
 * Quartz's own pooling provider. The client is a scheduler on the same store that is never started:
 * it only writes jobs and triggers.
 */
public final class QuartzPeer implements Peer {
  static final int IDLE_WAIT_MILLIS = 1000;

  /** The no-op job; public with a public constructor, as Quartz instantiates it. */
  public static final class NoOpJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      RanCounter.run(Workload.NO_OP);
    }
  }

  /** The shell job. */
  public static final class ShellJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      RanCounter.run(Workload.SHELL);
    }
  }

  @Override
  public String name() {
    return "Quartz";
  }

  /** Quartz's own script for PostgreSQL, from its jar, statement by statement. */
  @Override
  public void createSchema(DataSource db) throws SQLException {
    String script;
    try (InputStream in =
        Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
      if (in == null) {
        throw new IllegalStateException("Quartz's tables_postgres.sql is not in its jar");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Quartz's tables_postgres.sql", e);
    }
    StringBuilder code = new StringBuilder();
    for (String line : script.split("\n")) {
      if (!line.strip().startsWith("--")) {
        code.append(line).append('\n');
      }
    }
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : code.toString().split(";")) {
        if (!sql.isBlank() && !sql.strip().equalsIgnoreCase("commit")) {
          s.execute(sql);
        }
      }
    }
  }

  static Properties settings(String jdbcUrl, String instanceId, int threads) {
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "bench");
    p.setProperty("org.quartz.scheduler.instanceId", instanceId);
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.scheduler.idleWaitTime", Integer.toString(IDLE_WAIT_MILLIS));
    p.setProperty(
        "org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(threads));
    p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
    p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
    p.setProperty(
        "org.quartz.jobStore.driverDelegateClass",
        "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
    p.setProperty("org.quartz.jobStore.dataSource", "pg");
    p.setProperty("org.quartz.jobStore.isClustered", "true");
    p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
    p.setProperty("org.quartz.dataSource.pg.provider", "hikaricp");
    p.setProperty("org.quartz.dataSource.pg.driver", "org.postgresql.Driver");
    p.setProperty("org.quartz.dataSource.pg.URL", jdbcUrl);
    p.setProperty("org.quartz.dataSource.pg.user", Postgres.USER);
    p.setProperty("org.quartz.dataSource.pg.password", "");
    p.setProperty("org.quartz.dataSource.pg.maxConnections", Integer.toString(threads + 3));
    return p;
  }

  @Override
  public Node startNode(DataSource db, String jdbcUrl, String nodeName, int threads) {
    try {
      Scheduler scheduler =
          new StdSchedulerFactory(settings(jdbcUrl, nodeName, threads)).getScheduler();
      scheduler.start();
      return () -> shutdown(scheduler);
    } catch (SchedulerException e) {
      throw new IllegalStateException("Quartz node " + nodeName + " did not start: " + e, e);
    }
  }

  @Override
  public Submitter client(DataSource db, String jdbcUrl) {
    Scheduler scheduler;
    try {
      scheduler = new StdSchedulerFactory(settings(jdbcUrl, "bench-client", 1)).getScheduler();
    } catch (SchedulerException e) {
      throw new IllegalStateException("Quartz's client scheduler did not start: " + e, e);
    }
    return new Submitter() {
      @Override
      public void submit(Workload workload, long sequence) {
        Class<? extends Job> type = workload == Workload.NO_OP ? NoOpJob.class : ShellJob.class;
        try {
          scheduler.scheduleJob(
              JobBuilder.newJob(type).withIdentity("job-" + sequence, "bench").build(),
              TriggerBuilder.newTrigger()
                  .withIdentity("fire-" + sequence, "bench")
                  .startNow()
                  .build());
        } catch (SchedulerException e) {
          throw new IllegalStateException("Quartz refused job " + sequence + ": " + e, e);
        }
      }

      @Override
      public void close() {
        shutdown(scheduler);
      }
    };
  }

  private static void shutdown(Scheduler scheduler) {
    try {
      scheduler.shutdown(true);
    } catch (SchedulerException e) {
      throw new IllegalStateException("Quartz did not shut down: " + e, e);
    }
  }
}
