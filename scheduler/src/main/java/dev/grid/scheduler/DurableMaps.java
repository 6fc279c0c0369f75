package dev.grid.scheduler;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.api.JobId;
import dev.grid.storage.BlobMapStore;
import dev.grid.storage.BlobStore;
import dev.grid.storage.Restorable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maps that outlive a full stop of the grid: {@code jobs}, {@code task-blocks}, {@code
 * schedules}, {@code schedule-runs}, {@code queues} and {@code drains}, persisted through the blob
 * store under {@code state/} as JSON: jobs and task blocks many to a blob (segments, see {@link
 * BlobMapStore#segmented}), the others one blob per entry.
 *
 * <p>After a network partition heals, the copy further along in its life wins ({@link
 * NewestWinsMergePolicy}), not the copy of whichever side Hazelcast merges into.
 *
 * <p>Writes are write-behind: a change reaches the store about {@value #WRITE_DELAY_SECONDS} s
 * later, coalesced (a job's several changes in that second cost one write) and never on a partition
 * thread. A clean stop {@link #flush}es; a crash of every node at once loses the last second or so.
 *
 * <p>Loading: after a full restart the maps start empty, and the store only knows its blobs once it
 * has rebuilt its index from the nodes that joined. The first primary therefore calls {@link
 * #loadOnce} before it dispatches or fires anything: it waits (bounded) for the store to be
 * restored, loads every stored entry that is not in the map already, and marks the cluster loaded,
 * so a later primary of the same cluster life does not load again. Loading again could bring back a
 * schedule deleted since (its blob's delete may still wait in the write-behind queue); loading
 * twice concurrently (a primary that failed over mid-load) is harmless, since entries in the map
 * are never replaced. Once loaded, the maps hold everything the store does: a call that misses in
 * memory (a cron fire's {@code putIfAbsent}, a lookup of an unknown id) no longer reads the store
 * ({@link BlobMapStore#readThroughUntil}).
 */
public final class DurableMaps {
  private static final Logger LOG = LoggerFactory.getLogger(DurableMaps.class);

  /** Seconds between a change and its write to the store. */
  public static final int WRITE_DELAY_SECONDS = 1;

  /** Where the blobs are, by map. */
  public static final String JOBS_PREFIX = "state/jobs/";

  public static final String SCHEDULES_PREFIX = "state/schedules/";
  public static final String RUNS_PREFIX = "state/schedule-runs/";
  public static final String BLOCKS_PREFIX = "state/task-blocks/";
  public static final String QUEUES_PREFIX = "state/queues/";
  public static final String DRAINS_PREFIX = "state/drains/";

  /** A small replicated map of cluster-life flags; not persisted. */
  static final String FLAGS_MAP = "grid-flags";

  static final String LOADED_FLAG = "durable-maps-loaded";

  private static final int WRITE_BATCH = 100;

  private final HazelcastInstance hz;
  private final Clock clock;

  public DurableMaps(HazelcastInstance hz, Clock clock) {
    this.hz = hz;
    this.clock = clock;
  }

  /** The configs of the persisted maps, each with a store of its own; backups as the others. */
  public static List<MapConfig> mapConfigs() {
    return List.of(
        // Jobs are kept as objects: every entry processor (three per job), query and
        // projection read the record, and in binary form each read deserialized it again: 80%
        // of the entry processors' time under an array of no-op Java tasks. Records are
        // immutable, so holding the object is safe; what travels (backups of a put, events,
        // reads) is still serialized with Kryo.
        persisted(ClusterSettings.JOBS_MAP, jobsStore()).setInMemoryFormat(InMemoryFormat.OBJECT),
        persisted(
            ScheduleTable.SCHEDULES_MAP, BlobMapStore.of(SCHEDULES_PREFIX, JsonCodec.SCHEDULES)),
        persisted(ScheduleTable.RUNS_MAP, BlobMapStore.of(RUNS_PREFIX, JsonCodec.RUNS)),
        persisted(QueueTable.QUEUES_MAP, BlobMapStore.of(QUEUES_PREFIX, JsonCodec.QUEUES)),
        persisted(DrainTable.DRAINS_MAP, BlobMapStore.of(DRAINS_PREFIX, JsonCodec.DRAINS)),
        // Jobs and task blocks are written many to a blob (BlobMapStore.segmented): one blob per
        // record was about half of a job's node CPU. Schedules and runs stay one blob each: few,
        // rarely changed, and a schedule's name can be deleted and used again.
        // Task blocks as objects too: a worker's batch of ends changes a few slots of a block,
        // and in binary form every such change would read and write all of it.
        persisted(
                ClusterSettings.TASK_BLOCKS_MAP,
                BlobMapStore.of(BLOCKS_PREFIX, JsonCodec.BLOCKS)
                    .segmented(TaskBlock::epoch, TaskBlock::version))
            .setInMemoryFormat(InMemoryFormat.OBJECT),
        new MapConfig(FLAGS_MAP).setBackupCount(1));
  }

  /**
   * A store of job records as the jobs map has it: over a given blob store, it reads what the grid
   * stored (tests and tools look at a stopped grid's records this way).
   */
  public static BlobMapStore<JobId, JobRecord> jobsStore() {
    return new BlobMapStore<JobId, JobRecord>(JOBS_PREFIX, JobId::value, JobId::of, JsonCodec.JOBS)
        .segmented(JobRecord::epoch, JobRecord::version);
  }

  private static MapConfig persisted(String name, BlobMapStore<?, ?> store) {
    // Once loadOnce has loaded every map, the maps hold all the store does: no read-through.
    store.readThroughUntil(FLAGS_MAP, LOADED_FLAG);
    return new MapConfig(name)
        .setBackupCount(1)
        .setMergePolicyConfig(
            new MergePolicyConfig(
                NewestWinsMergePolicy.class.getName(), MergePolicyConfig.DEFAULT_BATCH_SIZE))
        .setMapStoreConfig(
            new MapStoreConfig()
                .setEnabled(true)
                .setImplementation(store)
                .setWriteDelaySeconds(WRITE_DELAY_SECONDS)
                .setWriteCoalescing(true)
                .setWriteBatchSize(WRITE_BATCH)
                .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY));
  }

  /**
   * Loads what the store holds into the maps, once per cluster life: waits at most {@code
   * restoreTimeout} for the store to be restored (after which it loads what the store knows, and
   * says so), then loads each map without replacing entries already there.
   *
   * @return how many entries were loaded, or -1 if this cluster had loaded them already
   */
  public long loadOnce(Duration restoreTimeout) {
    IMap<String, Long> flags = hz.getMap(FLAGS_MAP);
    if (flags.containsKey(LOADED_FLAG)) {
      return -1;
    }
    long started = System.nanoTime();
    BlobStore blobs = blobStore();
    if (blobs instanceof Restorable r && !r.awaitRestored(restoreTimeout)) {
      // Loading now would load what the first nodes' disks hold and call it everything. The
      // store restores itself once the expected nodes reported, or its restore wait is over.
      throw new NotRestoredException(
          "the blob store is not restored after "
              + restoreTimeout.toSeconds()
              + " s (waiting for the nodes in --members to report"
              + " their disks); jobs and schedules are loaded once it is");
    }
    // Side by side: IMap.loadAll polls for the end of the load about once a second, so one map
    // after the other cost 1-2 s each even with a handful of entries.
    CompletableFuture<Long> jobsLoad = inThread(() -> load(ClusterSettings.JOBS_MAP), "jobs");
    CompletableFuture<Long> schedulesLoad =
        inThread(() -> load(ScheduleTable.SCHEDULES_MAP), "schedules");
    CompletableFuture<Long> blocksLoad =
        inThread(() -> load(ClusterSettings.TASK_BLOCKS_MAP), "task-blocks");
    long runs = load(ScheduleTable.RUNS_MAP);
    long queues = load(QueueTable.QUEUES_MAP) + load(DrainTable.DRAINS_MAP);
    long jobs = joinUnwrapped(jobsLoad) + joinUnwrapped(blocksLoad);
    long schedules = joinUnwrapped(schedulesLoad);
    flags.set(LOADED_FLAG, clock.millis());
    LOG.info(
        "loaded {} jobs and task blocks, {} schedules and {} schedule runs from the blob store in {} ms",
        jobs,
        schedules,
        runs,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return jobs + schedules + runs + queues;
  }

  /** The blob store has not yet rebuilt its index from the nodes' disks: try again later. */
  public static final class NotRestoredException extends IllegalStateException {
    NotRestoredException(String message) {
      super(message);
    }
  }

  private <K> long load(String mapName) {
    @SuppressWarnings("unchecked")
    BlobMapStore<K, ?> store =
        (BlobMapStore<K, ?>)
            hz.getConfig().getMapConfig(mapName).getMapStoreConfig().getImplementation();
    Set<K> keys = store.over(blobStore()).keys();
    if (!keys.isEmpty()) {
      IMap<K, ?> map = hz.getMap(mapName);
      map.loadAll(keys, false);
    }
    return keys.size();
  }

  /**
   * Compacts the segmented maps' blobs (jobs, task blocks; see {@link BlobMapStore#compact}): run
   * by the primary after each retention sweep, so what retention deleted leaves the disks too.
   */
  public void compact() {
    for (String mapName : List.of(ClusterSettings.JOBS_MAP, ClusterSettings.TASK_BLOCKS_MAP)) {
      BlobMapStore<?, ?> store = storeOf(mapName);
      try {
        BlobMapStore.Compaction c = store.over(blobStore()).compact(clock.millis());
        if (c.deleted() + c.rewritten() > 0) {
          LOG.info(
              "compacted the {} records: {} of {} blobs deleted, {} rewritten ({} entries moved)",
              mapName,
              c.deleted(),
              c.sources(),
              c.rewritten(),
              c.moved());
        }
      } catch (RuntimeException e) {
        LOG.warn("compacting the {} records failed; the next sweep tries again", mapName, e);
      }
    }
  }

  private BlobMapStore<?, ?> storeOf(String mapName) {
    return (BlobMapStore<?, ?>)
        hz.getConfig().getMapConfig(mapName).getMapStoreConfig().getImplementation();
  }

  /**
   * Writes every change still waiting in the maps' write-behind queues to the store, on every
   * member, waiting at most {@code timeout}; false if that was not enough (or the member is down),
   * and what is left is written later by whichever member holds it.
   */
  public boolean flush(Duration timeout) {
    if (!hz.getLifecycleService().isRunning()) {
      return false;
    }
    long started = System.nanoTime();
    CompletableFuture<Void> all =
        CompletableFuture.allOf(
            flushAsync(ClusterSettings.JOBS_MAP),
            flushAsync(ScheduleTable.SCHEDULES_MAP),
            flushAsync(ClusterSettings.TASK_BLOCKS_MAP),
            flushAsync(ScheduleTable.RUNS_MAP),
            flushAsync(QueueTable.QUEUES_MAP),
            flushAsync(DrainTable.DRAINS_MAP));
    try {
      all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.debug(
          "flushed the persisted maps in {} ms",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return true;
    } catch (TimeoutException e) {
      LOG.warn(
          "flushing the persisted maps took over {} ms; the rest is written later",
          timeout.toMillis());
    } catch (ExecutionException e) {
      LOG.warn("flushing the persisted maps failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private CompletableFuture<Void> flushAsync(String mapName) {
    // IMap.flush has no timeout of its own: run it apart so the caller's bound holds.
    return inThread(
        () -> {
          hz.getMap(mapName).flush();
          return null;
        },
        "flush-" + mapName);
  }

  /** Runs the call on a named daemon thread of its own (a few per start or stop). */
  private static <T> CompletableFuture<T> inThread(Supplier<T> call, String name) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(call.get());
              } catch (RuntimeException e) {
                f.completeExceptionally(e);
              }
            },
            "grid-state-" + name);
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static long joinUnwrapped(CompletableFuture<Long> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private BlobStore blobStore() {
    Object found = hz.getUserContext().get(BlobMapStore.CONTEXT_KEY);
    if (found instanceof BlobStore b) {
      return b;
    }
    throw new IllegalStateException(
        "no blob store under '"
            + BlobMapStore.CONTEXT_KEY
            + "' in this member's user context: the node must create it before it loads its maps");
  }
}
