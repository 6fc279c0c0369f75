package dev.grid.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.grid.api.ArraySpec;
import dev.grid.api.BlobListing;
import dev.grid.api.DrainState;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeDrain;
import dev.grid.api.NodeInfo;
import dev.grid.api.QueueInfo;
import dev.grid.api.Resources;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import dev.grid.api.StorageHealth;
import dev.grid.api.StorageRepair;
import dev.grid.scheduler.ArrayProgress;
import dev.grid.scheduler.ClusterSettings;
import dev.grid.scheduler.DrainCount;
import dev.grid.scheduler.DrainRecord;
import dev.grid.scheduler.DrainTable;
import dev.grid.scheduler.JobPosition;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.NodeRecord;
import dev.grid.scheduler.QueueTable;
import dev.grid.scheduler.ScheduleTable;
import dev.grid.scheduler.TaskBlock;
import dev.grid.scheduler.UpdateResult;
import dev.grid.storage.ReplicatedBlobStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/** {@link GridOperations} over the replicated maps and the blob store, on any node. */
final class NodeOperations implements GridOperations {
  private final String nodeName;
  private final HazelcastInstance hz;
  private final JobTable table;
  private final ReplicatedBlobStore blobs;
  private final ScheduleTable schedules;
  private final QueueTable queues;
  private final DrainTable drains;

  /** Whether a node was drained when last looked, and when ({@link System#nanoTime}). */
  private volatile boolean drainedWhenLooked;

  private volatile long lookedForDrainsAt = System.nanoTime() - DRAINS_LOOK_EVERY.toNanos();
  private final JarStore jars;

  /**
   * How long a drain waits for the primary to take the mark in (it reads marks every half second):
   * once it has, the node gets nothing new. Without a primary now, the answer comes after this
   * wait, and the next primary reads the marks before it dispatches anything.
   */
  static final Duration DRAIN_TAKE_IN_WAIT = Duration.ofSeconds(3);

  /**
   * How often a queued job's status looks whether any node is drained. Reading the drains map goes
   * to every partition: once per status of every queued job it cost the nodes about 1.5 ms of CPU
   * per job in {@code bin/bench}'s throughput run, where the client watches each job's status.
   */
  static final Duration DRAINS_LOOK_EVERY = Duration.ofSeconds(1);

  /** Submits this node accepted (an array counts once), for metrics. */
  private final LongAdder submitted = new LongAdder();

  NodeOperations(
      String nodeName,
      HazelcastInstance hz,
      JobTable table,
      ReplicatedBlobStore blobs,
      ScheduleTable schedules,
      JarStore jars) {
    this.jars = jars;
    this.nodeName = nodeName;
    this.hz = hz;
    this.table = table;
    this.blobs = blobs;
    this.schedules = schedules;
    this.queues = new QueueTable(hz, Clock.systemUTC());
    this.drains = new DrainTable(hz, Clock.systemUTC());
  }

  @Override
  public List<QueueInfo> queues() {
    return queues.list();
  }

  @Override
  public JobReport report(Duration since) {
    long now = System.currentTimeMillis();
    return table.report(now - since.toMillis(), now);
  }

  @Override
  public QueueInfo setQueueLimit(String queue, Integer maxSlots) {
    if (maxSlots == null) {
      queues.removeLimit(queue);
      return queues.info(queue);
    }
    return queues.setLimit(queue, maxSlots);
  }

  @Override
  public JobId submit(JobSpec spec) {
    if (spec.java() != null && !jars.has(spec.java().jarSha256())) {
      throw new IllegalArgumentException(
          "the grid holds no jar "
              + spec.java().jarSha256()
              + ": upload it first (GridClient.uploadJar, or bin/submit --jar does it)");
    }
    checkLabels(spec.schedulingOrDefault());
    checkResources(spec.resourcesOrNone());
    JobId id = table.submit(spec);
    submitted.increment();
    return id;
  }

  /** Jobs and arrays this node accepted since it started. */
  long submitted() {
    return submitted.sum();
  }

  @Override
  public Optional<JobInfo> job(JobId id) {
    return table.get(id).map(this::info).map(this::withQueueReason);
  }

  /**
   * Refuses a job that needs a label no node of the grid has declared, unless it says to wait for
   * one: such a job could wait for ever, most likely for a typo.
   */
  private void checkLabels(Scheduling s) {
    if (s.constraintsOrNone().isEmpty() || s.waitForLabel()) {
      return;
    }
    IMap<String, String> seen = hz.getMap(ClusterSettings.LABELS_SEEN_MAP);
    for (String label : s.constraintsOrNone()) {
      if (!seen.containsKey(label)) {
        throw new IllegalArgumentException(
            "no node of the grid has declared label '"
                + label
                + "': start one with --labels "
                + label
                + " (bin/nodes lists the labels), or submit with --wait-for-label to wait for it");
      }
    }
  }

