package dev.grid.scheduler;

import com.hazelcast.aggregation.Aggregator;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.projection.Projection;
import com.hazelcast.query.Predicate;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Scheduling;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The replicated {@code jobs} map and the messages about jobs: what every node uses to accept,
 * read, change and hand over jobs. Every change goes through {@link JobUpdate}'s rules.
 */
public final class JobTable {
  private final HazelcastInstance hz;
  private final IMap<JobId, JobRecord> jobs;
  private final IMap<String, TaskBlock> blocks;
  private final IExecutorService messages;
  private final Clock clock;
  private volatile JobIds ids;
  private volatile Consumer<JobRecord> createdHere = r -> {};

  public JobTable(HazelcastInstance hz, Clock clock) {
    this.hz = hz;
    this.jobs = hz.getMap(ClusterSettings.JOBS_MAP);
    this.blocks = hz.getMap(ClusterSettings.TASK_BLOCKS_MAP);
    this.messages = hz.getExecutorService(ClusterSettings.MESSAGE_EXECUTOR);
    this.clock = clock;
  }

  /**
   * Hands every job this node creates (a submit it received, a cron fire) to {@code consumer} once
   * it is in the map: the primary's dispatcher takes it at once, without waiting for the map's
   * event, which still comes and is then known.
   */
  public void onCreatedHere(Consumer<JobRecord> consumer) {
    createdHere = consumer;
  }

  /**
   * Accepts a job: once this returns it is in the replicated map, QUEUED (WAITING if it has
   * dependencies). An array is its own record plus its task blocks ({@link TaskBlock}), the blocks
   * written first: a submit that fails half-way leaves blocks no array record names, which nothing
   * dispatches, never an array without its tasks.
   *
   * <p>The id is new by construction ({@link JobIds}), so the record is written with {@code set}: a
   * {@code putIfAbsent} would first look for the id in the persisted store, a read per submit.
   *
   * @throws IllegalArgumentException naming a dependency that is no job of the grid
   */
  public JobId submit(JobSpec spec) {
    checkParents(spec);
    long now = clock.millis();
    JobId id = ids().next(now);
    if (spec.array() != null) {
      Map<String, TaskBlock> made = new HashMap<>();
      for (TaskBlock b : TaskBlock.created(id, spec, now)) {
        made.put(b.key(), b);
      }
      blocks.putAll(made);
    }
    JobRecord queued = JobRecord.queued(id, spec, now);
    jobs.set(id, queued);
    createdHere.accept(queued);
    return id;
  }

  /** This node's id source, its nonce drawn at the first submit. */
  private JobIds ids() {
    JobIds current = ids;
    if (current == null) {
      synchronized (this) {
        if (ids == null) {
          ids = JobIds.drawn(hz);
        }
        current = ids;
      }
    }
    return current;
  }

  /**
   * The id of an array's task: {@code <arrayId>_<index>}, so a task is named once whatever retries
   * its writer makes.
   */
  public static JobId taskId(JobId arrayId, int index) {
    return JobId.of(arrayId.value() + "_" + index);
  }

