package dev.grid.node.http;

import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.DrainState;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeDrain;
import dev.grid.api.NodeInfo;
import dev.grid.api.QueueInfo;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import dev.grid.api.StorageHealth;
import dev.grid.api.StorageRepair;
import dev.grid.node.GridOperations;
import dev.grid.scheduler.DrainTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-memory stand-in for a node behind the HTTP API: jobs change state only when a test says so
 * ({@link #start}, {@link #finish}). It records every call, so tests can assert what the API did
 * and, above all, did not do.
 */
public final class FakeGridOperations implements GridOperations {
  /** The cron expression the fake refuses, as the node refuses an invalid one. */
  public static final String BAD_CRON = "bad";

  private final String nodeName;
  private final Map<JobId, JobInfo> jobs = new TreeMap<>();
  private final Map<JobId, byte[][]> outputs = new TreeMap<>();
  private final List<JobSpec> submitted = new CopyOnWriteArrayList<>();
  private final AtomicInteger statusCalls = new AtomicInteger();
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  // schedules: the HTTP layer's schedule routes are tested against these
  private final Map<String, ScheduleInfo> schedules = new ConcurrentSkipListMap<>();
  private final Map<String, List<ScheduleRun>> runs = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<String, BlobInfo> blobs = new ConcurrentSkipListMap<>();
  private final AtomicReference<StorageHealth> health =
      new AtomicReference<>(new StorageHealth(List.of("n1"), 1, 0, 0, false, true, List.of()));
  private final List<Boolean> checks = new CopyOnWriteArrayList<>();
  private final AtomicInteger repairs = new AtomicInteger();
  private int nextId = 1;
  private volatile long outputBreaksAfter = -1;

  public FakeGridOperations(String nodeName) {
    this.nodeName = nodeName;
  }

  /** Every spec accepted, in order. */
  public List<JobSpec> submitted() {
    return List.copyOf(submitted);
  }

  /** How many times a single job was looked up. */
  public int statusCalls() {
    return statusCalls.get();
  }

  @Override
  public synchronized JobId submit(JobSpec spec) {
    JobId id = JobId.of(String.format("j%04d", nextId++));
    submitted.add(spec);
    long now = clock.incrementAndGet();
    jobs.put(
        id,
        new JobInfo(
            id,
            JobState.QUEUED,
            null,
            0,
            null,
            null,
            spec,
            now,
            null,
            null,
            0,
            0,
            false,
            List.of(new JobEvent(JobState.QUEUED, now, null, 0, 0, null))));
    return id;
  }

  /** Moves a job to RUNNING on this node, attempt 1. */
  public synchronized void start(JobId id) {
    JobInfo job = jobs.get(id);
    long now = clock.incrementAndGet();
    jobs.put(id, with(job, JobState.RUNNING, 1, null, null, now, null));
  }

  /** What a running job has written so far, as its worker would have stored it. */
  public synchronized void wrote(JobId id, byte[] stdoutSoFar) {
    outputs.put(id, new byte[][] {stdoutSoFar.clone(), new byte[0]});
  }

  /** Ends a job with the given state, exit code and output. */
  public synchronized void finish(
      JobId id, JobState state, Integer exitCode, String message, byte[] stdout, byte[] stderr) {
    JobInfo job = jobs.get(id);
    long now = clock.incrementAndGet();
    JobInfo ended =
        with(job, state, Math.max(1, job.attempt()), exitCode, message, job.startedAtMillis(), now);
    jobs.put(
        id,
        new JobInfo(
            ended.id(),
            ended.state(),
            ended.node(),
            ended.attempt(),
            ended.exitCode(),
            ended.message(),
            ended.spec(),
            ended.submittedAtMillis(),
            ended.startedAtMillis(),
            ended.endedAtMillis(),
            stdout.length,
            stderr.length,
            false,
            ended.history()));
    outputs.put(id, new byte[][] {stdout.clone(), stderr.clone()});
  }

  private JobInfo with(
      JobInfo job,
      JobState state,
      int attempt,
      Integer exitCode,
      String message,
      Long started,
      Long ended) {
    List<JobEvent> history = new ArrayList<>(job.history());
    history.add(new JobEvent(state, clock.get(), nodeName, attempt, 1, message));
    return new JobInfo(
        job.id(),
        state,
        nodeName,
        attempt,
        exitCode,
        message,
        job.spec(),
        job.submittedAtMillis(),
        started,
        ended,
        job.stdoutBytes(),
        job.stderrBytes(),
        job.outputTruncated(),
        history);
  }

  @Override
  public synchronized Optional<JobInfo> job(JobId id) {
    statusCalls.incrementAndGet();
    return Optional.ofNullable(jobs.get(id));
  }

  @Override
  public synchronized List<JobInfo> jobs(Optional<JobState> state) {
    return jobs.values().stream()
        .filter(job -> state.isEmpty() || job.state() == state.get())
        .toList();
  }

  /** Forgets a job, as retention does. */
  public synchronized void delete(JobId id) {
    jobs.remove(id);
  }

  @Override
  public synchronized Optional<JobInfo> cancel(JobId id) {
    JobInfo job = jobs.get(id);
    if (job == null) {
      return Optional.empty();
    }
    if (!job.state().isTerminal()) {
      JobInfo cancelled =
          with(
              job,
              JobState.CANCELLED,
              job.attempt(),
              null,
              "cancelled by a user",
              job.startedAtMillis(),
              clock.incrementAndGet());
      jobs.put(id, cancelled);
    }
    return Optional.of(jobs.get(id));
  }

  @Override
  public synchronized Optional<JobInfo> hold(JobId id) {
    return holdOrRelease(id, JobState.QUEUED, JobState.HELD);
  }

  @Override
  public synchronized Optional<JobInfo> release(JobId id) {
    return holdOrRelease(id, JobState.HELD, JobState.QUEUED);
  }

  private Optional<JobInfo> holdOrRelease(JobId id, JobState from, JobState to) {
    JobInfo job = jobs.get(id);
    if (job == null) {
      return Optional.empty();
    }
    if (job.state() == from) {
      jobs.put(id, with(job, to, job.attempt(), null, null, null, null));
    } else if (job.state() != to) {
      throw new IllegalStateException("job " + id + " is " + job.state());
    }
    return Optional.of(jobs.get(id));
  }

  @Override
  public synchronized Optional<JobInfo> requeue(JobId id, String submittedBy) {
    JobInfo job = jobs.get(id);
    if (job == null) {
      return Optional.empty();
    }
    if (!job.state().isTerminal()) {
      throw new IllegalStateException("job " + id + " is " + job.state());
    }
    return Optional.of(jobs.get(submit(job.spec().withSubmittedBy(submittedBy))));
  }

  private final Map<String, Integer> queueLimits = new java.util.TreeMap<>();

  @Override
  public synchronized JobReport report(Duration since) {
    long from = clock.get() - since.toMillis();
    List<Map<String, JobReport.Row>> by =
        List.of(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    for (JobInfo j : jobs.values()) {
      if (j.endedAtMillis() == null || j.endedAtMillis() < from) {
        continue;
      }
      long run = j.startedAtMillis() == null ? 0 : j.endedAtMillis() - j.startedAtMillis();
      String name = j.spec().schedulingOrDefault().name();
      String who = j.spec().submittedBy();
      String[] keys = {
        j.spec().schedulingOrDefault().queueOrDefault(),
        name == null ? "-" : name,
        who == null ? "-" : who
      };
      for (int g = 0; g < 3; g++) {
        by.get(g)
            .merge(
                keys[g], JobReport.Row.of(keys[g], j.state(), run, j.usage()), JobReport.Row::plus);
      }
    }
    return new JobReport(
        from,
        clock.get(),
        List.copyOf(by.get(0).values()),
        List.copyOf(by.get(1).values()),
        List.copyOf(by.get(2).values()));
  }

  @Override
  public synchronized List<QueueInfo> queues() {
    return queueLimits.entrySet().stream()
        .map(e -> new QueueInfo(e.getKey(), e.getValue(), 0))
        .toList();
  }

  @Override
  public synchronized QueueInfo setQueueLimit(String queue, Integer maxSlots) {
    Scheduling.checkQueueName(queue);
    if (maxSlots == null) {
      queueLimits.remove(queue);
    } else {
      queueLimits.put(queue, maxSlots);
    }
    return new QueueInfo(queue, maxSlots, 0);
  }

  /** Every attempt's output is the job's one output here. */
  @Override
  public synchronized Optional<Output> output(JobId id, Stream stream, int attempt) {
    return output(id, stream);
  }

  @Override
  public synchronized Optional<Output> output(JobId id, Stream stream) {
    if (!jobs.containsKey(id)) {
      return Optional.empty();
    }
    byte[][] output = outputs.getOrDefault(id, new byte[][] {new byte[0], new byte[0]});
    byte[] bytes = output[stream == Stream.STDOUT ? 0 : 1];
    InputStream in = new ByteArrayInputStream(bytes);
    long breaksAfter = outputBreaksAfter;
    return Optional.of(
        new Output(breaksAfter < 0 ? in : breaking(in, breaksAfter), (long) bytes.length));
  }

  /** From now on, reading any output fails after that many bytes, as a lost copy would. */
  public void breakOutputsAfter(long bytes) {
    outputBreaksAfter = bytes;
  }

  private static InputStream breaking(InputStream in, long after) {
    return new FilterInputStream(in) {
      long read;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (read >= after) {
          throw new IOException("every copy of the output broke off at byte " + read);
        }
        int n = super.read(b, off, (int) Math.min(len, after - read));
        read += Math.max(n, 0);
        return n;
      }
    };
  }

  /** The drained nodes' names. */
  private final Set<String> drained = ConcurrentHashMap.newKeySet();

  /**
   * Two nodes: this one, the primary (a voter), runs a job (drained, it is DRAINING); the other, a
   * worker, none (DRAINED).
   */
  @Override
  public List<NodeInfo> nodes() {
    return List.of(
            new NodeInfo(
                nodeName,
                "http://127.0.0.1:18701",
                true,
                3,
                4,
                1,
                null,
                null,
                null,
                NodeInfo.VOTER),
            new NodeInfo(
                nodeName + "-b",
                "http://127.0.0.1:18702",
                false,
                3,
                8,
                0,
                null,
                null,
                null,
                NodeInfo.WORKER))
        .stream()
        .map(n -> n.withDrain(drainState(n)))
        .toList();
  }

  private DrainState drainState(NodeInfo n) {
    if (!drained.contains(n.name())) {
      return null;
    }
    return n.running() > 0 ? DrainState.DRAINING : DrainState.DRAINED;
  }

  @Override
  public Optional<NodeDrain> drain(String node) {
    DrainTable.checkNodeName(node);
    Optional<NodeInfo> known = nodes().stream().filter(n -> n.name().equals(node)).findFirst();
    if (known.isEmpty()) {
      return Optional.empty();
    }
    drained.add(node);
    return Optional.of(new NodeDrain(node, drainState(known.get())));
  }

  @Override
  public Optional<NodeDrain> undrain(String node) {
    DrainTable.checkNodeName(node);
    if (!drained.remove(node) && nodes().stream().noneMatch(n -> n.name().equals(node))) {
      return Optional.empty();
    }
    return Optional.of(new NodeDrain(node, null));
  }

  @Override
  public String nodeName() {
    return nodeName;
  }

  /** Records what a due time of a schedule became, as the node would; for {@link #runs}. */
  public void recordRun(String name, ScheduleRun run) {
    runs.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(run);
  }

  /**
   * Stores the schedule with its next fire a minute after the fake clock. Like the node, it refuses
   * a bad expression (here: the cron {@value #BAD_CRON}) with an IllegalArgumentException and a
   * taken name with an IllegalStateException.
   */
  @Override
  public ScheduleInfo addSchedule(ScheduleSpec spec) {
    if (spec.cron().equals(BAD_CRON)) {
      throw new IllegalArgumentException(
          "cron expression '" + spec.cron() + "' of schedule '" + spec.name() + "' is not valid");
    }
    long now = clock.incrementAndGet();
    ScheduleInfo info = new ScheduleInfo(spec, false, now, null, now + 60_000);
    if (schedules.putIfAbsent(spec.name(), info) != null) {
      throw new IllegalStateException("schedule '" + spec.name() + "' exists");
    }
    return info;
  }

  @Override
  public List<ScheduleInfo> schedules() {
    return List.copyOf(schedules.values());
  }

  @Override
  public Optional<ScheduleInfo> schedule(String name) {
    return Optional.ofNullable(schedules.get(name));
  }

  @Override
  public Optional<ScheduleInfo> setPaused(String name, boolean paused) {
    return Optional.ofNullable(
        schedules.computeIfPresent(
            name,
            (k, v) ->
                new ScheduleInfo(
                    v.spec(),
                    paused,
                    v.createdAtMillis(),
                    v.lastFireMillis(),
                    paused ? null : clock.get() + 60_000)));
  }

  @Override
  public boolean deleteSchedule(String name) {
    runs.remove(name);
    return schedules.remove(name) != null;
  }

  @Override
  public Optional<List<ScheduleRun>> runs(String name) {
    return schedules.containsKey(name)
        ? Optional.of(List.copyOf(runs.getOrDefault(name, List.of())))
        : Optional.empty();
  }

  // storage: the HTTP layer's storage routes are tested against these

  /** Adds a blob the storage routes list. */
  public void addBlob(BlobInfo blob) {
    blobs.put(blob.key(), blob);
  }

  /** What the next storage checks answer. */
  public void health(StorageHealth answer) {
    health.set(answer);
  }

  /** The verify flag of every storage check, in order. */
  public List<Boolean> checks() {
    return List.copyOf(checks);
  }

  /** How many repair passes were asked for. */
  public int repairs() {
    return repairs.get();
  }

  @Override
  public BlobListing blobs(String prefix, int limit) {
    if (!prefix.matches("[A-Za-z0-9._:/-]*")) {
      throw new IllegalArgumentException("blob key prefix '" + prefix + "' is not valid");
    }
    List<BlobInfo> found =
        blobs.tailMap(prefix).values().stream().takeWhile(b -> b.key().startsWith(prefix)).toList();
    return new BlobListing(
        prefix, limit, found.size() > limit, found.subList(0, Math.min(limit, found.size())));
  }

  @Override
  public StorageHealth checkStorage(boolean verify) {
    checks.add(verify);
    return health.get();
  }

  @Override
  public StorageRepair repairStorage() {
    repairs.incrementAndGet();
    return new StorageRepair(1, 2, 3, 0, 4);
  }

  private final Map<String, byte[]> jars = new ConcurrentHashMap<>();
  private final AtomicInteger jarPuts = new AtomicInteger();
  private final AtomicLong jarBytesRead = new AtomicLong();
  private volatile long maxJarBytes = DEFAULT_MAX_JAR_BYTES;
  private final Map<JobId, byte[]> results = new ConcurrentHashMap<>();

  /** How many PUTs of a jar reached this node. */
  public int jarPuts() {
    return jarPuts.get();
  }

  /** Gives a job a stored result (Kryo form); its text is "text of " + the id. */
  public void result(JobId id, byte[] stored) {
    results.put(id, stored);
  }

  @Override
  public boolean hasJar(String sha256) {
    return jars.containsKey(sha256);
  }

  @Override
  public long maxJarBytes() {
    return maxJarBytes;
  }

  /** Sets the largest jar taken. */
  void maxJarBytes(long max) {
    maxJarBytes = max;
  }

  /** How many jar bytes were read from uploads, refused ones included. */
  long jarBytesRead() {
    return jarBytesRead.get();
  }

  @Override
  public boolean putJar(String sha256, InputStream body) {
    jarPuts.incrementAndGet();
    try {
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      for (int n; (n = body.read(chunk)) >= 0; ) {
        jarBytesRead.addAndGet(n);
        read.write(chunk, 0, n);
      }
      byte[] bytes = read.toByteArray();
      String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      if (!actual.equals(sha256)) {
        throw new IllegalArgumentException(
            "the jar's bytes have SHA-256 " + actual + ", not " + sha256);
      }
      return jars.putIfAbsent(sha256, bytes) == null;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // as the node's jar store does
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Optional<byte[]> result(JobId id, boolean text) {
    if (!results.containsKey(id)) {
      if (job(id).isEmpty()) {
        return Optional.empty();
      }
      throw new IllegalStateException("job " + id + " has no result");
    }
    return Optional.of(text ? ("text of " + id).getBytes(StandardCharsets.UTF_8) : results.get(id));
  }
}
