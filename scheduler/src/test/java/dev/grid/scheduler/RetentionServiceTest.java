package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun.Outcome;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.FreePorts;
import dev.grid.storage.BlobMapStore;
import dev.grid.storage.InMemoryBlobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sweep against a real one-member map, with a clock the test moves. */
class RetentionServiceTest {
  private static final long EPOCH = 7;
  private static final RetentionPolicy POLICY =
      RetentionPolicy.defaults()
          .withMaxAge(Duration.ofHours(1))
          .withKeepRuns(2)
          .withSweepEvery(Duration.ofHours(1));

  private final MovableClock clock = new MovableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final AtomicBoolean primary = new AtomicBoolean(true);
  private HazelcastInstance hz;
  private InMemoryBlobStore blobs;
  private JobTable jobs;
  private ScheduleTable schedules;
  private RetentionService retention;

  @BeforeEach
  void start() throws Exception {
    int port = FreePorts.one();
    hz =
        Hazelcast.newHazelcastInstance(
            new ClusterSettings(
                    "retention-" + UUID.randomUUID(),
                    "n1",
                    "127.0.0.1",
                    port,
                    List.of(),
                    7,
                    SchedulerTypes.kryoClasses())
                .toConfig());
    blobs = new InMemoryBlobStore();
    // The jobs and schedules maps are persisted through the member's blob store.
    hz.getUserContext().put(BlobMapStore.CONTEXT_KEY, blobs);
    jobs = new JobTable(hz, clock);
    schedules = new ScheduleTable(hz, jobs, clock);
    retention =
        new RetentionService(
            jobs, schedules, blobs, "out/", POLICY, clock, e -> primary.get() && e == EPOCH);
    retention.activate(EPOCH);
  }

  @AfterEach
  void stop() {
    retention.close();
    hz.shutdown();
  }

  /** A job cancelled while queued (so ended now), with output as a worker would leave it. */
  private JobId endedWithOutput() {
    JobId id = jobs.submit(JobSpec.command("true"));
    assertThat(jobs.cancel(id).record().state()).isEqualTo(JobState.CANCELLED);
    blobs.put("out/" + id.value() + "/1/stdout", new byte[] {1});
    blobs.put("out/" + id.value() + "/1/exit", new byte[] {2});
    return id;
  }

  @Test
  void an_ended_job_older_than_the_age_goes_with_its_output_and_unended_ones_stay() {
    JobId ended = endedWithOutput();
    JobId queued = jobs.submit(JobSpec.command("true"));
    blobs.put("out/" + ended.value() + "0/1/stdout", new byte[] {3}); // a job whose id extends it

    clock.advance(Duration.ofHours(1));
    retention.sweep(EPOCH);
    assertThat(jobs.get(ended)).as("exactly the age: kept").isPresent();

    clock.advance(Duration.ofMillis(1));
    clock.advance(Duration.ofDays(30));
    RetentionService.Result result = retention.sweep(EPOCH);

    assertThat(jobs.get(ended)).isEmpty();
    assertThat(blobs.list("out/" + ended.value() + "/")).isEmpty();
    assertThat(blobs.list("out/" + ended.value() + "0/")).hasSize(1);
    assertThat(jobs.get(queued)).isPresent();
    assertThat(result).isEqualTo(new RetentionService.Result(1, 2, 0));
    assertThat(retention.sweep(EPOCH))
        .as("a second sweep finds nothing")
        .isEqualTo(RetentionService.Result.NOTHING);
  }

  @Test
  void a_node_that_no_longer_holds_the_lease_deletes_nothing() {
    JobId ended = endedWithOutput();
    clock.advance(Duration.ofDays(1));
    primary.set(false);

    assertThat(retention.sweep(EPOCH)).isEqualTo(RetentionService.Result.NOTHING);
    retention.deactivate();
    primary.set(true);
    assertThat(retention.sweep(EPOCH)).isEqualTo(RetentionService.Result.NOTHING);
    assertThat(jobs.get(ended)).isPresent();
    assertThat(blobs.list("out/" + ended.value() + "/")).hasSize(2);
  }

  @Test
  void a_schedule_keeps_its_newest_runs_and_the_records_of_older_ones_go() {
    ScheduleSpec spec = ScheduleSpec.of("tick", "@every 1s", JobSpec.command("true"));
    schedules.add(spec);
    long t0 = clock.millis();
    JobId last = null;
    for (int i = 1; i <= 4; i++) {
      long due = t0 + i * 1000L;
      last = new CronFire("tick", due).jobId();
      jobs.submitIfAbsent(last, spec.job());
      jobs.cancel(last);
      schedules.recordRun(new ScheduleRunRecord("tick", due, Outcome.STARTED, last, null));
      schedules.advance("tick", due, last, EPOCH);
    }
    schedules.recordRun(new ScheduleRunRecord("tick", t0 + 5000, Outcome.MISSED, null, "x"));
    schedules.advance("tick", t0 + 5000, null, EPOCH);

    retention.sweep(EPOCH);

    assertThat(schedules.runs("tick").orElseThrow())
        .extracting(r -> r.fireTimeMillis() - t0)
        .containsExactly(4000L, 5000L);
    assertThat(jobs.get(new CronFire("tick", t0 + 3000).jobId())).isEmpty();
    assertThat(jobs.get(last)).isPresent();
  }

  /** A clock the test moves. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