  /** The array and index a task id names, or null if it is no task id. */
  static TaskRef taskRef(JobId id) {
    String v = id.value();
    int cut = v.lastIndexOf('_');
    if (cut <= 0 || cut == v.length() - 1) {
      return null;
    }
    try {
      int index = Integer.parseInt(v.substring(cut + 1));
      return index < 0 ? null : new TaskRef(JobId.of(v.substring(0, cut)), index);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A task of an array: the array's id and the task's index. */
  record TaskRef(JobId arrayId, int index) {
    String blockKey() {
      return TaskBlock.key(arrayId, TaskBlock.blockOf(index));
    }

    int slot() {
      return TaskBlock.slotOf(index);
    }
  }

  private void checkParents(JobSpec spec) {
    if (spec.after() == null) {
      return;
    }
    Set<JobId> known = jobs.getAll(new HashSet<>(spec.after().all())).keySet();
    for (JobId id : spec.after().all()) {
      if (!known.contains(id)) {
        throw new IllegalArgumentException(
            "no job with id '"
                + id
                + "' to run after: "
                + "check the id with bin/jobs (ended jobs are forgotten after the retention age)");
      }
    }
  }

  /**
   * How many tasks of the array are in each state, counted where its blocks live: one small answer
   * per block, never the tasks themselves.
   */
  public Map<JobState, Integer> arrayCounts(JobRecord array) {
    return arrayCounts(array.id());
  }

  /** How many tasks of the array are in each state (empty if it has no blocks). */
  public Map<JobState, Integer> arrayCounts(JobId arrayId) {
    int[] n = new int[JobState.values().length];
    for (int[] counts : blocks.project(new BlockCounts(), new BlocksOf(arrayId))) {
      for (int s = 0; s < n.length; s++) {
        n[s] += counts[s];
      }
    }
    Map<JobState, Integer> out = new EnumMap<>(JobState.class);
    for (int s = 0; s < n.length; s++) {
      if (n[s] > 0) {
        out.put(JobState.values()[s], n[s]);
      }
    }
    return out;
  }

  /** The array's blocks, in block order. */
  public List<TaskBlock> blocksOf(JobId arrayId) {
    List<TaskBlock> out = new ArrayList<>(blocks.values(new BlocksOf(arrayId)));
    out.sort(Comparator.comparingInt(TaskBlock::block));
    return out;
  }

  /**
   * The blocks with a task not ended, selected where they live: a new primary reads these, not the
   * blocks of every array kept for the retention age.
   */
  List<TaskBlock> unfinishedBlocks() {
    return new ArrayList<>(blocks.values(new Unfinished()));
  }

  /** The blocks under the given keys that exist. */
  Map<String, TaskBlock> blocks(Set<String> keys) {
    return blocks.getAll(keys);
  }

  /** Applies a command to a block on the member that owns it, and waits for the outcome. */
  public BlockUpdate.Result updateBlock(String key, BlockCommand command) {
    return blocks.executeOnKey(key, new BlockUpdate.Processor(command));
  }

  /** Applies a command to a block without waiting. */
  public CompletionStage<BlockUpdate.Result> updateBlockAsync(String key, BlockCommand command) {
    return blocks.submitToKey(key, new BlockUpdate.Processor(command));
  }

  /** Deletes the array's task blocks (its record is deleted apart). */
  void forgetBlocks(JobId arrayId) {
    for (String key : blocks.keySet(new BlocksOf(arrayId))) {
      blocks.delete(key);
    }
  }

  /**
   * Creates the job under the given id unless one exists; true if this call created it. An array's
   * blocks are written first, each unless it exists, so a writer that retries after a failure
   * half-way completes the array rather than leaving it without tasks.
   */
  public boolean submitIfAbsent(JobId id, JobSpec spec) {
    long now = clock.millis();
    if (spec.array() != null && !jobs.containsKey(id)) {
      for (TaskBlock b : TaskBlock.created(id, spec, now)) {
        blocks.putIfAbsent(b.key(), b);
      }
    }
    JobRecord queued = JobRecord.queued(id, spec, now);
    if (jobs.putIfAbsent(id, queued) != null) {
      return false;
    }
    createdHere.accept(queued);
    return true;
  }

  /** A job's record; for a task of an array, built from its block ({@link TaskBlock#task}). */
  public Optional<JobRecord> get(JobId id) {
    JobRecord r = jobs.get(id);
    if (r != null) {
      return Optional.of(r);
    }
    TaskRef ref = taskRef(id);
    if (ref == null) {
      return Optional.empty();
    }
    TaskBlock b = blocks.get(ref.blockKey());
    if (b == null || !b.has(ref.slot())) {
      return Optional.empty();
    }
    JobRecord array = jobs.get(ref.arrayId());
    return array == null ? Optional.empty() : Optional.of(b.task(array.spec(), ref.slot()));
  }

  /** Applies a command on the member that owns the job, and waits for the outcome. */
  public UpdateResult update(JobId id, JobCommand command) {
    return jobs.executeOnKey(id, new JobUpdateProcessor(command));
  }

  /** Applies a command without waiting. */
  public CompletionStage<UpdateResult> updateAsync(JobId id, JobCommand command) {
    return jobs.submitToKey(id, new JobUpdateProcessor(command));
  }

  /**
   * Jobs in one of the given states (all when empty), oldest first, the tasks of arrays among them
   * (built from their blocks).
   */
  public List<JobRecord> inStates(Set<JobState> states) {
    Map<JobId, JobRecord> arrays = new HashMap<>();
    List<JobRecord> out = new ArrayList<>();
    for (JobRecord r : jobs.values()) {
      if (r.arrayParent()) {
        arrays.put(r.id(), r);
      }
      if (states.isEmpty() || states.contains(r.state())) {
        out.add(r);
      }
    }
    for (TaskBlock b : blocks.values()) {
      JobRecord array = arrays.get(b.arrayId());
      if (array == null) {
        continue; // blocks of a submit that failed half-way
      }
      for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
        if (b.has(slot) && (states.isEmpty() || states.contains(b.state(slot)))) {
          out.add(b.task(array.spec(), slot));
        }
      }
    }
    out.sort(JobRecord.SUBMIT_ORDER);
    return out;
  }

  /**
   * The first {@code limit} records of the jobs map after {@code from} ({@link JobPosition} order;
   * null: from the first), leaving out the jobs not of the filter's name, and those not in its
   * state but never an array's own record, whose summed-up state depends on its tasks. Each member
   * sorts out its own share and sends at most {@code limit} records, so a call costs a pass over
   * the records in memory (no copy, no serialization) and {@code limit} records per member on the
   * wire.
   */
  public List<JobRecord> firstAfter(JobPosition from, JobFilter filter, int limit) {
    return jobs.aggregate(new FirstAfter(from, filter.state(), filter.name(), limit));
  }

  /** The task blocks of the given arrays, read by their keys in one call; by array, block order. */
  public Map<JobId, List<TaskBlock>> blocksOf(List<JobRecord> arrays) {
    Set<String> keys = new HashSet<>();
    for (JobRecord array : arrays) {
      for (int index : array.spec().array().indexList()) {
        keys.add(TaskBlock.key(array.id(), TaskBlock.blockOf(index)));
      }
    }
    Map<JobId, List<TaskBlock>> out = new HashMap<>();
    for (TaskBlock b : blocks.getAll(keys).values()) {
      out.computeIfAbsent(b.arrayId(), a -> new ArrayList<>()).add(b);
    }
    out.values().forEach(list -> list.sort(Comparator.comparingInt(TaskBlock::block)));
    return out;
  }

  /** Records that have not ended, arrays' own records among them; not the tasks of arrays. */
  public List<JobRecord> unfinished() {
    List<JobRecord> out =
        new ArrayList<>(jobs.values(new InStates(new ArrayList<>(JobState.unfinished()))));
    out.sort(JobRecord.SUBMIT_ORDER);
    return out;
  }

  /**
   * Holds a job or array not yet dispatched ({@link JobCommand.Hold}); a held array dispatches none
   * of its tasks, and those already running run on. Returns the outcome (record null if there is no
   * such job).
   *
   * @throws IllegalArgumentException for a task of an array, naming the array to hold instead
   */
  public UpdateResult hold(JobId id) {
    return holdOrRelease(id, new JobCommand.Hold(clock.millis()), "hold");
  }

  /** Releases a held job or array ({@link JobCommand.Unhold}), as {@link #hold} holds it. */
  public UpdateResult release(JobId id) {
    return holdOrRelease(id, new JobCommand.Unhold(clock.millis()), "release");
  }

  private UpdateResult holdOrRelease(JobId id, JobCommand command, String verb) {
    UpdateResult u = update(id, command);
    TaskRef ref = u.record() == null ? taskRef(id) : null;
    if (ref != null && jobs.containsKey(ref.arrayId())) {
      throw new IllegalArgumentException(
          id
              + " is a task of array "
              + ref.arrayId()
              + ": "
              + verb
              + " the array, which stands for its tasks");
    }
    return u;
  }

  /**
   * Cancels a single job that has not started; one that runs already is left to run (the answer
   * says so).
   */
  public UpdateResult cancelUnstarted(JobId id) {
    return update(id, new JobCommand.Cancel(clock.millis(), true));
  }

  /**
   * Cancels a job: a queued or dispatched one ends at once, a running one is marked and its worker
   * told to kill it. An array's cancel cancels every task of it; a task's, that task. Returns the
   * outcome (record null if there is no such job).
   */
  public UpdateResult cancel(JobId id) {
    UpdateResult u = update(id, new JobCommand.Cancel(clock.millis()));
    if (u.record() == null) {
      TaskRef ref = taskRef(id);
      return ref == null ? u : cancelTask(ref);
    }
    if (u.record().arrayParent()) {
      cancelTasks(id);
    }
    // A repeated cancel of a running job tells the worker again: the first message may be lost.
    if (u.record().state() == JobState.RUNNING && u.record().cancelRequested()) {
      sendCancel(u.record());
    }
    return u;
  }

  /** Cancels every unfinished task of the array, a block at a time, all blocks at once. */
  private void cancelTasks(JobId arrayId) {
    List<CompletableFuture<BlockUpdate.Result>> results = new ArrayList<>();
    for (String key : blocks.keySet(new BlocksOf(arrayId))) {
      results.add(
          updateBlockAsync(key, new BlockCommand.Cancel(null, clock.millis()))
              .toCompletableFuture());
    }
    for (CompletableFuture<BlockUpdate.Result> f : results) {
      tellRunning(f.join(), null);
    }
  }

  private UpdateResult cancelTask(TaskRef ref) {
    BlockUpdate.Result r =
        updateBlock(
            ref.blockKey(), new BlockCommand.Cancel(new int[] {ref.slot()}, clock.millis()));
    if (r.block() == null || !r.block().has(ref.slot())) {
      return UpdateResult.refusedAs(null, "no such job");
    }
    JobRecord array = jobs.get(ref.arrayId());
    if (array == null) {
      return UpdateResult.refusedAs(null, "no such job");
    }
    tellRunning(r, new int[] {ref.slot()});
    JobRecord task = r.block().task(array.spec(), ref.slot());
    return r.applied()
        ? UpdateResult.applied(task)
        : UpdateResult.refusedAs(
            task,
            task.state().isTerminal() ? "already " + task.state() : "cancel already requested");
  }

  /**
   * Tells the workers of the given slots (all if null) that are running and marked cancelled to
   * kill them; told again on a repeated cancel, since the first message may be lost.
   */
  private void tellRunning(BlockUpdate.Result r, int[] slots) {
    TaskBlock b = r.block();
    BitSet asked = new BitSet();
    if (slots != null) {
      Arrays.stream(slots).forEach(asked::set);
    }
    for (int slot = 0; b != null && slot < TaskBlock.SIZE; slot++) {
      if ((slots == null || asked.get(slot))
          && b.has(slot)
          && b.state(slot) == JobState.RUNNING
          && b.cancelRequested(slot)) {
        sendCancel(
            JobTable.taskId(b.arrayId(), b.indexOf(slot)), b.attempts()[slot], b.workerId(slot));
      }
    }
  }

  /** Hands a dispatched job to the worker process that is its {@code workerId}. */
  public boolean sendRun(JobRecord dispatched, long epoch) {
    Optional<Member> member = member(dispatched.workerId());
    member.ifPresent(m -> messages.executeOnMember(new WorkerMessages.Run(dispatched, epoch), m));
    return member.isPresent();
  }

  /**
   * Hands jobs dispatched to one worker process (the same {@code workerId}) to it in one message.
   */
  public boolean sendRunAll(List<JobRecord> dispatched, long epoch) {
    if (dispatched.isEmpty()) {
      return true;
    }
    if (dispatched.size() == 1) {
      return sendRun(dispatched.get(0), epoch);
    }
    Optional<Member> member = member(dispatched.get(0).workerId());
    member.ifPresent(
        m -> messages.executeOnMember(new WorkerMessages.RunAll(dispatched, epoch), m));
    return member.isPresent();
  }

  /** Asks the worker running the job to kill the given attempt. */
  public boolean sendCancel(JobRecord running) {
    return sendCancel(running.id(), running.attempt(), running.workerId());
  }

  private boolean sendCancel(JobId id, int attempt, String workerId) {
    Optional<Member> member = member(workerId);
    member.ifPresent(m -> messages.executeOnMember(new WorkerMessages.Cancel(id, attempt), m));
    return member.isPresent();
  }

  /** Hands a slice (slots of one block dispatched to one worker) to that worker process. */
  boolean sendSlice(TaskSlice slice) {
    Optional<Member> member = member(slice.workerId());
    member.ifPresent(m -> messages.executeOnMember(new WorkerMessages.RunSlice(slice), m));
    return member.isPresent();
  }

  /** The live member with the given Hazelcast id. */
  public Optional<Member> member(String workerId) {
    if (workerId == null) {
      return Optional.empty();
    }
    UUID uuid = UUID.fromString(workerId);
    return hz.getCluster().getMembers().stream().filter(m -> m.getUuid().equals(uuid)).findFirst();
  }

  /**
   * Every job's id, state and end time, made where the records live; the tasks of arrays made where
   * their blocks live.
   */
  List<JobSummary> summaries() {
    List<JobSummary> out = new ArrayList<>(jobs.project(new JobSummary.Of()));
    for (List<JobSummary> tasks : blocks.project(new BlockSummaries())) {
      out.addAll(tasks);
    }
    return out;
  }

  /**
   * Deletes an ended job's record (from every copy, and from the store behind the map); a job that
   * has not ended is left alone. True if it was deleted.
   */
  boolean forgetEnded(JobId id) {
    return Boolean.TRUE.equals(jobs.executeOnKey(id, new ForgetEnded()));
  }

  /**
   * Deletes an array's own record (from every copy, and from the store behind the map); any other
   * record is left alone. True if it was deleted. An array's record never ends by itself: its tasks
   * do, and retention deletes them first (see {@link RetentionPlanner}). Its task blocks go with
   * it.
   */
  boolean forgetArray(JobId id) {
    boolean deleted = Boolean.TRUE.equals(jobs.executeOnKey(id, new ForgetArray()));
    if (deleted) {
      forgetBlocks(id);
    }
    return deleted;
  }

  /** The underlying map, for listeners. */
  IMap<JobId, JobRecord> map() {
    return jobs;
  }

  /** The task blocks' map, for listeners. */
  IMap<String, TaskBlock> blockMap() {
    return blocks;
  }

  /**
   * Deletes the record if the job has ended. Checked where the record lives, so a job created again
   * under the same id since retention looked (a cron fire handled again) is never deleted.
   */
  record ForgetEnded() implements EntryProcessor<JobId, JobRecord, Boolean> {
    @Override
    public Boolean process(Map.Entry<JobId, JobRecord> entry) {
      JobRecord r = entry.getValue();
      if (r == null || !r.state().isTerminal()) {
        return false;
      }
      entry.setValue(null);
      return true;
    }
  }

  /** Deletes the record if it is an array's own record; checked where the record lives. */
  record ForgetArray() implements EntryProcessor<JobId, JobRecord, Boolean> {
    @Override
    public Boolean process(Map.Entry<JobId, JobRecord> entry) {
      JobRecord r = entry.getValue();
      if (r == null || !r.arrayParent()) {
        return false;
      }
      entry.setValue(null);
      return true;
    }
  }

  /** Selects the blocks of one array where they live. */
  record BlocksOf(JobId arrayId) implements Predicate<String, TaskBlock> {
    @Override
    public boolean apply(Map.Entry<String, TaskBlock> entry) {
      return arrayId.equals(entry.getValue().arrayId());
    }
  }

  /** Selects the blocks with a task not ended, where they live. */
  record Unfinished() implements Predicate<String, TaskBlock> {
    @Override
    public boolean apply(Map.Entry<String, TaskBlock> entry) {
      return !entry.getValue().allEnded();
    }
  }

  /** A block's counts per state (by the state's ordinal), made where it lives. */
  record BlockCounts() implements Projection<Map.Entry<String, TaskBlock>, int[]> {
    @Override
    public int[] transform(Map.Entry<String, TaskBlock> entry) {
      return entry.getValue().countArray();
    }
  }

  /** What retention needs of a block's tasks ({@link JobSummary}), made where it lives. */
  record BlockSummaries() implements Projection<Map.Entry<String, TaskBlock>, List<JobSummary>> {
    @Override
    public List<JobSummary> transform(Map.Entry<String, TaskBlock> entry) {
      TaskBlock b = entry.getValue();
      List<JobSummary> out = new ArrayList<>();
      for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
        if (b.has(slot)) {
          JobState state = b.state(slot);
          long ended =
              state.isTerminal() ? Math.max(b.endedAtMillis()[slot], b.submittedAtMillis()) : 0;
          out.add(
              new JobSummary(
                  taskId(b.arrayId(), b.indexOf(slot)), state, ended, b.arrayId(), false));
        }
      }
      return out;
    }
  }