  /**
   * Refuses a job that reserves more CPUs or memory than any live node that runs jobs offers: it
   * would wait for ever, most likely for a typo (4000 CPUs, 64T). With no such node live, it is
   * accepted (nothing to judge by).
   */
  private void checkResources(Resources need) {
    if (need.none()) {
      return;
    }
    List<Resources> offers = liveOffers();
    if (offers.isEmpty() || offers.stream().anyMatch(o -> need.fitsIn(o.cpus(), o.memoryBytes()))) {
      return;
    }
    throw new IllegalArgumentException(
        "no live node offers "
            + describe(need)
            + ": the most any offers is "
            + offers.stream().mapToInt(Resources::cpus).max().orElse(0)
            + " CPUs and "
            + Resources.roughMemory(
                offers.stream().mapToLong(Resources::memoryBytes).max().orElse(0))
            + " (bin/nodes); reserve less, or start a node with more (bin/grid-node --cpus,"
            + " --mem)");
  }

  /** What each live member that runs jobs offers (members that do not say offer everything). */
  private List<Resources> liveOffers() {
    List<Resources> out = new ArrayList<>();
    for (Member m : hz.getCluster().getMembers()) {
      if (m.getAttribute(ClusterSettings.SLOTS_ATTRIBUTE) == null) {
        continue;
      }
      String cpus = m.getAttribute(ClusterSettings.CPUS_ATTRIBUTE);
      String memory = m.getAttribute(ClusterSettings.MEMORY_ATTRIBUTE);
      out.add(
          new Resources(
              cpus == null ? Resources.MAX_CPUS : Integer.parseInt(cpus),
              memory == null ? Resources.MAX_MEMORY_BYTES : Long.parseLong(memory)));
    }
    return out;
  }

  private static String describe(Resources need) {
    if (need.memoryBytes() == 0) {
      return need.cpus() + " CPUs";
    }
    String memory = Resources.formatMemory(need.memoryBytes()) + " of memory";
    return need.cpus() == 0 ? memory : need.cpus() + " CPUs and " + memory;
  }

  /**
   * A queued job says what it waits for: a node with its labels when no live node has them, a node
   * that is not drained when every one that could run it is, or a slot of its queue when the queue
   * holds its limit.
   */
  private JobInfo withQueueReason(JobInfo job) {
    if (job.state() != JobState.QUEUED || job.spec() == null) {
      return job;
    }
    List<String> needs = job.spec().schedulingOrDefault().constraintsOrNone();
    if (!needs.isEmpty()
        && nodes().stream().noneMatch(n -> n.slots() > 0 && n.labels().containsAll(needs))) {
      return job.withMessage(
          "waiting for a node with labels "
              + String.join(",", needs)
              + ": no live node that runs jobs has them all (bin/nodes lists the labels)");
    }
    String drained = drainReason(needs);
    if (drained != null) {
      return job.withMessage(drained);
    }
    Resources need = job.spec().resourcesOrNone();
    if (!need.none()
        && liveOffers().stream().noneMatch(o -> need.fitsIn(o.cpus(), o.memoryBytes()))) {
      return job.withMessage(
          "waiting for a node that offers "
              + describe(need)
              + ": no live node that runs jobs does (bin/nodes)");
    }
    String q = job.spec().schedulingOrDefault().queueOrDefault();
    if (queues.limitOf(q) == null) {
      return job; // most queues have no limit: one read, not two
    }
    QueueInfo queue = queues.info(q);
    if (!queue.full()) {
      return job;
    }
    return job.withMessage(
        "waiting for a slot of queue '"
            + q
            + "': its limit of "
            + queue.maxSlots()
            + " slots is taken (bin/queue list)");
  }

  /**
   * Why a job that needs these labels (maybe none) waits for a drained node, or null: when every
   * live node that runs jobs and has them is drained. Most grids drain nothing: then no read.
   */
  /** Whether any node is drained, looked at most once a {@link #DRAINS_LOOK_EVERY}. */
  private boolean anyDrained() {
    long now = System.nanoTime();
    if (now - lookedForDrainsAt >= DRAINS_LOOK_EVERY.toNanos()) {
      drainedWhenLooked = !drains.marks().isEmpty();
      lookedForDrainsAt = now;
    }
    return drainedWhenLooked;
  }

