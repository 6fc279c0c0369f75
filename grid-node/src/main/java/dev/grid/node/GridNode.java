package dev.grid.node;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.api.NodeInfo;
import dev.grid.api.internal.Pem;
import dev.grid.node.exec.JavaJobRunner;
import dev.grid.node.exec.JobCgroups;
import dev.grid.node.exec.JobUser;
import dev.grid.node.exec.ProcessRunner;
import dev.grid.node.http.HttpApi;
import dev.grid.node.http.TokenFile;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.CronService;
import dev.grid.scheduler.DurableMaps;
import dev.grid.scheduler.GridVoters;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.LeaseSettings;
import dev.grid.scheduler.NodeRecord;
import dev.grid.scheduler.PrimaryLease;
import dev.grid.scheduler.PrimaryService;
import dev.grid.scheduler.RetentionService;
import dev.grid.scheduler.ScheduleTable;
import dev.grid.scheduler.SchedulerTypes;
import dev.grid.scheduler.WorkerEndpoint;
import dev.grid.storage.BlobMapStore;
import dev.grid.storage.LocalDiskStore;
import dev.grid.storage.ReplicatedBlobStore;
import dev.grid.storage.ReplicationSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the grid, wired: a Hazelcast member, the primary lease and (while primary) the
 * dispatcher, cron and retention, a worker, the blob store and the HTTP API. {@link #start} returns
 * once the node serves HTTP; {@link #close} stops it (releasing the lease first, so another node
 * takes over at once).
 *
 * <p>Durable state: jobs, schedules and schedule runs are persisted through the blob store ({@link
 * DurableMaps}). The first primary of a cluster life loads them back before it dispatches or fires
 * anything; {@link #close} writes out what is still queued before anything stops.
 */
public final class GridNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GridNode.class);

  /** How long a new primary waits for the blob store to know its blobs after a full restart. */
  static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(30);

  /** How long a stopping node waits for the persisted maps to be written out, each time. */
  static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(10);

  /** How long a job jar's class loader stays open after its last job on this node ended. */
  static final Duration JAR_LOADER_IDLE = Duration.ofSeconds(60);

  private final NodeConfig config;
  private final Clock clock = Clock.systemUTC();
  private final HazelcastInstance hz;
  private final JobTable table;
  private final ReplicatedBlobStore blobs;
  private final ProcessRunner runner;
  private final JarStore jars;
  private final JavaJobRunner javaRunner;
  private final OrphanGuard orphans;
  private final NodeFence fence;
  private final ExecutorService starter;
  private final ExecutorService finisher;
  private final Worker worker;
  private final PrimaryService primary;
  private final CronService cron;
  private final RetentionService retention;
  private final GridOperations operations;
  private final ScheduledExecutorService publisher;
  private final DurableMaps durable;
  private final ExecutorService stateLoader;
  private final NodeMetrics metrics;

  /**
   * Makes the data dir its owner's alone (0700): it holds the lease's state, every job's output and
   * scratch files, and a one-node grid's token and secret. Created so, or tightened at start.
   */
  private static void ownerOnly(Path dataDir) throws IOException {
    try {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      LOG.debug("{} is not on a POSIX file system: its permissions are left as they are", dataDir);
    }
  }

  /**
   * With a job user, every Java job runs in a child JVM as that user, on this JVM's java: if the
   * user cannot run it (a JDK under a home directory of mode 0700), those jobs fail to start. Shell
   * jobs are not affected, so the node starts, and says it. (The class path is copied where the
   * user can read it when needed: {@link ChildClassPath}.)
   */
  private static void warnIfJavaOutOfReach(JobUser user) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String problem = user.cannotReach(Path.of(java), false);
    if (problem != null) {
      LOG.warn(
          "--job-user {}: Java jobs, which run as {} in a child JVM, will fail to start: {}",
          user.name(),
          user.name(),
          problem);
    }
  }

  /** Orders a role change against the activation that follows a load. */
  private final Object roleLock = new Object();

  private volatile PrimaryLease lease;

  /** Why this voter takes no part in the lease, or null (see {@link #voterSetProblem}). */
  private volatile String refused;

  /** The grid's voters as learned from them (see {@link #votersNow}); null until learned. */
  private volatile List<String> learnedVoters;

  /** Whether this node votes ({@link NodeConfig#isVoter}), resolved once: it may look up names. */
  private final boolean voter;

  /** The voters this node was started with ({@link #ownVoters}), resolved once. */
  private final List<String> ownVoters;

  private volatile HttpApi http;
  private volatile TokenFile tokens;
  private volatile boolean closed;

  private GridNode(NodeConfig config, NodeTimings timings) {
    this.config = config;
    this.voter = config.isVoter();
    this.ownVoters = ownVoters(config);
    // Checked first: a node that cannot run its jobs as the user it was given does not start.
    JobUser jobUser = config.jobUser() == null ? null : JobUser.resolve(config.jobUser());
    String childClassPath = null;
    try {
      Files.createDirectories(config.dataDir());
      ownerOnly(config.dataDir());
      if (jobUser == null) {
        Files.createDirectories(config.scratchRoot());
      } else {
        jobUser.prepareScratchRoot(config.scratchRoot());
        warnIfJavaOutOfReach(jobUser);
        childClassPath =
            ChildClassPath.forUser(
                jobUser, config.scratchRoot(), System.getProperty("java.class.path", ""));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data dir " + config.dataDir(), e);
    }
    List<Class<?>> kryo = new ArrayList<>(SchedulerTypes.kryoClasses());
    kryo.addAll(PrimaryLease.kryoClasses());
    Config hc =
        new ClusterSettings(
                config.clusterName(),
                config.name(),
                config.bindHost(),
                config.port(),
                config.joinList(),
                config.partitions(),
                kryo)
            .toConfig();
    TcpIpConfig join = hc.getAdvancedNetworkConfig().getJoin().getTcpIpConfig();
    if (timings.joinTimeout().isZero()) {
      join.setMembers(List.of(config.self())); // NodeTimings.formingAlone: no one to ask
    } else {
      join.setConnectionTimeoutSeconds((int) timings.joinTimeout().toSeconds());
    }
    if (config.slots() > 0) {
      hc.getMemberAttributeConfig()
          .setAttribute(ClusterSettings.SLOTS_ATTRIBUTE, Integer.toString(config.slots()));
    }
    hc.getMemberAttributeConfig()
        .setAttribute(ClusterSettings.CPUS_ATTRIBUTE, Integer.toString(config.offer().cpus()))
        .setAttribute(
            ClusterSettings.MEMORY_ATTRIBUTE, Long.toString(config.offer().memoryBytes()));
    if (!config.labels().isEmpty()) {
      hc.getMemberAttributeConfig()
          .setAttribute(
              ClusterSettings.LABELS_ATTRIBUTE, String.join(",", new TreeSet<>(config.labels())));
    }
    if (voter) {
      GridVoters.declare(hc.getMemberAttributeConfig(), ownVoters, config.self());
    } else {
      GridVoters.declareWorker(hc.getMemberAttributeConfig());
    }
    metrics = new NodeMetrics(config.name());
    hz = Hazelcast.newHazelcastInstance(hc);
    hz.getCluster().addMembershipListener(new MembershipLog());
    if (config.slots() > 0) { // a node that runs no jobs offers its labels to none
      IMap<String, String> labelsSeen = hz.getMap(ClusterSettings.LABELS_SEEN_MAP);
      config.labels().forEach(label -> labelsSeen.putIfAbsent(label, config.name()));
    }
    table = new JobTable(hz, clock);
    blobs = createBlobStore(config, hz, clock, votersNow().size());
    durable = new DurableMaps(hz, clock);
    stateLoader = Executors.newSingleThreadExecutor(named("grid-state-load"));
    orphans = OrphanGuard.start(config.dataDir(), timings.fenceQuiet());
    runner =
        new ProcessRunner(
            clock,
            config.jobEnv(),
            orphans::track,
            jobUser,
            config.cgroups() ? JobCgroups.detect(config.name()) : JobCgroups.none());
    if (jobUser != null) {
      LOG.info(
          "jobs run as {} (uid {}), in scratch directories under {}",
          jobUser.name(),
          jobUser.uid(),
          config.scratchRoot());
    }
    starter = Executors.newFixedThreadPool(2, named("grid-worker-start"));
    finisher = Executors.newFixedThreadPool(2, named("grid-worker-finish"));
    jars = new JarStore(blobs, config.dataDir());
    javaRunner = new JavaJobRunner(clock, jars, JAR_LOADER_IDLE);
    if (childClassPath != null) {
      javaRunner.childClassPath(childClassPath);
    }
    worker =
        new Worker(
            config.name(),
            config.slots(),
            table,
            blobs,
            runner,
            javaRunner,
            orphans,
            config.scratchRoot(),
            config.outputCapBytes(),
            clock,
            starter,
            finisher,
            metrics);
    hz.getUserContext().put(WorkerEndpoint.CONTEXT_KEY, worker);
    fence =
        new NodeFence(
                config.name(),
                hz,
                this::votersNow,
                orphans,
                worker::fenced,
                worker::inGrid,
                timings.fenceQuiet())
            .start();
    worker.fencedBy(fence);
    primary =
        new PrimaryService(
            hz,
            table,
            clock,
            this::leaseHolds,
            PrimaryService.Settings.defaults().withReclaimGrace(timings.reclaimGrace()));
    ScheduleTable schedules = new ScheduleTable(hz, table, clock);
    cron = new CronService(config.name(), schedules, table, clock, this::leaseHolds, metrics);
    retention =
        new RetentionService(
            table, schedules, blobs, OutputKeys.ROOT, config.retention(), clock, this::leaseHolds);
    retention.afterEachSweep(durable::compact);
    NodeOperations ops = new NodeOperations(config.name(), hz, table, blobs, schedules, jars);
    operations = ops;
    metrics.bind(config.slots(), worker, ops, primary, () -> lease, blobs);
    publisher = Executors.newSingleThreadScheduledExecutor(named("grid-node-publish"));
  }

  /**
   * The node's share of the replicated blob store: its own disk under the data dir, and calls to
   * the other nodes' disks. A full restart waits (in the repair coordinator) for the members listed
   * to report their disks before the store calls itself restored.
   */
  private static ReplicatedBlobStore createBlobStore(
      NodeConfig config, HazelcastInstance hz, Clock clock, int voters) {
    // As many disks as there are voters must report, or the restore wait (60 s) pass: a blob
    // written while fewer nodes than R were up (the last node of a grid that was stopping) has its
    // only copies on them, so no smaller number of reports is sure to hold every blob's last write.
    // Workers come and go and are not counted: a full restart brings back the voters.
    int members = Math.max(1, voters);
    ReplicationSettings settings =
        ReplicationSettings.defaults(members).withReplication(config.replication());
    settings =
        settings.withIntervals(settings.repairEvery(), settings.repairDelay(), config.scrubEvery());
    return ReplicatedBlobStore.start(
        hz,
        config.name(),
        new LocalDiskStore(config.dataDir()),
        settings,
        clock,
        config.blobPort());
  }

  /** Starts a node and returns once it serves HTTP. */
  public static GridNode start(NodeConfig config) {
    return start(config, NodeTimings.DEFAULTS);
  }

  /** Starts a node with other waits than production's (tests in one JVM shorten them). */
  static GridNode start(NodeConfig config, NodeTimings timings) {
    GridNode node = new GridNode(config, timings);
    try {
      node.warnOfVoterList();
      if (!node.voter) {
        LOG.info("role: worker (the voters are {})", node.votersNow());
      } else if (node.voterSetProblem() == null) {
        node.lease = node.startLease();
      } else {
        node.refuseTheLease();
      }
      InetSocketAddress httpAddress = new InetSocketAddress(config.bindHost(), config.httpPort());
      SSLContext tls =
          config.tls() == null ? null : Pem.serverContext(config.tls().cert(), config.tls().key());
      if (config.tokenFile() == null) {
        node.http = new HttpApi(node.operations, httpAddress, config.token(), node.fence, tls);
      } else {
        node.tokens = TokenFile.read(config.tokenFile());
        node.http = new HttpApi(node.operations, httpAddress, node.tokens, node.fence, tls);
        node.publisher.scheduleWithFixedDelay(node::reloadTokensIfChanged, 2, 2, TimeUnit.SECONDS);
      }
      node.http.withMetrics(node.metrics.registry()).start();
      node.publish();
      node.publisher.scheduleWithFixedDelay(node::publish, 1, 1, TimeUnit.SECONDS);
      node.publisher.scheduleWithFixedDelay(node::checkVoterSet, 1, 1, TimeUnit.SECONDS);
      LOG.info(
          "node {} up: member {}:{}, http {}, {} slots, {} member(s)",
          config.name(),
          config.bindHost(),
          config.port(),
          node.httpUrl(),
          config.slots(),
          node.hz.getCluster().getMembers().size());
      return node;
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /** Whether this node holds the lease of {@code epoch} now (the lease is null once refused). */
  private boolean leaseHolds(long epoch) {
    PrimaryLease l = lease;
    return l != null && l.holds(epoch);
  }

  /** What this node is to the election: a voter, a worker, or a voter that refused. */
  private String role() {
    if (refused != null) {
      return NodeInfo.REFUSED;
    }
    return voter ? NodeInfo.VOTER : NodeInfo.WORKER;
  }

  /**
   * Says so when the voter list given looks wrong: an even count (4 voters survive no more losses
   * than 3), or a worker's list that is not the one the grid's voters declare (the fence would
   * never hear a majority of it, and would stop every job this node starts).
   */
  private void warnOfVoterList() {
    List<String> given = config.voterSet();
    if (given.size() > 1 && given.size() % 2 == 0) {
      LOG.warn(
          "{} voters {}: a majority of {} survives no more losses than {} do; give 3 or 5",
          given.size(),
          given,
          given.size(),
          given.size() - 1);
    }
    Optional<List<String>> grid = GridVoters.established(hz.getCluster().getMembers());
    if (!voter && !given.isEmpty() && grid.isPresent() && !GridVoters.same(given, grid.get())) {
      LOG.warn(
          "this worker was given --voters {} but the grid's voters declare {}: its jobs stop"
              + " unless it hears a majority of its list; start it with --voters {} or with"
              + " --join alone",
          given,
          grid.get(),
          String.join(",", grid.get()));
    }
  }

  /** Takes part in the primary election, as one of the voters. */
  private PrimaryLease startLease() {
    return PrimaryLease.start(
        hz,
        new LeaseSettings(config.self(), config.voterSet(), config.dataDir(), config.leaseTime()),
        new PrimaryLease.Listener() {
          @Override
          public void onPrimary(long epoch) {
            LOG.info("role: primary, epoch {}", epoch);
            metrics.becamePrimary();
            loadThenActivate(epoch);
            publish();
          }

          @Override
          public void onNotPrimary(long epoch) {
            LOG.info("role: voter (no longer primary, epoch {})", epoch);
            synchronized (roleLock) {
              retention.deactivate();
              cron.deactivate();
              primary.deactivate();
            }
            publish();
          }
        });
  }

  /** The voters this node was started with; a lone node's is itself. */
  private static List<String> ownVoters(NodeConfig config) {
    return config.voterSet().isEmpty() ? List.of(config.self()) : config.voterSet();
  }

  /**
   * The voters of the grid as this node knows them now: its own list if it is a voter or was given
   * one; else the list it learned from the grid's voters (see {@link GridVoters#established}) the
   * first time a majority of that list declared it, kept from then on, so that a worker cut off
   * with a stray voter never takes that voter's list for the grid's; empty until then. A voter that
   * refused uses the grid's list it refused in favour of.
   */
  List<String> votersNow() {
    List<String> known = learnedVoters;
    if (known != null) {
      return known;
    }
    if (refused == null && (voter || !config.voterSet().isEmpty())) {
      return ownVoters;
    }
    Optional<List<String>> declared = GridVoters.established(hz.getCluster().getMembers());
    if (declared.isPresent()) {
      learnedVoters = declared.get();
      LOG.info("the grid's voters are {}", declared.get());
      return declared.get();
    }
    return List.of();
  }

  /**
   * Why this voter must not take part in the lease, or null: the grid's voters declare another
   * voter set than this node was started with.
   */
  private String voterSetProblem() {
    if (!voter) {
      return null;
    }
    List<String> own = ownVoters;
    List<String> grid = GridVoters.of(hz.getCluster().getMembers()).orElse(own);
    if (GridVoters.same(own, grid)) {
      return null;
    }
    return "this node was started with voters "
        + GridVoters.sorted(own)
        + " but the grid's voters declare "
        + grid
        + ": it takes no part in electing the primary (it still runs jobs). Start it again with"
        + " --voters "
        + String.join(",", grid)
        + ", or as a worker (--join)";
  }

  /** Stops taking part in the lease for good (until restarted), saying why. */
  private void refuseTheLease() {
    String why = voterSetProblem();
    PrimaryLease held;
    synchronized (roleLock) {
      if (refused != null || why == null) {
        return;
      }
      refused = why;
      learnedVoters = GridVoters.of(hz.getCluster().getMembers()).orElse(null);
      held = lease;
      lease = null; // from now on nothing acts as primary here: it checks the lease first
    }
    closeQuietly(held); // gives the lease up at once if this node held it
    synchronized (roleLock) {
      retention.deactivate();
      cron.deactivate();
      primary.deactivate();
    }
    LOG.error("{}", why);
    publish();
  }

  /**
   * Checks that this voter's voter set is still the grid's, as members join and once a second: a
   * node with another list that joins outweighs it, or a grid it joined late.
   */
  private void checkVoterSet() {
    if (lease != null && voterSetProblem() != null) {
      refuseTheLease();
    }
  }

  /**
   * Off the lease's thread (loading may wait for the store): loads the persisted maps if this
   * cluster has not yet, then dispatches and fires under {@code epoch} if the lease is still held,
   * so that the dispatcher's and cron's first passes see every record. A failed load is tried again
   * while the lease lasts.
   */
  private void loadThenActivate(long epoch) {
    try {
      stateLoader.execute(
          () -> {
            while (holds(epoch)) {
              try {
                durable.loadOnce(RESTORE_TIMEOUT);
                break;
              } catch (DurableMaps.NotRestoredException e) {
                LOG.info("not dispatching yet, epoch {}: {}", epoch, e.getMessage());
              } catch (RuntimeException e) {
                LOG.error(
                    "loading jobs and schedules from the blob store failed, epoch {};"
                        + " retrying",
                    epoch,
                    e);
                LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
              }
            }
            try {
              synchronized (roleLock) {
                if (holds(epoch)) {
                  primary.activate(epoch);
                  cron.activate(epoch);
                  retention.activate(epoch);
                }
              }
            } catch (RuntimeException e) { // the member stopped under the registration, say
              if (closed) {
                LOG.debug("not dispatching: the node stopped while it became primary", e);
              } else {
                LOG.error("starting to dispatch failed, epoch {}", epoch, e);
              }
            }
            publish();
          });
    } catch (RejectedExecutionException e) {
      LOG.debug("not loading: the node is stopping");
    }
  }

  /**
   * Whether this node still holds the lease of {@code epoch} (waiting for the field to be set,
   * unless the node refused the lease: then it is never set again).
   */
  private boolean holds(long epoch) {
    while (lease == null && !closed && refused == null) {
      LockSupport.parkNanos(10_000_000L); // the listener can fire before start() assigns it
    }
    return !closed && leaseHolds(epoch);
  }

  /** The node's name. */
  public String name() {
    return config.name();
  }

  /** Where the HTTP API listens. */
  public String httpUrl() {
    return (config.tls() == null ? "http://" : "https://") + config.bindHost() + ":" + http.port();
  }

  /** HTTP requests this node's API has been sent since it started. */
  long httpRequests() {
    return http.requests();
  }

  /** Whether this node holds the primary lease now. */
  public boolean isPrimary() {
    PrimaryLease l = lease;
    return l != null && l.isPrimary();
  }

  /** Whether this node dispatches as primary now: it holds the lease and its maps are loaded. */
  boolean isDispatching() {
    return primary.isActive();
  }

  /** The epoch of the lease this node holds, 0 if none. */
  public long epoch() {
    PrimaryLease l = lease;
    return l == null ? 0 : l.epoch();
  }

  /** What clients can do through this node. */
  public GridOperations operations() {
    return operations;
  }

  /** The Hazelcast member, for tests and tools. */
  public HazelcastInstance hazelcast() {
    return hz;
  }

  /** The blob store this node reads and writes, for tests. */
  ReplicatedBlobStore blobs() {
    return blobs;
  }

  /** Jobs running on this node now. */
  public int runningJobs() {
    return worker.runningCount();
  }

  /** Jars this node stored from uploads since it started (an upload of a held jar stores none). */
  public long jarsStored() {
    return jars.stored();
  }

  /** How many job jars' class loaders are open on this node now (closed when idle). */
  public int openJarClassLoaders() {
    return javaRunner.openClassLoaders();
  }

  /** Jobs this node dispatched while primary. */
  public long dispatchedCount() {
    return primary.dispatchedCount();
  }

  private void publish() {
    if (closed) {
      return;
    }
    try {
      IMap<String, NodeRecord> nodes = hz.getMap(ClusterSettings.NODES_MAP);
      PrimaryLease l = lease;
      boolean isPrimary = l != null && l.isPrimary();
      long epoch = l == null ? 0 : Math.max(l.epoch(), l.highestEpochSeen());
      nodes.set(
          config.name(),
          new NodeRecord(
              config.name(),
              hz.getCluster().getLocalMember().getUuid().toString(),
              http == null ? null : httpUrl(),
              config.slots(),
              worker.runningCount(),
              isPrimary,
              isPrimary ? l.epoch() : epoch,
              clock.millis(),
              new ArrayList<>(config.labels()),
              config.offer(),
              role()));
    } catch (RuntimeException e) {
      LOG.debug("publishing node state failed", e);
    }
  }

  /**
   * Stops as a crash would, for in-JVM tests: the member vanishes without a goodbye, the lease is
   * not released, running processes die. Process tests use a real SIGKILL instead.
   */
  synchronized void halt() {
    LOG.info("node {} halting (simulated crash)", config.name());
    worker.crash();
    closeQuietly(runner);
    closeQuietly(javaRunner);
    hz.getLifecycleService().terminate();
    close();
  }

  /**
   * Reads the tokens file again now (SIGHUP); on a problem the tokens in force stay and the problem
   * is logged. Nothing to do for a node given its token directly.
   */
  public void reloadTokens() {
    TokenFile file = tokens;
    if (file != null) {
      file.reload();
    }
  }

  private void reloadTokensIfChanged() {
    try {
      tokens.reloadIfChanged();
    } catch (RuntimeException e) {
      LOG.error("could not look at the tokens file {}", tokens.path(), e); // looked at again soon
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("node {} stopping", config.name());
    closeQuietly(http);
    worker.stopping();
    // What the grid accepted reaches the store while every member is still up.
    flushDurableMaps("accepted state");
    closeQuietly(lease);
    closeQuietly(retention);
    closeQuietly(cron);
    closeQuietly(primary);
    closeQuietly(worker);
    closeQuietly(runner);
    closeQuietly(javaRunner);
    worker.drain(Duration.ofSeconds(5));
    publisher.shutdownNow();
    starter.shutdownNow();
    // Jobs that really ended while stopping still get their end recorded.
    finisher.shutdown();
    try {
      if (!finisher.awaitTermination(5, TimeUnit.SECONDS)) {
        finisher.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The ends and hand-backs the worker wrote while stopping.
    flushDurableMaps("last job changes");
    try {
      hz.getUserContext().put(BlobMapStore.STOPPING_KEY, Boolean.TRUE);
    } catch (RuntimeException e) { // the member is gone already (halt)
      LOG.debug("marking the durable maps stopping failed", e);
    }
    stateLoader.shutdownNow();
    // Only now: until the worker has stopped its jobs, the watcher must keep hearing beats.
    closeQuietly(fence);
    closeQuietly(orphans);
    try {
      hz.shutdown();
    } catch (RuntimeException e) {
      LOG.debug("hazelcast shutdown failed", e);
    }
    // After the member: its partitions' write-behind queues, handed to other nodes while it
    // shut down, may still be written through this store until then.
    closeQuietly(blobs);
    closeQuietly(metrics);
    LOG.info("node {} stopped", config.name());
  }

  private void flushDurableMaps(String what) {
    long started = System.nanoTime();
    if (durable.flush(FLUSH_TIMEOUT)) {
      LOG.info(
          "node {}: {} written to the blob store in {} ms",
          config.name(),
          what,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed", c.getClass().getSimpleName(), e);
    }
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private final class MembershipLog implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent e) {
      LOG.info(
          "member joined: {} ({}); {} member(s)",
          e.getMember().getAttribute(ClusterSettings.NAME_ATTRIBUTE),
          e.getMember().getAddress(),
          e.getMembers().size());
      ScheduledExecutorService p = publisher;
      if (p != null) {
        p.execute(
            GridNode.this::checkVoterSet); // not on Hazelcast's thread: it may close the lease
      }
    }

    @Override
    public void memberRemoved(MembershipEvent e) {
      LOG.info(
          "member left: {} ({}); {} member(s)",
          e.getMember().getAttribute(ClusterSettings.NAME_ATTRIBUTE),
          e.getMember().getAddress(),
          e.getMembers().size());
    }
  }
}