  /**
   * Keeps the first records after a position, where the records live: each member accumulates its
   * entries (keeping at most twice the limit between trims), then the callers' side combines the
   * members' shares. Not a record: Hazelcast fills it as it goes.
   */
  static final class FirstAfter
      implements Aggregator<Map.Entry<JobId, JobRecord>, List<JobRecord>> {
    private static final long serialVersionUID = 1L;
    private static final Comparator<JobRecord> ORDER = Comparator.comparing(JobPosition::of);

    private JobPosition from;
    private JobState state;
    private String name;
    private int limit;
    private ArrayList<JobRecord> kept = new ArrayList<>();

    FirstAfter(JobPosition from, JobState state, String name, int limit) {
      if (limit < 1) {
        throw new IllegalArgumentException("limit " + limit + " is not valid: give 1 or more");
      }
      this.from = from;
      this.state = state;
      this.name = name;
      this.limit = limit;
    }

    @Override
    public void accumulate(Map.Entry<JobId, JobRecord> entry) {
      JobRecord r = entry.getValue();
      if ((from != null && JobPosition.of(r).compareTo(from) <= 0)
          || (state != null && !r.arrayParent() && r.state() != state)
          || (name != null && !name.equals(r.spec().schedulingOrDefault().name()))) {
        return;
      }
      kept.add(r);
      if (kept.size() >= 2 * limit) {
        trim();
      }
    }

    @Override
    public void combine(Aggregator aggregator) {
      kept.addAll(((FirstAfter) aggregator).kept);
      trim();
    }

    @Override
    public List<JobRecord> aggregate() {
      trim();
      return kept;
    }

    private void trim() {
      kept.sort(ORDER);
      if (kept.size() > limit) {
        kept = new ArrayList<>(kept.subList(0, limit));
      }
    }
  }