  private String drainReason(List<String> needs) {
    if (!anyDrained()) {
      return null;
    }
    List<NodeInfo> could =
        nodes().stream().filter(n -> n.slots() > 0 && n.labels().containsAll(needs)).toList();
    if (could.isEmpty() || could.stream().anyMatch(n -> n.drain() == null)) {
      return null;
    }
    String which =
        needs.isEmpty()
            ? "every live node that runs jobs is drained"
            : "every live node with labels " + String.join(",", needs) + " is drained";
    return "waiting for a node that is not drained: "
        + which
        + " (bin/nodes; bin/undrain NODE takes one back)";
  }

  @Override
  public List<JobInfo> jobs(Optional<JobState> state) {
    return jobs(state, false);
  }

  @Override
  public List<JobInfo> jobs(Optional<JobState> state, boolean withTasks) {
    return JobListing.of(table.inStates(Set.of()), state, withTasks);
  }

  @Override
  public List<JobInfo> jobs(JobFilter filter, boolean withTasks, JobPosition after, int limit) {
    return JobPages.page(JobPages.of(table), filter, withTasks, after, limit);
  }

  @Override
  public Optional<JobInfo> cancel(JobId id) {
    return Optional.ofNullable(table.cancel(id).record()).map(this::info);
  }

  @Override
  public Optional<JobInfo> hold(JobId id) {
    return heldOrReleased(id, table.hold(id), "held", JobState.HELD);
  }

  @Override
  public Optional<JobInfo> release(JobId id) {
    UpdateResult u = table.release(id);
    JobState now = u.record() == null ? null : u.record().state();
    return heldOrReleased(
        id, u, "released", now == JobState.QUEUED || now == JobState.WAITING ? now : null);
  }

