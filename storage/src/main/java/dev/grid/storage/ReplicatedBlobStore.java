package dev.grid.storage;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grid's blob store: every blob on the local disks ({@link LocalDiskStore}) of R nodes, and
 * what the grid knows of it (size, SHA-256, which nodes hold it) in the replicated map {@link
 * #META_MAP}. Any node reads and writes any blob.
 *
 * <p><b>Put.</b> The writing node keeps the first copy (output is read most where it was made); the
 * other R-1 go to the nodes {@link Placement} ranks first among the rest. A small blob (up to
 * {@value #SMALL_LIMIT} bytes) travels whole to every target at once. A larger one is streamed to
 * the local disk and, chunk by chunk as it is read, pushed to the R-1 targets, which write it as it
 * comes ({@link BlobPush}, {@link BlobReceiver}); each target commits its copy when the writer has
 * hashed the whole and every chunk has arrived checked. A target that fails is replaced by the next
 * in the ranking, which pulls its copy from the local one and keeps it only if its SHA-256 matches.
 * {@code put} returns once R copies are fsynced; only then does the metadata name them, so a reader
 * never meets metadata whose copies are not all on disk.
 *
 * <p><b>Read.</b> From the local copy if there is one, else from the replicas in turn; a chunk with
 * a bad checksum or a copy with other content makes the read go on from the same byte on the next
 * replica, and the bad copy is copied again from a good one (read repair).
 *
 * <p><b>Repair.</b> The oldest member coordinates ({@link BlobRepairer}): after members come or go,
 * and every {@link ReplicationSettings#repairEvery}, it asks every node for its inventory and
 * carries out what {@link RepairPlanner} plans. The same pass rebuilds the metadata map after a
 * full restart, which is why the map needs no persistence of its own. Each node also scrubs its
 * disk every {@link ReplicationSettings#scrubEvery} and copies a damaged copy again.
 *
 * <p><b>Delete.</b> A tombstone first (so a copy on a node that was away cannot bring the blob back
 * through repair), then every copy, then the metadata.
 */
public final class ReplicatedBlobStore implements BlobStore, Restorable {
  /** The replicated map of {@link BlobMeta} by key. */
  public static final String META_MAP = "grid-blob-meta";

  /** Keys deleted lately, with the SHA-256 they had; kept a day. */
  static final String TOMBSTONE_MAP = "grid-blob-tombstones";

  /** Small cluster-wide facts of the store, such as whether it has been restored. */
  static final String STATE_MAP = "grid-blob-state";

  /** The member attribute that carries a node's name (the grid sets it on every member). */
  public static final String NODE_ATTRIBUTE = "grid.name";

  /**
   * The member attribute saying whether a node votes for the grid's primary: a voter's own {@code
   * host:port}, empty on a worker. Where members carry it, a repair counts the voters it sees, not
   * the members: a minority of the voters with many workers beside them is still not the grid, nor
   * are workers alone.
   */
  public static final String VOTER_ATTRIBUTE = "grid.voter";

  /** Where a member keeps its store in its user context, for calls from other nodes. */
  public static final String CONTEXT_KEY = "grid.blob-store";

  /** Blobs up to this size travel whole in one call instead of being pushed chunk by chunk. */
  static final int SMALL_LIMIT = 256 * 1024;

  /** Bytes a large put reads, writes and pushes to the other nodes at a time. */
  static final int PUSH_CHUNK = LocalDiskStore.DEFAULT_CHUNK_SIZE;

  /** Threads that write the pushed chunks of this node's puts to their streams. */
  private static final int PUSH_THREADS = 2;

  static final Duration TOMBSTONE_TTL = Duration.ofDays(1);

  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedBlobStore.class);

  private final HazelcastInstance hz;
  private final LocalDiskStore disk;
  private final ReplicationSettings settings;
  private final Clock clock;
  private final BlobPeers peers;
  private final IMap<String, BlobMeta> meta;
  private final IMap<String, Tombstone> tombstones;
  private final KeyLocks locks;
  private final BlobRepairer repairer;
  private final LocalReplica local;
  private final BlobReceiver receiver;
  private final ExecutorService pushSends;
  private final BlobWrites writes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ReplicatedBlobStore(
      HazelcastInstance hz,
      String node,
      LocalDiskStore disk,
      ReplicationSettings settings,
      Clock clock) {
    this.hz = hz;
    this.disk = disk;
    this.settings = settings;
    this.clock = clock;
    this.peers = new BlobPeers(hz, Placement.checkNode(node));
    this.meta = hz.getMap(META_MAP);
    this.tombstones = hz.getMap(TOMBSTONE_MAP);
    this.locks = KeyLocks.of(meta, settings);
    this.local = new LocalReplica(peers, disk, settings, clock);
    this.repairer = new BlobRepairer(this, hz, peers, settings, clock);
    this.receiver = new BlobReceiver(hz, node, disk, settings.copyTimeout(), clock);
    AtomicInteger sendThreads = new AtomicInteger();
    this.pushSends =
        Executors.newFixedThreadPool(
            PUSH_THREADS,
            r -> {
              Thread t =
                  new Thread(r, "grid-blob-push-" + node + "-" + sendThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.writes = new BlobWrites(peers, disk, meta, settings, pushSends);
  }

  /** Adds the store's maps and executors to a member's configuration. */
  public static void configure(Config config) {
    config.addMapConfig(new MapConfig(META_MAP).setBackupCount(1));
    config.addMapConfig(new MapConfig(TOMBSTONE_MAP).setBackupCount(1));
    config.addMapConfig(new MapConfig(STATE_MAP).setBackupCount(1));
    BlobPeers.configure(config);
  }

  /**
   * Starts the store of one node: serves other nodes' calls on its disk from now on, and takes part
   * in repairs and scrubs.
   *
   * @param hz the node's member, configured with {@link #configure}
   * @param node the node's name, as its member's {@link #NODE_ATTRIBUTE} says
   * @param disk the node's own disk store; the replicated store closes it
   */
  public static ReplicatedBlobStore start(
      HazelcastInstance hz,
      String node,
      LocalDiskStore disk,
      ReplicationSettings settings,
      Clock clock) {
    return start(hz, node, disk, settings, clock, 0);
  }

  /**
   * As {@link #start(HazelcastInstance, String, LocalDiskStore, ReplicationSettings, Clock)},
   * taking pushed copies on the given port of the member's address (a firewall between the nodes
   * can then let it through). With port 0 the OS picks one, and a node that cannot listen takes no
   * pushed copies (the others pull theirs); a port given that cannot be had fails the start.
   *
   * @throws UncheckedIOException naming the port if it is given and cannot be listened on
   */
  public static ReplicatedBlobStore start(
      HazelcastInstance hz,
      String node,
      LocalDiskStore disk,
      ReplicationSettings settings,
      Clock clock,
      int streamPort) {
    if (streamPort < 0 || streamPort > 65535) {
      throw new IllegalArgumentException(
          "blob port " + streamPort + " is out of range: give 1-65535, or 0 for one the OS picks");
    }
    Objects.requireNonNull(hz, "hz");
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    ReplicatedBlobStore store = new ReplicatedBlobStore(hz, node, disk, settings, clock);
    hz.getUserContext().put(CONTEXT_KEY, store);
    try {
      store.receiver.listen(
          hz.getCluster().getLocalMember().getAddress().getInetAddress(), streamPort);
    } catch (UnknownHostException | UncheckedIOException e) {
      if (streamPort != 0) {
        store.close();
        throw e instanceof UncheckedIOException u
            ? u
            : new UncheckedIOException((UnknownHostException) e);
      }
      LOG.warn(
          "node {} takes no pushed copies (other nodes will pull theirs): {}",
          node,
          e.getMessage());
    }
    store.repairer.start();
    return store;
  }

  /** This node's name. */
  public String node() {
    return peers.self();
  }

  LocalDiskStore disk() {
    return disk;
  }

  ReplicationSettings settings() {
    return settings;
  }

  BlobReceiver receiver() {
    return receiver;
  }

  // ---------------------------------------------------------------- put

  @Override
  public void put(String key, InputStream content) {
    checkWritable(key);
    Objects.requireNonNull(content, "content");
    checkOpen();
    // Puts and deletes of one key take turns across the cluster (a map lock, released if its
    // holder dies, bounded: KeyLocks), so the copies on disk and the metadata always describe
    // the same content.
    locks.lock(key);
    try {
      writes.write(key, content);
    } finally {
      locks.unlock(key);
    }
  }

  // ---------------------------------------------------------------- read

  @Override
  public Optional<InputStream> open(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    BlobMeta found = meta.get(key);
    if (found == null) {
      return Optional.empty();
    }
    List<String> order = new ArrayList<>();
    if (found.replicas().contains(node())) {
      order.add(node());
    }
    var live = peers.live().keySet();
    for (String replica : found.replicas()) {
      if (!replica.equals(node()) && live.contains(replica)) {
        order.add(replica);
      }
    }
    return Optional.of(
        new ReplicaInputStream(
            found,
            order,
            new ReplicaInputStream.Sources() {
              @Override
              public InputStream open(String node, long offset) {
                return openReplica(found, node, offset);
              }

              @Override
              public void damaged(String node, RuntimeException why) {
                LOG.warn(
                    "copy of blob '{}' on node {} is damaged, copying it again: {}",
                    key,
                    node,
                    why.getMessage());
                if (node.equals(node())) {
                  local.noteDamaged(key);
                }
                repairer.recopy(found, node);
              }
            }));
  }

  private InputStream openReplica(BlobMeta found, String node, long offset) {
    if (!node.equals(node())) {
      return new RemoteBlobInputStream(
          peers, node, found.key(), found.sha256(), found.size(), offset, settings.callTimeout());
    }
    LocalDiskStore.OpenedBlob opened =
        disk.openFrom(found.key(), offset)
            .orElseThrow(() -> new IllegalStateException("node " + node + " has no copy of it"));
    if (!found.sha256().equals(opened.blob().sha256())) {
      closeQuietly(opened.content());
      throw new BlobCorruptedException(
          found.key(),
          "the copy on node "
              + node
              + " has SHA-256 "
              + opened.blob().sha256()
              + ", the metadata says "
              + found.sha256());
    }
    return opened.content();
  }

  /** This node's disk as the other nodes' calls reach it. */
  LocalReplica local() {
    return local;
  }

  /** Serves {@link BlobTasks.RecopyDamaged}. */
  int recopyDamagedLocal() {
    return repairer.recopyDamagedHere();
  }

  // ---------------------------------------------------------------- delete and list

  @Override
  public boolean delete(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    locks.lock(key);
    try {
      return deleteLocked(key);
    } finally {
      locks.unlock(key);
    }
  }

  private boolean deleteLocked(String key) {
    BlobMeta found = meta.get(key);
    if (found == null) {
      return false;
    }
    Tombstone tombstone = new Tombstone(found.sha256(), clock.millis());
    tombstones.set(key, tombstone, TOMBSTONE_TTL.toSeconds(), TimeUnit.SECONDS);
    // A node that is away keeps its copy, whether it is a replica or a stray (one repair moved
    // the blob away from): then the live nodes keep the tombstone on disk too, so that copy
    // cannot bring the blob back, even after a full restart.
    Set<String> live = peers.live().keySet();
    Set<String> mayHold = found.mayHold();
    boolean remember = !live.containsAll(mayHold);
    boolean failed = false;
    List<String> asked = mayHold.stream().filter(live::contains).toList();
    List<CompletableFuture<Boolean>> drops = new ArrayList<>();
    for (String node : asked) {
      drops.add(peers.call(node, new BlobTasks.DeleteCopy(key, tombstone, remember)));
    }
    for (int i = 0; i < drops.size(); i++) {
      try {
        BlobPeers.await(drops.get(i), settings.callTimeout());
      } catch (RuntimeException e) {
        failed = true;
        LOG.info(
            "copy of deleted blob '{}' on node {} is left for repair to drop: {}",
            key,
            asked.get(i),
            e.getMessage());
      }
    }
    if (remember || failed) {
      local.delete(key, tombstone, true); // here too, whether or not this node held a copy
    }
    meta.delete(key);
    return true;
  }

  @Override
  public List<String> list(String prefix) {
    Prefixes.check(prefix);
    checkOpen();
    List<String> keys = new ArrayList<>(meta.keySet(new MetaUpdates.KeyPrefix(prefix)));
    keys.sort(null);
    return keys;
  }

  // ---------------------------------------------------------------- operators

  /** What the grid knows of each blob under the prefix, by key. */
  public List<BlobMeta> blobs(String prefix) {
    Prefixes.check(prefix);
    checkOpen();
    List<BlobMeta> found = new ArrayList<>(meta.values(new MetaUpdates.KeyPrefix(prefix)));
    found.sort((a, b) -> a.key().compareTo(b.key()));
    return found;
  }

  /**
   * Checks every blob against every live node's disk: which lack copies, which are lost, which
   * copies are stale or not recorded; with {@code verify}, every node also re-reads each copy and
   * its damaged ones are reported.
   */
  public StorageReport check(boolean verify) {
    checkOpen();
    return repairer.check(verify);
  }

  /**
   * Runs a repair pass now, wherever this node is in the cluster: every node first copies again the
   * damaged copies it knows of (from its scrub, a verify or a read), then the plan is made and
   * carried out.
   */
  public RepairPass repairNow() {
    checkOpen();
    return repairer.repairNow();
  }

  /**
   * Waits until the metadata has been rebuilt from the disks of the expected nodes (or of those
   * that came within the restore wait) since the cluster started; true if it has.
   */
  @Override
  public boolean awaitRestored(Duration timeout) {
    return repairer.awaitRestored(timeout);
  }

  /** What this node's own disk holds (walks it: ask now and then, see {@link LocalDiskStore}). */
  public DiskUsage diskUsage() {
    return disk.usage();
  }

  /** What this node's repair passes found and did. */
  public RepairStats repairStats() {
    return repairer.stats();
  }

  /** Whether the metadata has been rebuilt since the cluster started. */
  public boolean restored() {
    return repairer.restored();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        repairer.close();
        hz.getUserContext().remove(CONTEXT_KEY, this);
      } catch (RuntimeException e) { // the member is gone already
        LOG.debug("detaching the blob store of node {} failed", node(), e);
      } finally {
        receiver.close(); // ends the copies being pushed here, deleting their temp files
        pushSends.shutdownNow();
        disk.close();
      }
    }
  }

  private static void checkWritable(String key) {
    BlobStore.checkKey(key);
    if (key.startsWith(Tombstone.DISK_PREFIX)) {
      throw new IllegalArgumentException(
          "blob key '"
              + key
              + "' is reserved: keys starting with '"
              + Tombstone.DISK_PREFIX
              + "' are the store's own; use another key");
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the blob store of node " + node() + " is closed");
    }
  }

  static String sha256(byte[] content) {
    MessageDigest digest = DiskBlobWriter.sha256();
    return HexFormat.of().formatHex(digest.digest(content));
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing was read from it
    }
  }
}