  /**
   * What the jobs that ended at or after {@code sinceMillis} cost, summed per queue, name and
   * submitter ({@code bin/report}): single jobs from their records, each task of an array from its
   * block, under its array's queue, name and submitter. Summed where the records live.
   */
  public JobReport report(long sinceMillis, long nowMillis) {
    Map<String, JobReport.Row> sums = new HashMap<>(jobs.aggregate(new ReportSums(sinceMillis)));
    // Tasks are slots of their blocks: summed per array where the blocks live, then put under
    // their array's queue, name and submitter.
    Map<JobId, JobReport.Row> byArray = blocks.aggregate(new TaskReportSums(sinceMillis));
    if (!byArray.isEmpty()) {
      for (JobRecord array : jobs.getAll(byArray.keySet()).values()) {
        ReportSums.addAll(sums, array, byArray.get(array.id()));
      }
    }
    List<List<JobReport.Row>> by = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    sums.forEach(
        (key, row) -> {
          int group = key.charAt(0) - '0';
          by.get(group).add(row);
        });
    Comparator<JobReport.Row> order =
        Comparator.comparingLong(JobReport.Row::cpuMillis)
            .thenComparingLong(JobReport.Row::jobs)
            .reversed()
            .thenComparing(JobReport.Row::key);
    by.forEach(rows -> rows.sort(order));
    return new JobReport(sinceMillis, nowMillis, by.get(0), by.get(1), by.get(2));
  }

