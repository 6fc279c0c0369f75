package dev.grid.scheduler;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

  public JobTable(HazelcastInstance hz, Clock clock) {
    this.hz = hz;
    this.jobs = hz.getMap(ClusterSettings.JOBS_MAP);
    this.blocks = hz.getMap(ClusterSettings.TASK_BLOCKS_MAP);
    this.messages = hz.getExecutorService(ClusterSettings.MESSAGE_EXECUTOR);
    this.clock = clock;
  }

  /**
   * Accepts a job: once this returns it is in the replicated map, QUEUED (WAITING if it has
   * dependencies). An array is its own record plus one record per task, written in one batch.
   *
   * @throws IllegalArgumentException naming a dependency that is no job of the grid
   */
  public JobId submit(JobSpec spec) {
    checkParents(spec);
    while (true) {
      JobId id = JobId.next(clock);
      long now = clock.millis();
      if (jobs.putIfAbsent(id, JobRecord.queued(id, spec, now)) == null) {
        if (spec.array() != null) {
          jobs.putAll(tasks(id, spec, now));
        }
        return id;
      }
    }
  }

  /**
   * The id of an array's task: {@code <arrayId>_<index>}, so a task is made once whatever
   * retries its writer makes.
   */
  public static JobId taskId(JobId arrayId, int index) {
    return JobId.of(arrayId.value() + "_" + index);
  }

  private static Map<JobId, JobRecord> tasks(JobId arrayId, JobSpec spec, long now) {
    Map<JobId, JobRecord> out = new HashMap<>();
    for (int i : spec.array().indexList()) {
      JobId id = taskId(arrayId, i);
      out.put(id, JobRecord.accepted(id, spec, now, arrayId, i));
    }
    return out;
  }

  private void checkParents(JobSpec spec) {
    if (spec.after() == null) {
      return;
    }
    Set<JobId> known = jobs.getAll(new HashSet<>(spec.after().all())).keySet();
    for (JobId id : spec.after().all()) {
      if (!known.contains(id)) {
        throw new IllegalArgumentException("no job with id '" + id + "' to run after: "
            + "check the id with bin/jobs (ended jobs are forgotten after the retention age)");
      }
    }
  }

  /** How many tasks of the array are in each state, counted where the records live. */
  public Map<JobState, Integer> taskCounts(JobId arrayId) {
    List<JobState> states = new ArrayList<>();
    for (JobSummary s : jobs.project(new JobSummary.Of(), new TasksOf(arrayId))) {
      states.add(s.state());
    }
    return ArrayProgress.count(states);
  }

  /**
   * How many tasks of the array are in each state: from its {@link TaskBlock}s (one read per
   * {@value TaskBlock#SIZE} tasks) when they account for every task, else counted from the
   * records themselves ({@link #taskCounts}, a scan of the grid's records). The blocks are what
   * the primary last published, a dispatch pass (well under a second) behind the records, and
   * missing while a new primary reads the records after a full restart.
   */
  public Map<JobState, Integer> arrayCounts(JobRecord array) {
    Map<JobState, Integer> fromBlocks = blockCounts(array);
    return fromBlocks != null ? fromBlocks : taskCounts(array.id());
  }

  /** The array's counts from its blocks, or null if they do not account for every task. */
  Map<JobState, Integer> blockCounts(JobRecord array) {
    List<Integer> indices = array.spec().array().indexList();
    Set<String> keys = new HashSet<>();
    int last = -1;
    for (int i : indices) {
      int b = TaskBlock.blockOf(i);
      if (b != last) {
        keys.add(TaskBlock.key(array.id(), b));
        last = b;
      }
    }
    Map<String, TaskBlock> found = blocks.getAll(keys);
    if (found.size() != keys.size()) {
      return null;
    }
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    for (TaskBlock b : found.values()) {
      b.addCounts(counts);
    }
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    return total == indices.size() ? counts : null;
  }

  /** Writes the blocks, each unless a newer primary wrote it; without waiting. */
  List<CompletableFuture<Boolean>> publishBlocks(List<TaskBlock> changed) {
    List<CompletableFuture<Boolean>> out = new ArrayList<>(changed.size());
    for (TaskBlock b : changed) {
      out.add(blocks.submitToKey(TaskBlock.key(b.arrayId(), b.block()), new TaskBlock.Publish(b))
          .toCompletableFuture());
    }
    return out;
  }

  /** Every array task's state and version, made where the records live. */
  List<TaskSlot> taskSlots() {
    return new ArrayList<>(jobs.project(new TaskSlot.Of(), new AnyTask()));
  }

  /** Deletes the array's task blocks (its tasks' records are deleted apart). */
  void forgetBlocks(JobRecord array) {
    Set<Integer> numbers = new HashSet<>();
    for (int i : array.spec().array().indexList()) {
      numbers.add(TaskBlock.blockOf(i));
    }
    for (int b : numbers) {
      blocks.delete(TaskBlock.key(array.id(), b));
    }
  }

  /** Creates the job under the given id unless one exists; true if this call created it. */
  public boolean submitIfAbsent(JobId id, JobSpec spec) {
    long now = clock.millis();
    boolean created = jobs.putIfAbsent(id, JobRecord.queued(id, spec, now)) == null;
    if (created && spec.array() != null) {
      jobs.putAll(tasks(id, spec, now));
    }
    return created;
  }

  public Optional<JobRecord> get(JobId id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Applies a command on the member that owns the job, and waits for the outcome. */
  public UpdateResult update(JobId id, JobCommand command) {
    return jobs.executeOnKey(id, new JobUpdateProcessor(command));
  }

  /** Applies a command without waiting. */
  public CompletionStage<UpdateResult> updateAsync(JobId id, JobCommand command) {
    return jobs.submitToKey(id, new JobUpdateProcessor(command));
  }

  /** Jobs in one of the given states (all when empty), oldest first. */
  public List<JobRecord> inStates(Set<JobState> states) {
    List<JobRecord> out = new ArrayList<>(
        states.isEmpty() ? jobs.values() : jobs.values(new InStates(List.copyOf(states))));
    out.sort(JobRecord.SUBMIT_ORDER);
    return out;
  }

  /** Jobs that have not ended. */
  public List<JobRecord> unfinished() {
    return inStates(EnumSet.of(
        JobState.WAITING, JobState.QUEUED, JobState.DISPATCHED, JobState.RUNNING));
  }

  /**
   * Cancels a job: a queued or dispatched one ends at once, a running one is marked and its
   * worker told to kill it. Returns the outcome (record null if there is no such job).
   */
  public UpdateResult cancel(JobId id) {
    UpdateResult u = update(id, new JobCommand.Cancel(clock.millis()));
    if (u.record() != null && u.record().arrayParent()) {
      cancelTasks(id);
    }
    // A repeated cancel of a running job tells the worker again: the first message may be lost.
    if (u.record() != null && u.record().state() == JobState.RUNNING
        && u.record().cancelRequested()) {
      sendCancel(u.record());
    }
    return u;
  }

  /** Cancels every unfinished task of the array, all at once. */
  private void cancelTasks(JobId arrayId) {
    List<CompletableFuture<UpdateResult>> results = new ArrayList<>();
    for (JobId task : jobs.keySet(new TasksOf(arrayId))) {
      results.add(updateAsync(task, new JobCommand.Cancel(clock.millis())).toCompletableFuture());
    }
    for (CompletableFuture<UpdateResult> f : results) {
      UpdateResult t = f.join();
      if (t.record() != null && t.record().state() == JobState.RUNNING
          && t.record().cancelRequested()) {
        sendCancel(t.record());
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
    Optional<Member> member = member(running.workerId());
    member.ifPresent(
        m -> messages.executeOnMember(
            new WorkerMessages.Cancel(running.id(), running.attempt()), m));
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

  /** Every job's id, state and end time, made where the records live. */
  List<JobSummary> summaries() {
    return new ArrayList<>(jobs.project(new JobSummary.Of()));
  }

  /**
   * Deletes an ended job's record (from every copy, and from the store behind the map); a job
   * that has not ended is left alone. True if it was deleted.
   */
  boolean forgetEnded(JobId id) {
    return Boolean.TRUE.equals(jobs.executeOnKey(id, new ForgetEnded()));
  }

  /**
   * Deletes an array's own record (from every copy, and from the store behind the map); any other
   * record is left alone. True if it was deleted. An array's record never ends by itself: its
   * tasks do, and retention deletes them first (see {@link RetentionPlanner}). Its task blocks
   * go with it.
   */
  boolean forgetArray(JobId id) {
    JobRecord array = jobs.get(id);
    boolean deleted = Boolean.TRUE.equals(jobs.executeOnKey(id, new ForgetArray()));
    if (deleted && array != null && array.arrayParent()) {
      forgetBlocks(array);
    }
    return deleted;
  }

  /** The underlying map, for listeners. */
  IMap<JobId, JobRecord> map() {
    return jobs;
  }

  /**
   * Deletes the record if the job has ended. Checked where the record lives, so a job created
   * again under the same id since retention looked (a cron fire handled again) is never deleted.
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

  /** Selects the tasks of one array where the records live. */
  record TasksOf(JobId arrayId) implements Predicate<JobId, JobRecord> {
    @Override
    public boolean apply(Map.Entry<JobId, JobRecord> entry) {
      return arrayId.equals(entry.getValue().arrayId());
    }
  }

  /** Selects the tasks of every array where the records live. */
  record AnyTask() implements Predicate<JobId, JobRecord> {
    @Override
    public boolean apply(Map.Entry<JobId, JobRecord> entry) {
      return entry.getValue().arrayIndex() != null;
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
