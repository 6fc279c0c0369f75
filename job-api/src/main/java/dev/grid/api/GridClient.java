package dev.grid.api;

import dev.grid.api.internal.CompletionWatcher;
import dev.grid.api.internal.LightJson;
import dev.grid.api.internal.NodeTransport;
import dev.grid.api.internal.NodeTransport.Response;
import dev.grid.api.internal.NodeTransport.Retry;
import dev.grid.api.internal.ResultCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of the grid over its HTTP API. It never joins the cluster: it speaks JSON to any node,
 * and fails over to the next node it knows when one cannot be reached.
 *
 * <pre>{@code
 * try (GridClient grid = GridClient.connect(
 *     List.of(URI.create("http://10.0.0.1:18701"), URI.create("http://10.0.0.2:18701")),
 *     token)) {
 *   JobId id = grid.submit(JobSpec.command("tar", "czf", "/backups/home.tgz", "/home"));
 *   JobInfo done = grid.completion(id).get(10, TimeUnit.MINUTES);
 *   System.out.println(done.state() + " " + done.exitCode());
 *   System.out.write(grid.stdout(id));
 * }
 * }</pre>
 *
 * <p>Or, with {@code GRID_URL} and {@code GRID_TOKEN} set as for {@code bin/submit}:
 *
 * <pre>{@code
 * try (GridClient grid = GridClient.fromEnvironment()) {
 *   JobInfo info = grid.submitAndWait(JobSpec.shell("echo hello"), Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * <p><b>Failover.</b> A node that refuses the connection or does not accept it within the connect
 * timeout (1 s by default) is skipped; the node that answers is asked first next time. Reads and
 * cancels that fail midway are also tried on the next node. A {@link #submit} is sent to another
 * node only if the previous one could not be connected to: once a node may have received it, the
 * client does not risk making the job twice, and throws instead.
 *
 * <p><b>Errors</b> are unchecked {@link GridException}s: {@link GridUnavailableException} when no
 * node answered (its message names every URL tried), {@link GridAuthException} when the token is
 * refused, {@link JobNotFoundException} for an unknown id, {@link ScheduleNotFoundException} for an
 * unknown schedule name, {@link IllegalArgumentException} for a request the grid found invalid (its
 * message names the bad value), a plain {@link GridException} for a conflict such as a schedule
 * name already taken.
 *
 * <p>Thread-safe; one client may serve a whole program. It keeps a few connections to each node
 * open between calls (for 2 s at most). Close it to stop its polling threads and close them.
 */
public final class GridClient implements AutoCloseable {

  /** The URL used when none is given: a node on this machine on its default HTTP port. */
  public static final String DEFAULT_URL = "http://127.0.0.1:18701";

  private final NodeTransport transport;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final Object watcherLock = new Object();

  /**
   * Made by the first {@link #completion} (guarded by {@code watcherLock}): most clients never wait
   * for a job, and a client command would otherwise set up two thread pools (and load their
   * classes) for nothing.
   */
  private CompletionWatcher watcher;

  private final GridSchedules schedules;
  private final GridStorage storage;
  private final int pageSize;

  GridClient(GridClientBuilder builder) {
    this.transport =
        new NodeTransport(
            builder.nodes, builder.token, builder.connectTimeout, builder.timeout, builder.tls);
    this.pageSize = builder.pageSize;
    this.schedules = new GridSchedules(transport, pageSize);
    this.storage = new GridStorage(transport);
  }

  /**
   * A client of the nodes at the given base URLs, with default timeouts.
   *
   * <pre>{@code
   * GridClient grid = GridClient.connect(List.of(URI.create("http://127.0.0.1:18701")), token);
   * }</pre>
   *
   * @param nodes base URLs of one or more nodes, in the order to try them
   * @param token the grid's bearer token; null only for a token-less grid on loopback
   */
  public static GridClient connect(List<URI> nodes, String token) {
    return builder().nodes(nodes).token(token).build();
  }

  /**
   * A client configured like the {@code bin/} commands: {@code GRID_URL} (comma-separated node
   * URLs, default {@value #DEFAULT_URL}) and {@code GRID_TOKEN}.
   *
   * <pre>{@code
   * // GRID_URL=http://10.0.0.1:18701,http://10.0.0.2:18701 GRID_TOKEN=s3cret java MyApp
   * GridClient grid = GridClient.fromEnvironment();
   * }</pre>
   */
  public static GridClient fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** As {@link #fromEnvironment()}, reading the variables from the given map. */
  public static GridClient fromEnvironment(Map<String, String> env) {
    return builder().environment(env).build();
  }

  /** A builder, for timeouts other than the defaults. */
  public static GridClientBuilder builder() {
    return new GridClientBuilder();
  }

  /**
   * Parses comma-separated node URLs as {@code GRID_URL} holds them. A URL without a scheme gets
   * {@code http://}: {@code "10.0.0.1:18701,10.0.0.2:18701"} is fine.
   *
   * @throws IllegalArgumentException naming a URL that is not valid, or if there is none
   */
  public static List<URI> parseUrls(String commaSeparated) {
    return GridClientBuilder.parseUrls(commaSeparated);
  }

  /** The node URLs this client uses, in the order given. */
  public List<URI> nodeUrls() {
    return transport.nodes();
  }

  /**
   * Submits a job; once this returns, the grid has accepted it and will run it.
   *
   * <pre>{@code
   * JobId id = grid.submit(JobSpec.shell("make -j4 test").withTimeout(Duration.ofMinutes(20)));
   * // 1,000 tasks, at most 50 at a time, in one request; then one job after all succeed:
   * JobId frames = grid.submit(JobSpec.shell("./render.sh $GRID_ARRAY_INDEX")
   *     .withArray(ArraySpec.parse("0-999%50")));
   * grid.submit(JobSpec.shell("./encode.sh").withAfter(Dependencies.afterOk(frames)));
   * }</pre>
   *
   * <p>An array's id stands for all of its tasks: {@link #status} shows their counts, {@link
   * #cancel} cancels those not ended, and other jobs may run after it. Its tasks' ids are {@code
   * <arrayId>_<index>}. A job naming a dependency that is no job of the grid is refused.
   *
   * @throws GridUnavailableException if no node could be reached, or if the node broke off after it
   *     may have accepted the job (the message says so; check {@link #jobs} before resubmitting)
   */
  public JobId submit(JobSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Response answer =
        transport.send("POST", "/api/jobs", LightJson.jobSpec(spec), Retry.ON_CONNECT_FAILURE_ONLY);
    return JobId.of(LightJson.field(ok(answer, null), "id"));
  }

  /**
   * The job as the grid knows it now.
   *
   * @throws JobNotFoundException if no job has the id
   */
  public JobInfo status(JobId id) {
    return LightJson.jobInfo(ok(get("/api/jobs/" + id), id));
  }

  /** All jobs, oldest first. */
  public List<JobInfo> jobs() {
    return jobs(Optional.empty());
  }

  /** The jobs in the given state, oldest first: {@code grid.jobs(JobState.RUNNING)}. */
  public List<JobInfo> jobs(JobState state) {
    return jobs(Optional.of(state));
  }

  /**
   * The jobs, oldest first, only those in the state if one is given. An array is one entry with its
   * tasks' counts ({@link JobInfo#tasks()}); its tasks are left out.
   */
  public List<JobInfo> jobs(Optional<JobState> state) {
    return jobs(state, false);
  }

  /**
   * The jobs, oldest first, only those in the state if one is given (an array's summed-up state);
   * with {@code withTasks}, each array's tasks after it. Read page by page ({@link #jobsPage}): a
   * job that exists during the whole call is listed once, whatever is submitted or deleted
   * meanwhile.
   */
  public List<JobInfo> jobs(Optional<JobState> state, boolean withTasks) {
    List<JobInfo> all = new ArrayList<>();
    String after = null;
    do {
      JobPage page = jobsPage(state, withTasks, pageSize, after);
      all.addAll(page.jobs());
      after = page.next();
    } while (after != null);
    return all;
  }

  /**
   * One page of {@link #jobs(Optional, boolean)}: at most {@code limit} jobs after the cursor
   * {@code after} (null for the first page), and the cursor of the next page, null after the last.
   *
   * <pre>{@code
   * String after = null;
   * do {
   *   JobPage page = grid.jobsPage(Optional.of(JobState.FAILED), false, 100, after);
   *   page.jobs().forEach(job -> System.out.println(job.id() + " " + job.exitCode()));
   *   after = page.next();
   * } while (after != null);
   * }</pre>
   *
   * @param limit 1 to {@value JobPage#MAX_LIMIT}
   * @throws IllegalArgumentException if the limit is out of range or the grid does not know the
   *     cursor (the message names it)
   */
  public JobPage jobsPage(Optional<JobState> state, boolean withTasks, int limit, String after) {
    return jobsPage(JobFilter.of(state), withTasks, limit, after);
  }

  /**
   * One page of the jobs the filter passes (by state and name), as {@link #jobsPage(Optional,
   * boolean, int, String)}.
   */
  public JobPage jobsPage(JobFilter filter, boolean withTasks, int limit, String after) {
    if (limit < 1 || limit > JobPage.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit " + limit + " is not valid: give 1 to " + JobPage.MAX_LIMIT);
    }
    StringBuilder query = new StringBuilder("/api/jobs?limit=").append(limit);
    filter.stateIfAny().ifPresent(s -> query.append("&state=").append(s.name()));
    if (filter.name() != null) {
      query.append("&name=").append(URLEncoder.encode(filter.name(), StandardCharsets.UTF_8));
    }
    if (withTasks) {
      query.append("&tasks=true");
    }
    if (after != null) {
      query.append("&after=").append(URLEncoder.encode(after, StandardCharsets.UTF_8));
    }
    Response answer = get(query.toString());
    return new JobPage(LightJson.jobInfos(ok(answer, null)), answer.next());
  }

  /**
   * Cancels a job: a queued one ends {@code CANCELLED} at once, a running one once its process tree
   * is killed (watch it with {@link #completion}). Cancelling an ended job changes nothing.
   *
   * @return the job as it is right after the request
   * @throws JobNotFoundException if no job has the id
   */
  public JobInfo cancel(JobId id) {
    Response answer =
        transport.send("POST", "/api/jobs/" + id + "/cancel", null, Retry.ON_ANY_FAILURE);
    return LightJson.jobInfo(ok(answer, id));
  }

  /**
   * Holds a job (or array) not yet dispatched: it waits, {@link JobState#HELD}, until {@link
   * #release}d; an array's tasks already running run on. Holding a held job changes nothing.
   *
   * @return the job as it is right after the request
   * @throws JobNotFoundException if no job has the id
   * @throws GridException if it runs or has ended (the grid's answer says which)
   * @throws IllegalArgumentException for a task of an array: hold the array
   */
  public JobInfo hold(JobId id) {
    return LightJson.jobInfo(
        ok(transport.send("POST", "/api/jobs/" + id + "/hold", null, Retry.ON_ANY_FAILURE), id));
  }

  /**
   * Releases a held job (or array): queued again, or waiting if it has dependencies. Releasing a
   * job that is queued or waiting changes nothing.
   *
   * @return the job as it is right after the request
   * @throws JobNotFoundException if no job has the id
   * @throws GridException if it runs or has ended
   * @throws IllegalArgumentException for a task of an array: release the array
   */
  public JobInfo release(JobId id) {
    return LightJson.jobInfo(
        ok(transport.send("POST", "/api/jobs/" + id + "/release", null, Retry.ON_ANY_FAILURE), id));
  }

  /**
   * Runs an ended job again, as a new job with the same spec (without its dependencies, which were
   * decided for the first run): for an array, a new array of its tasks that did not succeed; for a
   * task, a new array of that index.
   *
   * @return the new job
   * @throws JobNotFoundException if no job has the id
   * @throws GridException if it has not ended, or every task of the array succeeded
   */
  public JobInfo requeue(JobId id) {
    return LightJson.jobInfo(
        ok(
            transport.send(
                "POST", "/api/jobs/" + id + "/requeue", null, Retry.ON_CONNECT_FAILURE_ONLY),
            id));
  }

  /** The named queues that have a limit or hold slots now, by name ({@code bin/queue list}). */
  public List<QueueInfo> queues() {
    return LightJson.queueInfos(ok(get("/api/queues"), null));
  }

  /**
   * Caps the slots a queue's jobs and tasks may hold at once (an admin token): what it holds beyond
   * runs on, and no more of it is dispatched until it is under. 0 holds the whole queue.
   *
   * @throws IllegalArgumentException naming a bad queue name or count
   */
  public QueueInfo setQueueLimit(String queue, int maxSlots) {
    byte[] body = ("{\"maxSlots\":" + maxSlots + "}").getBytes(StandardCharsets.UTF_8);
    return LightJson.queueInfo(
        ok(
            transport.send("PUT", "/api/queues/" + encode(queue), body, Retry.ON_ANY_FAILURE),
            null));
  }

  /** Lifts a queue's cap (an admin token). */
  public QueueInfo removeQueueLimit(String queue) {
    return LightJson.queueInfo(
        ok(
            transport.send("DELETE", "/api/queues/" + encode(queue), null, Retry.ON_ANY_FAILURE),
            null));
  }

  /**
   * Drains a node (an admin token), as Slurm's {@code scontrol update nodename=X state=drain}: the
   * primary gives it no new jobs, array tasks or cron fires, and what it runs ends normally. The
   * mark is kept by name, across a failover, a restart of the node and a full restart of the grid,
   * until {@link #undrain}. Draining a drained node changes nothing.
   *
   * <p>Once this returns, the primary has taken the mark in (or the answer came after a bounded
   * wait for it, when there is no primary now; the next primary reads the mark before it
   * dispatches). Stop the node once it is {@link DrainState#DRAINED} ({@link #nodes}).
   *
   * <p>{@code grid.drain("n2"); // wait until grid.nodes() shows n2 DRAINED, then stop it }
   *
   * @throws NodeNotFoundException if no node of that name has been in the grid
   */
  public NodeDrain drain(String node) {
    return LightJson.nodeDrain(
        transport
            .send("PUT", drainPath(node), null, Retry.ON_ANY_FAILURE)
            .bodyOrThrow(() -> new NodeNotFoundException(node)));
  }

  /**
   * Takes a drained node back into service (an admin token): new work reaches it again within a
   * second. Undraining a node that is not drained changes nothing.
   *
   * @throws NodeNotFoundException if no node of that name has been in the grid
   */
  public NodeDrain undrain(String node) {
    return LightJson.nodeDrain(
        transport
            .send("DELETE", drainPath(node), null, Retry.ON_ANY_FAILURE)
            .bodyOrThrow(() -> new NodeNotFoundException(node)));
  }

  private static String drainPath(String node) {
    if (node == null || node.isBlank()) {
      throw new IllegalArgumentException("give a node's name (bin/nodes lists them)");
    }
    return "/api/nodes/" + encode(node) + "/drain";
  }

  /** A path segment, percent-encoded (a space as %20: a '+' in a path is a plus). */
  private static String encode(String pathPart) {
    return URLEncoder.encode(pathPart, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** What the job's latest attempt wrote to stdout (up to the grid's cap), as raw bytes. */
  public byte[] stdout(JobId id) {
    return ok(get("/api/jobs/" + id + "/stdout"), id);
  }

  /** What the job's latest attempt wrote to stderr (up to the grid's cap), as raw bytes. */
  public byte[] stderr(JobId id) {
    return ok(get("/api/jobs/" + id + "/stderr"), id);
  }

  /**
   * What the job's latest attempt wrote to stdout (or stderr) after its first {@code offset} bytes:
   * the rest of it for a reader that has those. While the job runs, what it has written so far (the
   * node stores it about every second), so a loop that asks again with the length read so far
   * follows the output as {@code bin/logs --follow} does:
   *
   * <pre>{@code
   * long have = 0;
   * while (true) {
   *   boolean ended = grid.status(id).state().isTerminal(); // asked first: nothing is missed
   *   byte[] more = grid.output(id, false, have);
   *   System.out.write(more);
   *   have += more.length;
   *   if (ended) break;
   *   Thread.sleep(500);
   * }
   * }</pre>
   *
   * @param stderr stderr rather than stdout
   * @param offset how many bytes the caller has already, 0 or more
   */
  public byte[] output(JobId id, boolean stderr, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset " + offset + " is negative: give 0 or more");
    }
    return ok(get("/api/jobs/" + id + (stderr ? "/stderr" : "/stdout") + "?offset=" + offset), id);
  }

  /**
   * What one attempt of the job wrote to stdout (or stderr): a job run again (its worker died, or
   * it failed and retries on failure) keeps each attempt's output apart.
   *
   * @param attempt 1 for the first attempt, up to {@link JobInfo#attempt()}
   * @param stderr stderr rather than stdout
   * @throws IllegalArgumentException if the job has no such attempt (the grid's answer names those
   *     it has)
   */
  public byte[] output(JobId id, int attempt, boolean stderr) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt " + attempt + " is not 1 or more");
    }
    return ok(
        get("/api/jobs/" + id + (stderr ? "/stderr" : "/stdout") + "?attempt=" + attempt), id);
  }

  /**
   * Makes a jar available to Java jobs and returns its SHA-256, for {@link JobSpec#java}. The grid
   * stores each jar once by content: if it already holds these bytes, nothing is uploaded.
   *
   * <pre>{@code
   * String jar = grid.uploadJar(Path.of("target/app.jar"));
   * JobId id = grid.submit(JobSpec.java(jar, "com.example.Pi", "1000000"));
   * }</pre>
   *
   * @throws java.io.UncheckedIOException if the file cannot be read
   */
  public String uploadJar(Path jar) {
    Objects.requireNonNull(jar, "jar");
    String sha = sha256(jar);
    String path = "/api/jars/" + sha;
    Response head = transport.send("HEAD", path, null, Retry.ON_ANY_FAILURE);
    if (head.status() == 200) {
      return sha;
    }
    if (head.status() != 404) {
      head.bodyOrThrow(null);
    }
    // The store is keyed by content: sending the same bytes twice is harmless, so any failure
    // may move on to another node.
    ok(transport.sendBody("PUT", path, NodeTransport.Body.file(jar), Retry.ON_ANY_FAILURE), null);
    return sha;
  }

  /**
   * The value a Java job returned, read back as the given type.
   *
   * <pre>{@code
   * Double pi = grid.result(id, Double.class);
   * Stats stats = grid.result(id, Stats.class, Point.class);   // Stats holds Points
   * }</pre>
   *
   * @param type the result's class (boxed or primitive for numbers)
   * @param more other classes, beyond JDK basics, that the value holds (as the job's {@link
   *     GridJob#resultTypes()} lists them)
   * @return the value; null if the job returned null
   * @throws JobNotFoundException if no job has the id
   * @throws GridException if the job has no result (not a Java job, not SUCCEEDED yet, or gone):
   *     the message says which
   * @throws IllegalArgumentException if the result is of another type or holds a class not given
   */
  public <T> T result(JobId id, Class<T> type, Class<?>... more) {
    Objects.requireNonNull(type, "type");
    byte[] stored = ok(get("/api/jobs/" + id + "/result"), id);
    return ResultCodec.decode(stored, type, List.of(more));
  }

  /**
   * The job's result as text: its {@code toString()}, written by the worker, so no class of the job
   * is needed to read it. This is what {@code bin/result} prints.
   *
   * @throws JobNotFoundException if no job has the id
   * @throws GridException if the job has no result; the message says why
   */
  public String resultText(JobId id) {
    return new String(ok(get("/api/jobs/" + id + "/result?as=text"), id), StandardCharsets.UTF_8);
  }

  /**
   * Submits a Java job and returns a future of its result: the value once the job SUCCEEDED, a
   * {@link GridException} naming the state and message if it ended otherwise.
   *
   * <pre>{@code
   * grid.resultOf(grid.submit(JobSpec.java(jar, "com.example.Pi", "1000")), Double.class)
   *     .thenAccept(pi -> System.out.println("pi ~ " + pi));
   * }</pre>
   */
  public <T> CompletableFuture<T> resultOf(JobId id, Class<T> type, Class<?>... more) {
    return completion(id)
        .thenApply(
            done -> {
              if (done.state() != JobState.SUCCEEDED) {
                throw new GridException(
                    "job "
                        + id
                        + " ended "
                        + done.state()
                        + (done.message() == null ? "" : ": " + done.message())
                        + "; it has no result");
              }
              return result(id, type, more);
            });
  }

  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read jar " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The live nodes of the grid, sorted by name. */
  public List<NodeInfo> nodes() {
    return LightJson.nodeInfos(ok(get("/api/nodes"), null));
  }

  /**
   * What the jobs that ended in the last {@code since} cost, summed per queue, job name and
   * submitter: their count and outcomes, run time, CPU time and peak memory ({@code bin/report}).
   */
  public JobReport report(Duration since) {
    String window = since.toSeconds() + "s";
    return LightJson.jobReport(ok(get("/api/report?since=" + window), null));
  }

  /** The name of a node that answers, proving the grid is up and the token accepted. */
  public String health() {
    String node = LightJson.field(ok(get("/api/health"), null), "node");
    return node == null ? "" : node;
  }

  /**
   * The grid's cron schedules: {@code grid.schedules().add(ScheduleSpec.of("nightly", "0 2 * * *",
   * JobSpec.command("backup.sh")))}, {@code list()}, {@code get(name)}, {@code pause(name)}, {@code
   * resume(name)}, {@code delete(name)}, {@code runs(name)}.
   */
  public GridSchedules schedules() {
    return schedules;
  }

  /**
   * The grid's blob store, for its administrators: {@code grid.storage().check(false)}, {@code
   * blobs(prefix)}, {@code repair()}.
   */
  public GridStorage storage() {
    return storage;
  }

  /**
   * A future that completes with the job once it has ended (any terminal {@link JobState}). No
   * thread waits for it: the client polls with a short backoff. Cancelling the future stops the
   * polling, not the job.
   *
   * <pre>{@code
   * grid.completion(id).thenAccept(job -> log.info("{} ended {}", job.id(), job.state()));
   * }</pre>
   *
   * <p>It fails with {@link JobNotFoundException} for an unknown id, and with the last error if the
   * grid stays unreachable for several seconds.
   */
  public CompletableFuture<JobInfo> completion(JobId id) {
    Objects.requireNonNull(id, "id");
    return watcher().watch(id);
  }

  private CompletionWatcher watcher() {
    synchronized (watcherLock) {
      if (watcher == null) {
        watcher = new CompletionWatcher(this::status);
        if (closed.get()) {
          watcher.close(); // a closed client's futures fail at once, as they always did
        }
      }
      return watcher;
    }
  }

  /**
   * Submits a job and waits until it ends.
   *
   * <pre>{@code
   * JobInfo job = grid.submitAndWait(JobSpec.command("ls", "-l"), Duration.ofSeconds(30));
   * if (job.state() == JobState.SUCCEEDED) { System.out.write(grid.stdout(job.id())); }
   * }</pre>
   *
   * @param wait how long to wait (the job's own timeout is in its spec)
   * @throws GridException if the job has not ended within {@code wait}; it goes on running
   */
  public JobInfo submitAndWait(JobSpec spec, Duration wait) {
    Objects.requireNonNull(wait, "wait");
    JobId id = submit(spec);
    CompletableFuture<JobInfo> done = completion(id);
    try {
      return done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      done.cancel(false);
      throw new GridException(
          "job " + id + " did not end within " + wait + "; it goes on: see bin/status " + id, e);
    } catch (InterruptedException e) {
      done.cancel(false);
      Thread.currentThread().interrupt();
      throw new GridException("interrupted while waiting for job " + id, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new GridException("waiting for job " + id + " failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Stops the polling threads and closes the connections kept to the nodes; pending {@link
   * #completion} futures fail. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (watcherLock) {
        if (watcher != null) {
          watcher.close();
        }
      }
      transport.close();
    }
  }

  private Response get(String path) {
    return transport.send("GET", path, null, Retry.ON_ANY_FAILURE);
  }

  private static byte[] ok(Response answer, JobId job) {
    return answer.bodyOrThrow(job == null ? null : () -> new JobNotFoundException(job));
  }
}