  /**
   * Sums ended jobs per queue, name and submitter where the records live (keys prefixed {@code 0},
   * {@code 1}, {@code 2}); the callers' side combines the members' shares. Not a record: Hazelcast
   * fills it as it goes.
   */
  static final class ReportSums
      implements Aggregator<Map.Entry<JobId, JobRecord>, Map<String, JobReport.Row>> {
    private static final long serialVersionUID = 1L;

    private long sinceMillis;
    private HashMap<String, JobReport.Row> sums = new HashMap<>();

    ReportSums(long sinceMillis) {
      this.sinceMillis = sinceMillis;
    }

    @Override
    public void accumulate(Map.Entry<JobId, JobRecord> entry) {
      JobRecord r = entry.getValue();
      if (r.arrayParent() // its tasks count, each one (see TaskReportSums)
          || !r.state().isTerminal()
          || r.endedAtMillis() == null
          || r.endedAtMillis() < sinceMillis) {
        return;
      }
      long run = r.startedAtMillis() == null ? 0 : r.endedAtMillis() - r.startedAtMillis();
      addAll(sums, r, JobReport.Row.of("", r.state(), run, r.usage()));
    }

    /** Adds a row of a job's (or an array's tasks') sums under its queue, name and submitter. */
    static void addAll(Map<String, JobReport.Row> sums, JobRecord r, JobReport.Row row) {
      Scheduling s = r.spec().schedulingOrDefault();
      String submitter = r.spec().submittedBy() == null ? "-" : r.spec().submittedBy();
      add(sums, "0", s.queueOrDefault(), row);
      add(sums, "1", s.name() == null ? "-" : s.name(), row);
      add(sums, "2", submitter, row);
    }

    private static void add(
        Map<String, JobReport.Row> sums, String group, String key, JobReport.Row row) {
      JobReport.Row keyed =
          new JobReport.Row(
              key,
              row.jobs(),
              row.succeeded(),
              row.failed(),
              row.cancelled(),
              row.runMillis(),
              row.measured(),
              row.cpuUserMillis(),
              row.cpuSystemMillis(),
              row.peakMemoryBytes());
      sums.merge(group + key, keyed, JobReport.Row::plus);
    }

    @Override
    public void combine(Aggregator aggregator) {
      ((ReportSums) aggregator).sums.forEach((k, row) -> sums.merge(k, row, JobReport.Row::plus));
    }

    @Override
    public Map<String, JobReport.Row> aggregate() {
      return sums;
    }
  }