  @Override
  public Optional<JobInfo> requeue(JobId id, String submittedBy) {
    Optional<JobRecord> found = table.get(id);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    JobRecord r = found.get();
    JobSpec spec = r.spec();
    if (r.arrayParent()) {
      List<Integer> again = new ArrayList<>();
      boolean ended = true;
      for (TaskBlock b : table.blocksOf(id)) {
        for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
          if (b.has(slot)) {
            ended &= b.state(slot).isTerminal();
            if (b.state(slot) != JobState.SUCCEEDED) {
              again.add(b.indexOf(slot));
            }
          }
        }
      }
      if (!ended || r.state() == JobState.HELD) {
        throw new IllegalStateException(
            "array " + id + " has tasks not yet ended: requeue it once they have (or cancel it)");
      }
      if (again.isEmpty()) {
        throw new IllegalStateException(
            "every task of array " + id + " succeeded: none to run again");
      }
      again.sort(null);
      spec = spec.withArray(ArraySpec.ofIndices(again, spec.array().limit()));
    } else {
      if (!r.state().isTerminal()) {
        throw new IllegalStateException(
            "job "
                + id
                + " is "
                + r.state()
                + ": only an ended job can be requeued (cancel it first)");
      }
      if (r.arrayId() != null) {
        spec = spec.withArray(ArraySpec.ofIndices(List.of(r.arrayIndex()), null));
      }
    }
    Scheduling s = spec.schedulingOrDefault();
    // Its dependencies were decided for the first run (a job cancelled because one failed would
    // be cancelled again): the new one runs at once.
    JobId again =
        submit(spec.withScheduling(s.withHold(false)).withAfter(null).withSubmittedBy(submittedBy));
    return job(again);
  }

  /** The job after a hold or release; a refusal is an error unless the job is as asked already. */
  private Optional<JobInfo> heldOrReleased(
      JobId id, UpdateResult u, String verb, JobState alreadySo) {
    if (u.record() == null) {
      return Optional.empty();
    }
    if (!u.applied() && u.record().state() != alreadySo) {
      throw new IllegalStateException("job " + id + " cannot be " + verb + ": " + u.refusal());
    }
    return Optional.of(info(u.record()));
  }

  /** The job as clients see it; an array with its tasks' counts and summed-up state. */
  private JobInfo info(JobRecord r) {
    if (!r.arrayParent()) {
      return r.toInfo();
    }
    Map<JobState, Integer> counts = table.arrayCounts(r);
    return r.toInfo().withTasks(ArrayProgress.state(r.state(), counts), counts);
  }

  @Override
  public Optional<Output> output(JobId id, Stream stream, int attempt) {
    Optional<JobRecord> job = table.get(id);
    if (job.isEmpty()) {
      return Optional.empty();
    }
    int latest = job.get().attempt();
    if (attempt < 1 || attempt > latest) {
      throw new IllegalArgumentException(
          "attempt "
              + attempt
              + " is not one of job "
              + id
              + "'s: "
              + (latest == 0 ? "it has not run yet" : "give 1 to " + latest));
    }
    if (attempt == latest) {
      return output(id, stream);
    }
    return Optional.of(endedAttemptOutput(id, stream, attempt));
  }

  /**
   * What an attempt that ended (or was lost) wrote, the job itself not ended: final, as kept at its
   * end, or what its worker stored while it ran. Read whole (at most the output cap), so that its
   * length is known.
   */
  private Output endedAttemptOutput(JobId id, Stream stream, int attempt) {
    String key =
        OutputKeys.prefix(id, attempt)
            + (stream == Stream.STDOUT ? OutputKeys.STDOUT : OutputKeys.STDERR);
    byte[] bytes = blobs.get(key).or(() -> blobs.get(key + OutputKeys.LIVE)).orElse(new byte[0]);
    return new Output(new ByteArrayInputStream(bytes), bytes.length);
  }

  @Override
  public Optional<Output> output(JobId id, Stream stream) {
    Optional<JobRecord> job = table.get(id);
    if (job.isEmpty()) {
      return Optional.empty();
    }
    JobState state = job.get().state();
    if (!state.isTerminal() && !state.isActive() && job.get().attempt() > 0) {
      // Queued (or held) again after an attempt ended: a retry waiting out its backoff, or a job
      // taken back. That attempt's output is the latest there is, and it is final.
      return Optional.of(endedAttemptOutput(id, stream, job.get().attempt()));
    }
    String key =
        OutputKeys.prefix(id, job.get().attempt())
            + (stream == Stream.STDOUT ? OutputKeys.STDOUT : OutputKeys.STDERR);
    if (!state.isTerminal()) {
      // Running: what it has written so far, as its worker last stored it (see LiveOutput);
      // streamed, length unknown: a reader with an offset skips what it has without a copy here.
      return Optional.of(
          blobs
              .open(key + OutputKeys.LIVE)
              .map(in -> new Output(in, -1))
              .orElseGet(() -> new Output(new ByteArrayInputStream(new byte[0]), 0)));
    }
    Optional<InputStream> stored = blobs.open(key);
    long kept = stream == Stream.STDOUT ? job.get().stdoutBytes() : job.get().stderrBytes();
    if (stored.isEmpty() && kept == 0) {
      // Ended without its output stored (its worker was lost under it): what it had written
      // until then, if its worker stored that while it ran.
      // Read whole (it is at most the output cap), so that its length is known: a reader takes
      // an ended job's output as final, and must see a copy that breaks off as broken.
      Optional<byte[]> soFar = blobs.get(key + OutputKeys.LIVE);
      if (soFar.isPresent()) {
        return Optional.of(new Output(new ByteArrayInputStream(soFar.get()), soFar.get().length));
      }
    }
    if (stored.isEmpty() && kept > 0) {
      // Never an empty answer for output the record says was kept: that would read as "wrote
      // nothing". After a full restart the blob store's index is rebuilt from the disks first.
      throw new GridUnavailableException(
          "the "
              + kept
              + " bytes of "
              + stream.name().toLowerCase(Locale.ROOT)
              + " of job "
              + id
              + " cannot be found in the blob store now: its index may still be restoring after"
              + " a restart (try again), the job may be expiring, or every copy may be lost"
              + " (bin/storage check tells)",
          null);
    }
    return Optional.of(
        stored
            .map(in -> new Output(in, kept))
            .orElseGet(() -> new Output(new ByteArrayInputStream(new byte[0]), 0)));
  }

  @Override
  public boolean hasJar(String sha256) {
    return jars.inGrid(sha256);
  }

  @Override
  public boolean putJar(String sha256, InputStream body) {
    return jars.store(sha256, body);
  }

  @Override
  public Optional<byte[]> result(JobId id, boolean text) {
    Optional<JobRecord> found = table.get(id);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    JobRecord job = found.get();
    if (job.spec().java() == null) {
      throw new IllegalStateException(
          "job "
              + id
              + " is not a Java job and has no result: read"
              + " its output with bin/logs "
              + id);
    }
    if (job.arrayParent()) {
      throw new IllegalStateException(
          "job "
              + id
              + " is an array: each of its tasks has a"
              + " result (bin/result "
              + id
              + "_INDEX), and a job submitted --after "
              + id
              + " reads them all (JobContext.parentResults)");
    }
    if (job.state() != JobState.SUCCEEDED) {
      throw new IllegalStateException(
          "job "
              + id
              + " is "
              + job.state()
              + ": only a job that"
              + " SUCCEEDED has a result"
              + (job.state().isTerminal()
                  ? "; see bin/status " + id + " and bin/logs " + id
                  : "; wait for it (bin/status " + id + ")"));
    }
    String key =
        OutputKeys.prefix(id, job.attempt()) + (text ? OutputKeys.RESULT_TEXT : OutputKeys.RESULT);
    return Optional.of(
        blobs
            .get(key)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "job "
                            + id
                            + " returned null, or its result is gone (retention): it has no result")));
  }

  @Override
  public ScheduleInfo addSchedule(ScheduleSpec spec) {
    checkLabels(spec.job().schedulingOrDefault()); // a typo would make every fire wait
    return schedules.add(spec);
  }

  @Override
  public List<ScheduleInfo> schedules() {
    return schedules.list();
  }

  @Override
  public Optional<ScheduleInfo> schedule(String name) {
    return schedules.get(name);
  }

  @Override
  public Optional<ScheduleInfo> setPaused(String name, boolean paused) {
    return schedules.setPaused(name, paused);
  }

  @Override
  public boolean deleteSchedule(String name) {
    return schedules.delete(name);
  }

  @Override
  public Optional<List<ScheduleRun>> runs(String name) {
    return schedules.runs(name);
  }

  @Override
  public Optional<List<ScheduleRun>> runs(String name, long afterMillis, int limit) {
    return schedules.runs(name, afterMillis, limit);
  }

  @Override
  public BlobListing blobs(String prefix, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit " + limit + " is not valid: give 1 or more");
    }
    return StorageAnswers.listing(prefix, limit, blobs.blobs(prefix));
  }

  @Override
  public StorageHealth checkStorage(boolean verify) {
    return StorageAnswers.health(blobs.check(verify));
  }

  @Override
  public StorageRepair repairStorage() {
    return StorageAnswers.repair(blobs.repairNow());
  }

  @Override
  public List<NodeInfo> nodes() {
    IMap<String, NodeRecord> nodes = hz.getMap(ClusterSettings.NODES_MAP);
    Set<String> live = liveMemberIds();
    Map<String, DrainRecord> marks = drains.marks();
    Map<String, DrainCount> counts = marks.isEmpty() ? Map.of() : drains.counts();
    return nodes.values().stream()
        .filter(n -> live.contains(n.memberId()))
        .sorted(Comparator.comparing(NodeRecord::name))
        .map(
            n ->
                n.toInfo()
                    .withDrain(
                        DrainTable.state(marks.get(n.name()), counts.get(n.name()), n.running())))
        .toList();
  }

  private Set<String> liveMemberIds() {
    Set<String> live = new HashSet<>();
    for (Member m : hz.getCluster().getMembers()) {
      live.add(m.getUuid().toString());
    }
    return live;
  }

  /**
   * A name no node has had is refused (empty: a 404) rather than marked: a typo would otherwise
   * drain nothing and keep a mark that drains a node of that name the day one joins. Known: a node
   * that published itself since the grid started (the nodes map keeps those that left), or a name
   * drained already (after a full restart, before the node is back).
   */
  @Override
  public Optional<NodeDrain> drain(String node) {
    DrainTable.checkNodeName(node);
    NodeRecord known = nodeRecord(node);
    if (known == null && drains.markOf(node) == null) {
      return Optional.empty();
    }
    DrainRecord mark = drains.drain(node);
    boolean live = known != null && liveMemberIds().contains(known.memberId());
    if (!live) {
      return Optional.of(new NodeDrain(node, DrainState.DRAINED)); // it runs nothing now
    }
    drains.awaitTakenIn(mark, DRAIN_TAKE_IN_WAIT);
    NodeRecord now = nodeRecord(node); // its running count, a second fresher
    int running = now == null ? known.running() : now.running();
    return Optional.of(
        new NodeDrain(node, DrainTable.state(mark, drains.counts().get(node), running)));
  }

  @Override
  public Optional<NodeDrain> undrain(String node) {
    DrainTable.checkNodeName(node);
    if (!drains.undrain(node) && nodeRecord(node) == null) {
      return Optional.empty();
    }
    return Optional.of(new NodeDrain(node, null));
  }

  private NodeRecord nodeRecord(String node) {
    IMap<String, NodeRecord> nodes = hz.getMap(ClusterSettings.NODES_MAP);
    return nodes.get(node);
  }

  @Override
  public String nodeName() {
    return nodeName;
  }
}
