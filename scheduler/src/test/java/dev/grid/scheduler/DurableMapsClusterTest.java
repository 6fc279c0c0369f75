package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import dev.grid.api.ArraySpec;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.launch.FreePorts;
import dev.grid.storage.BlobMapStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two members persisting the grid's maps into a store that outlives them, stopped together and
 * started again: what was accepted comes back, once, and only after the store is restored.
 */
class DurableMapsClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final RestorableMemoryStore store = new RestorableMemoryStore();
  private final List<HazelcastInstance> members = new CopyOnWriteArrayList<>();
  private final Clock clock = Clock.systemUTC();

  @AfterEach
  void stopAll() {
    members.forEach(m -> m.getLifecycleService().terminate());
  }

  /** A cluster of {@code n} members sharing the store. */
  private List<HazelcastInstance> startCluster(int n) {
    String cluster = "durable-" + UUID.randomUUID();
    List<String> addresses = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ports.add(freePort());
      addresses.add("127.0.0.1:" + ports.get(i));
    }
    // The first member lists only itself and forms the cluster at once; the others, started
    // together after it, list every member and join it. Started all together, they asked each
    // other for a master for a second before one claimed the role.
    List<HazelcastInstance> started = new ArrayList<>();
    started.add(
        Hazelcast.newHazelcastInstance(config(cluster, 0, ports, List.of(addresses.get(0)))));
    members.add(started.get(0));
    List<CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      Config config = config(cluster, i, ports, addresses);
      starting.add(CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(config)));
    }
    starting.forEach(s -> started.add(s.join()));
    members.addAll(started.subList(1, started.size()));
    return started;
  }

  private Config config(String cluster, int i, List<Integer> ports, List<String> join) {
    Config config =
        new ClusterSettings(
                cluster, "m" + i, "127.0.0.1", ports.get(i), join, 7, SchedulerTypes.kryoClasses())
            .toConfig();
    ConcurrentHashMap<String, Object> context = new ConcurrentHashMap<>();
    context.put(BlobMapStore.CONTEXT_KEY, store);
    config.setUserContext(context);
    return config;
  }

  private void stopGracefully(List<HazelcastInstance> cluster) {
    cluster.forEach(m -> new DurableMaps(m, clock).flush(WAIT));
    cluster.forEach(HazelcastInstance::shutdown);
  }

  @Test
  void when_the_jobs_are_read_a_page_at_a_time_then_every_member_gives_its_share_in_order() {
    List<HazelcastInstance> cluster = startCluster(2);
    JobTable onFirst = new JobTable(cluster.get(0), clock);
    JobTable onSecond = new JobTable(cluster.get(1), clock);
    List<JobId> cancelled = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      JobId id = (i % 2 == 0 ? onFirst : onSecond).submit(JobSpec.command("true"));
      if (i % 3 == 0) {
        onFirst.cancel(id);
        cancelled.add(id);
      }
    }
    JobId array = onFirst.submit(JobSpec.command("true").withArray(ArraySpec.parse("0-9,300")));
    List<JobRecord> all = new ArrayList<>(onFirst.map().values());
    all.sort(Comparator.comparing(JobPosition::of));

    List<JobRecord> walked = new ArrayList<>();
    JobPosition from = null;
    while (true) {
      List<JobRecord> page = onSecond.firstAfter(from, JobFilter.ALL, 7);
      walked.addAll(page);
      if (page.size() < 7) {
        break;
      }
      from = JobPosition.of(page.get(page.size() - 1));
    }

    assertThat(walked)
        .extracting(JobRecord::id)
        .hasSize(41)
        .containsExactlyElementsOf(all.stream().map(JobRecord::id).toList());
    assertThat(onFirst.firstAfter(null, JobFilter.ALL.inState(JobState.CANCELLED), 100))
        .as("in the state asked for, and every array (its state depends on its tasks)")
        .extracting(JobRecord::id)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.Stream.concat(cancelled.stream(), java.util.stream.Stream.of(array))
                .toList());
    JobRecord arrayRecord = onFirst.get(array).orElseThrow();
    assertThat(onSecond.blocksOf(List.of(arrayRecord)).get(array))
        .extracting(TaskBlock::block)
        .containsExactly(0, 1);
  }

  @Test
  void a_submit_reads_nothing_from_the_store_and_each_node_draws_its_own_nonce() {
    List<HazelcastInstance> cluster = startCluster(2);
    JobTable onFirst = new JobTable(cluster.get(0), clock);
    JobTable onSecond = new JobTable(cluster.get(1), clock);
    int readsBefore = store.reads.get();
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(onFirst.submit(JobSpec.command("true")));
      ids.add(onSecond.submit(JobSpec.command("true")));
    }
    ids.add(onFirst.submit(JobSpec.command("true").withArray(ArraySpec.parse("0-299"))));

    assertThat(store.reads.get()).as("store reads by submits").isEqualTo(readsBefore);
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(onFirst.map().keySet()).containsAll(ids);
    assertThat(JobIds.drawn(cluster.get(0)).nonce())
        .as("a third draw")
        .isNotEqualTo(JobIds.drawn(cluster.get(1)).nonce());
  }

  @Test
  void when_a_node_creates_a_job_then_its_own_dispatcher_hears_of_it_once_and_the_other_not() {
    List<HazelcastInstance> cluster = startCluster(2);
    JobTable onFirst = new JobTable(cluster.get(0), clock);
    JobTable onSecond = new JobTable(cluster.get(1), clock);
    List<JobRecord> heardFirst = new ArrayList<>();
    List<JobRecord> heardSecond = new ArrayList<>();
    onFirst.onCreatedHere(heardFirst::add);
    onSecond.onCreatedHere(heardSecond::add);

    JobId submitted = onFirst.submit(JobSpec.command("true"));
    JobId fired = JobId.of("cron-nightly-1");
    assertThat(onFirst.submitIfAbsent(fired, JobSpec.command("true"))).isTrue();
    assertThat(onFirst.submitIfAbsent(fired, JobSpec.command("true")))
        .as("the same fire again")
        .isFalse();

    assertThat(heardFirst)
        .extracting(JobRecord::id)
        .as("each job once, as written")
        .containsExactly(submitted, fired);
    assertThat(heardFirst).allSatisfy(r -> assertThat(r.state()).isEqualTo(JobState.QUEUED));
    assertThat(heardFirst.get(0)).isEqualTo(onSecond.get(submitted).orElseThrow());
    assertThat(heardSecond).isEmpty();
  }

  @Test
  void when_the_cluster_stops_and_starts_again_then_every_entry_comes_back_once_restored() {
    List<HazelcastInstance> first = startCluster(2);
    JobTable jobs = new JobTable(first.get(0), clock);
    ScheduleTable schedules = new ScheduleTable(first.get(1), jobs, clock);
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(jobs.submit(JobSpec.command("echo", Integer.toString(i))));
    }
    jobs.update(ids.get(0), new JobCommand.Dispatch(3, "n1", UUID.randomUUID().toString(), 5));
    jobs.cancel(ids.get(1));
    schedules.add(ScheduleSpec.of("nightly", "0 30 2 * * ?", JobSpec.command("backup")));
    schedules.add(ScheduleSpec.of("gone", "@every 10s", JobSpec.command("true")));
    schedules.advance("nightly", 86_400_000L, JobId.of("cron.nightly.86400000"), 3);
    schedules.recordRun(
        new ScheduleRunRecord(
            "nightly",
            86_400_000L,
            ScheduleRun.Outcome.STARTED,
            JobId.of("cron.nightly.86400000"),
            null));
    schedules.delete("gone");
    Map<JobId, JobRecord> jobsBefore = new HashMap<>(jobs.map());
    Map<String, ScheduleRecord> schedulesBefore = new HashMap<>(schedules.map());
    Map<String, ScheduleRunRecord> runsBefore =
        new HashMap<>(first.get(0).<String, ScheduleRunRecord>getMap(ScheduleTable.RUNS_MAP));

    stopGracefully(first);

    assertThat(DurableMaps.jobsStore().over(store).keys()).hasSize(20);
    assertThat(store.list(DurableMaps.SCHEDULES_PREFIX))
        .containsExactly(DurableMaps.SCHEDULES_PREFIX + "nightly");
    assertThat(store.list(DurableMaps.RUNS_PREFIX))
        .containsExactly(DurableMaps.RUNS_PREFIX + "nightly_4086400000");

    store.restart();
    List<HazelcastInstance> second = startCluster(2);
    IMap<JobId, JobRecord> jobMap = second.get(1).getMap(ClusterSettings.JOBS_MAP);
    List<String> heardLoaded = new CopyOnWriteArrayList<>();
    List<String> heardAdded = new CopyOnWriteArrayList<>();
    jobMap.addEntryListener(
        (EntryLoadedListener<JobId, JobRecord>) e -> heardLoaded.add(e.getKey().value()), false);
    jobMap.addEntryListener(
        (EntryAddedListener<JobId, JobRecord>)
            (EntryEvent<JobId, JobRecord> e) -> heardAdded.add(e.getKey().value()),
        false);
    CompletableFuture<Long> loading =
        CompletableFuture.supplyAsync(() -> new DurableMaps(second.get(0), clock).loadOnce(WAIT));

    await()
        .during(Duration.ofMillis(500))
        .atMost(WAIT)
        .until(() -> !loading.isDone() && jobMap.isEmpty());
    store.markRestored();

    assertThat(loading.join()).isEqualTo(22);
    assertThat(new HashMap<>(jobMap)).isEqualTo(jobsBefore);
    assertThat(
            new HashMap<>(
                second.get(1).<String, ScheduleRecord>getMap(ScheduleTable.SCHEDULES_MAP)))
        .isEqualTo(schedulesBefore);
    assertThat(
            new HashMap<>(second.get(1).<String, ScheduleRunRecord>getMap(ScheduleTable.RUNS_MAP)))
        .isEqualTo(runsBefore);
    await().atMost(WAIT).untilAsserted(() -> assertThat(heardLoaded).hasSize(20));
    assertThat(heardAdded).as("Hazelcast tells loads apart from adds").isEmpty();
    assertThat(new DurableMaps(second.get(1), clock).loadOnce(WAIT))
        .as("a later primary of the same cluster life loads nothing")
        .isEqualTo(-1);
  }

  @Test
  void when_the_cluster_stops_and_starts_again_then_a_drained_node_is_still_drained() {
    List<HazelcastInstance> first = startCluster(2);
    DrainTable drains = new DrainTable(first.get(0), clock);
    DrainRecord mark = drains.drain("n2");
    drains.drain("n3");
    drains.undrain("n3");
    assertThat(drains.drain("n2")).as("drained again: the first mark stays").isEqualTo(mark);

    stopGracefully(first);

    assertThat(store.list(DurableMaps.DRAINS_PREFIX))
        .containsExactly(DurableMaps.DRAINS_PREFIX + "n2");
    store.restart();
    List<HazelcastInstance> second = startCluster(2);
    store.markRestored();
    new DurableMaps(second.get(0), clock).loadOnce(WAIT);
    assertThat(new DrainTable(second.get(1), clock).marks()).containsOnly(Map.entry("n2", mark));
  }

  @Test
  void
      when_records_change_over_many_writes_and_are_compacted_then_a_restart_loads_each_as_last_written() {
    List<HazelcastInstance> first = startCluster(2);
    JobTable jobs = new JobTable(first.get(0), clock);
    DurableMaps durable = new DurableMaps(first.get(0), clock);
    String worker = UUID.randomUUID().toString();
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(jobs.submit(JobSpec.command("echo", Integer.toString(i))));
    }
    durable.flush(WAIT);
    for (int i = 0; i < 30; i += 2) {
      jobs.update(ids.get(i), new JobCommand.Dispatch(3, "n1", worker, 5));
    }
    durable.flush(WAIT);
    for (int i = 0; i < 30; i += 4) {
      jobs.update(ids.get(i), new JobCommand.Start("n1", 1, 6));
    }
    durable.flush(WAIT);
    for (int i = 1; i < 30; i += 6) {
      jobs.map().delete(ids.get(i));
    }
    durable.flush(WAIT);
    int written = store.list(DurableMaps.JOBS_PREFIX).size();
    Map<JobId, JobRecord> before = new HashMap<>(jobs.map());

    // Later than every deletion's keep time, so that compaction may drop the deletions too.
    new DurableMaps(first.get(1), Clock.offset(clock, Duration.ofMinutes(30))).compact();

    assertThat(store.list(DurableMaps.JOBS_PREFIX).size()).isLessThan(written);
    stopGracefully(first);
    store.restart();
    List<HazelcastInstance> second = startCluster(2);
    store.markRestored();
    new DurableMaps(second.get(0), clock).loadOnce(WAIT);
    assertThat(new HashMap<>(second.get(1).<JobId, JobRecord>getMap(ClusterSettings.JOBS_MAP)))
        .isEqualTo(before);
  }

  @Test
  void
      once_the_maps_are_loaded_a_miss_reads_nothing_from_the_store_and_a_deleted_entry_stays_gone() {
    JobRecord stored =
        JobRecord.queued(JobId.of("j-stored"), JobSpec.command("true"), clock.millis());
    store.put(DurableMaps.JOBS_PREFIX + "j-stored", JsonCodec.JOBS.encode(stored));
    List<HazelcastInstance> cluster = startCluster(2);
    JobTable jobs = new JobTable(cluster.get(1), clock);
    int reads = store.reads.get();
    assertThat(jobs.get(JobId.of("j-stored")))
        .as("read through while the cluster has not loaded its maps")
        .contains(stored);
    assertThat(store.reads.get()).isGreaterThan(reads);

    new DurableMaps(cluster.get(0), clock).loadOnce(WAIT);
    reads = store.reads.get();
    assertThat(jobs.submitIfAbsent(JobId.of("cron.nightly.1"), JobSpec.command("true"))).isTrue();
    assertThat(jobs.get(JobId.of("no-such-job"))).isEmpty();
    jobs.map().delete(JobId.of("j-stored"));
    assertThat(jobs.get(JobId.of("j-stored")))
        .as("deleted, its blob's delete still in the write-behind queue: not read back")
        .isEmpty();
    assertThat(store.reads.get()).as("store reads once loaded").isEqualTo(reads);
  }

  @Test
  void when_a_job_changes_several_times_within_a_second_then_it_costs_about_one_write() {
    List<HazelcastInstance> cluster = startCluster(1);
    JobTable jobs = new JobTable(cluster.get(0), clock);
    JobId id = jobs.submit(JobSpec.command("true"));
    String worker = cluster.get(0).getCluster().getLocalMember().getUuid().toString();
    jobs.update(id, new JobCommand.Dispatch(1, "n1", worker, 1));
    jobs.update(id, new JobCommand.Start("n1", 1, 2));
    jobs.update(id, new JobCommand.Finish("n1", 1, JobState.SUCCEEDED, 0, null, 0, 0, false, 3));

    assertThat(new DurableMaps(cluster.get(0), clock).flush(WAIT)).isTrue();

    assertThat(store.puts.get()).as("writes for 4 changes").isBetween(1, 2);
    assertThat(DurableMaps.jobsStore().over(store).loadAll(List.of(id)))
        .containsEntry(id, jobs.get(id).orElseThrow());
  }

  @Test
  void when_the_store_is_not_restored_yet_then_nothing_is_loaded_until_it_is() {
    store.put(
        DurableMaps.SCHEDULES_PREFIX + "s",
        JsonCodec.SCHEDULES.encode(
            new ScheduleRecord(
                ScheduleSpec.of("s", "@every 10s", JobSpec.command("true")),
                1,
                false,
                null,
                null,
                0)));
    store.restart();
    List<HazelcastInstance> cluster = startCluster(1);
    DurableMaps durable = new DurableMaps(cluster.get(0), clock);

    assertThatThrownBy(() -> durable.loadOnce(Duration.ofMillis(300)))
        .isInstanceOf(DurableMaps.NotRestoredException.class)
        .hasMessageContaining("not restored");
    // size, not containsKey: a miss reads through to the store (MapLoader.load)
    assertThat(cluster.get(0).getMap(ScheduleTable.SCHEDULES_MAP).size()).isZero();

    store.markRestored();
    assertThat(durable.loadOnce(Duration.ofMillis(300))).isEqualTo(1);
    assertThat(cluster.get(0).getMap(ScheduleTable.SCHEDULES_MAP).containsKey("s")).isTrue();
  }

  private static int freePort() {
    return FreePorts.one();
  }
}