  /**
   * Sums, per array, the tasks that ended at or after {@code sinceMillis}, where the blocks live
   * (rows keyed by nothing yet: the caller puts them under their array's queue, name and
   * submitter).
   */
  static final class TaskReportSums
      implements Aggregator<Map.Entry<String, TaskBlock>, Map<JobId, JobReport.Row>> {
    private static final long serialVersionUID = 1L;

    private long sinceMillis;
    private HashMap<JobId, JobReport.Row> sums = new HashMap<>();

    TaskReportSums(long sinceMillis) {
      this.sinceMillis = sinceMillis;
    }

    @Override
    public void accumulate(Map.Entry<String, TaskBlock> entry) {
      TaskBlock b = entry.getValue();
      for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
        if (!b.has(slot) || !b.state(slot).isTerminal()) {
          continue;
        }
        long ended = b.endedAtMillis()[slot];
        if (ended == 0 || ended < sinceMillis) {
          continue;
        }
        long started = b.startedAtMillis()[slot];
        long run = started == 0 ? 0 : ended - started;
        JobReport.Row row = JobReport.Row.of("", b.state(slot), run, b.usage().get(slot));
        sums.merge(b.arrayId(), row, JobReport.Row::plus);
      }
    }

    @Override
    public void combine(Aggregator aggregator) {
      ((TaskReportSums) aggregator)
          .sums.forEach((k, row) -> sums.merge(k, row, JobReport.Row::plus));
    }

    @Override
    public Map<JobId, JobReport.Row> aggregate() {
      return sums;
    }
  }

  /** Filters records by state where the records live. */
  record InStates(List<JobState> states) implements Predicate<JobId, JobRecord> {
    @Override
    public boolean apply(Map.Entry<JobId, JobRecord> entry) {
      return states.contains(entry.getValue().state());
    }
  }
}
