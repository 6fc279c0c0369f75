package dev.grid.api;

import dev.grid.api.internal.CompletionWatcher;
import dev.grid.api.internal.Json;
import dev.grid.api.internal.NodeTransport;
import dev.grid.api.internal.NodeTransport.Response;
import dev.grid.api.internal.NodeTransport.Retry;
import dev.grid.api.internal.ResultCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.function.Supplier;

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
 * <p>Thread-safe; one client may serve a whole program. Close it to stop its polling threads.
 */
public final class GridClient implements AutoCloseable {

  /** The URL used when none is given: a node on this machine on its default HTTP port. */
  public static final String DEFAULT_URL = "http://127.0.0.1:18701";

  private final NodeTransport transport;
  private final CompletionWatcher watcher;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GridClient(Builder builder) {
    this.transport =
        new NodeTransport(builder.nodes, builder.token, builder.connectTimeout, builder.timeout);
    this.watcher = new CompletionWatcher(this::status);
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
    String urls = env.get("GRID_URL");
    return connect(
        parseUrls(urls == null || urls.isBlank() ? DEFAULT_URL : urls), env.get("GRID_TOKEN"));
  }

  /** A builder, for timeouts other than the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses comma-separated node URLs as {@code GRID_URL} holds them. A URL without a scheme gets
   * {@code http://}: {@code "10.0.0.1:18701,10.0.0.2:18701"} is fine.
   *
   * @throws IllegalArgumentException naming a URL that is not valid, or if there is none
   */
  public static List<URI> parseUrls(String commaSeparated) {
    List<URI> urls = new ArrayList<>();
    for (String part : Objects.requireNonNull(commaSeparated, "urls").split(",")) {
      String text = part.strip();
      if (text.isEmpty()) {
        continue;
      }
      if (!text.contains("://")) {
        text = "http://" + text;
      }
      urls.add(checkUrl(text));
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(
          "no grid URL in '" + commaSeparated + "': give one or more like " + DEFAULT_URL);
    }
    return List.copyOf(urls);
  }

  private static URI checkUrl(String text) {
    try {
      URI uri = new URI(text);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new URISyntaxException(text, "not an http:// or https:// URL with a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "grid URL '"
              + text
              + "' is not valid ("
              + e.getReason()
              + "): use one like "
              + DEFAULT_URL);
    }
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
        transport.send("POST", "/api/jobs", Json.toBytes(spec), Retry.ON_CONNECT_FAILURE_ONLY);
    return JobId.of(Json.readTree(ok(answer, null)).path("id").asText(null));
  }

  /**
   * The job as the grid knows it now.
   *
   * @throws JobNotFoundException if no job has the id
   */
  public JobInfo status(JobId id) {
    return Json.read(ok(get("/api/jobs/" + id), id), JobInfo.class);
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
   * with {@code withTasks}, each array's tasks after it.
   */
  public List<JobInfo> jobs(Optional<JobState> state, boolean withTasks) {
    String query = state.map(s -> "?state=" + s.name()).orElse("");
    if (withTasks) {
      query += (query.isEmpty() ? "?" : "&") + "tasks=true";
    }
    return Json.readList(ok(get("/api/jobs" + query), null), JobInfo.class);
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
    return Json.read(ok(answer, id), JobInfo.class);
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
    return Json.readList(ok(get("/api/nodes"), null), NodeInfo.class);
  }

  /** The name of a node that answers, proving the grid is up and the token accepted. */
  public String health() {
    return Json.readTree(ok(get("/api/health"), null)).path("node").asText();
  }

  /**
   * The blobs of the grid's store under a prefix, by key, with their replicas: at most {@link
   * BlobListing#DEFAULT_LIMIT}; {@link BlobListing#truncated()} says if there are more.
   *
   * <pre>{@code
   * grid.blobs("out/j0001/").blobs().forEach(b -> System.out.println(b.key() + " " + b.replicas()));
   * }</pre>
   *
   * @param prefix keys start with it; {@code ""} for every blob
   * @throws IllegalArgumentException if the grid refused the prefix (the message names it)
   */
  public BlobListing blobs(String prefix) {
    return blobs(prefix, BlobListing.DEFAULT_LIMIT);
  }

  /**
   * As {@link #blobs(String)}, with at most {@code limit} blobs (up to {@link
   * BlobListing#MAX_LIMIT}).
   *
   * @throws IllegalArgumentException if the grid refused the prefix or the limit
   */
  public BlobListing blobs(String prefix, int limit) {
    Objects.requireNonNull(prefix, "prefix");
    String path =
        "/api/storage/blobs?prefix="
            + URLEncoder.encode(prefix, StandardCharsets.UTF_8)
            + "&limit="
            + limit;
    return Json.read(ok(get(path), null), BlobListing.class);
  }

  /**
   * Checks every blob against every live node's disk: blobs with fewer than R good copies, lost
   * ones, stale and unrecorded copies. With {@code verify}, every node also re-reads each of its
   * copies and recomputes the checksums, which reports corrupt copies but takes as long as reading
   * the whole store: give the client a {@link Builder#requestTimeout} to match.
   *
   * <pre>{@code
   * StorageHealth health = grid.checkStorage(false);
   * System.out.println(health.blobs() + " blobs, " + (health.healthy() ? "healthy" : "problems"));
   * }</pre>
   */
  public StorageHealth checkStorage(boolean verify) {
    return Json.read(ok(get("/api/storage/check?verify=" + verify), null), StorageHealth.class);
  }

  /**
   * Runs a repair pass of the blob store now: copies blobs that lack copies, records copies the
   * metadata does not know, drops stale and surplus copies. The grid runs such passes on its own
   * when nodes come or go and every minute; this one does not wait for them.
   *
   * <pre>{@code
   * StorageRepair done = grid.repairStorage();
   * System.out.println(done.copies() + " copies made");
   * }</pre>
   */
  public StorageRepair repairStorage() {
    Response answer =
        transport.send("POST", "/api/storage/repair", null, Retry.ON_CONNECT_FAILURE_ONLY);
    return Json.read(ok(answer, null), StorageRepair.class);
  }

  /**
   * Adds a schedule; from its next due time on, each fire becomes a job (at most one per due time,
   * whatever node fails).
   *
   * <pre>{@code
   * ScheduleInfo added = grid.addSchedule(
   *     ScheduleSpec.of("nightly-backup", "30 2 * * *", JobSpec.command("backup.sh"))
   *         .withZone("Europe/Paris")
   *         .withOverlap(OverlapPolicy.FORBID));
   * System.out.println("first fire at " + Instant.ofEpochMilli(added.nextFireMillis()));
   * }</pre>
   *
   * @return the schedule as stored, with its next fire time
   * @throws IllegalArgumentException if the grid refused the cron expression or zone (the message
   *     names it); nothing was stored
   * @throws GridException if a schedule of that name exists (delete it first, or pick another)
   */
  public ScheduleInfo addSchedule(ScheduleSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Response answer =
        transport.send("POST", "/api/schedules", Json.toBytes(spec), Retry.ON_CONNECT_FAILURE_ONLY);
    return Json.read(ok(answer, null), ScheduleInfo.class);
  }

  /** Every schedule, by name, with its next and last fire times: {@code grid.schedules()}. */
  public List<ScheduleInfo> schedules() {
    return Json.readList(ok(get("/api/schedules"), null), ScheduleInfo.class);
  }

  /**
   * One schedule: {@code grid.schedule("nightly-backup").nextFireMillis()}.
   *
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo schedule(String name) {
    byte[] body = get(schedulePath(name, "")).bodyOrThrow(missing(name));
    return Json.read(body, ScheduleInfo.class);
  }

  /**
   * Suspends a schedule's fires until {@link #resume}: {@code grid.pause("nightly-backup")}. Its
   * jobs already running go on. Pausing a paused schedule changes nothing.
   *
   * @return the schedule after the request
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo pause(String name) {
    return postToSchedule(name, "/pause");
  }

  /**
   * Lets a paused schedule fire again from its next due time: {@code grid.resume("nightly")}.
   *
   * @return the schedule after the request, with its next fire time
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo resume(String name) {
    return postToSchedule(name, "/resume");
  }

  /**
   * Deletes a schedule: it fires no more; the jobs it made stay. {@code
   * grid.deleteSchedule("nightly-backup")}.
   *
   * @throws ScheduleNotFoundException if no schedule has the name (also when a node failed midway
   *     through an earlier attempt of this call that had already deleted it)
   */
  public void deleteSchedule(String name) {
    Response answer = transport.send("DELETE", schedulePath(name, ""), null, Retry.ON_ANY_FAILURE);
    answer.bodyOrThrow(missing(name));
  }

  /**
   * What each due time of a schedule became, oldest first: a job (with its id and state now), or
   * missed or skipped and why.
   *
   * <pre>{@code
   * for (ScheduleRun run : grid.runs("nightly-backup")) {
   *   System.out.println(Instant.ofEpochMilli(run.fireTimeMillis()) + " " + run.outcome()
   *       + " " + (run.jobId() != null ? run.jobId() : run.reason()));
   * }
   * }</pre>
   *
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public List<ScheduleRun> runs(String name) {
    byte[] body = get(schedulePath(name, "/runs")).bodyOrThrow(missing(name));
    return Json.readList(body, ScheduleRun.class);
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
    return watcher.watch(id);
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

  /** Stops the polling threads; pending {@link #completion} futures fail. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      watcher.close();
    }
  }

  private Response get(String path) {
    return transport.send("GET", path, null, Retry.ON_ANY_FAILURE);
  }

  private ScheduleInfo postToSchedule(String name, String action) {
    Response answer =
        transport.send("POST", schedulePath(name, action), null, Retry.ON_ANY_FAILURE);
    return Json.read(answer.bodyOrThrow(missing(name)), ScheduleInfo.class);
  }

  /** The path of a schedule's route; a name no schedule can have still makes a valid path. */
  private static String schedulePath(String name, String action) {
    Objects.requireNonNull(name, "name");
    try {
      return new URI(null, null, "/api/schedules/" + name + action, null).getRawPath();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("schedule name '" + name + "' is not valid", e);
    }
  }

  private static Supplier<GridException> missing(String name) {
    return () -> new ScheduleNotFoundException(name);
  }

  private static byte[] ok(Response answer, JobId job) {
    return answer.bodyOrThrow(job == null ? null : () -> new JobNotFoundException(job));
  }

  /** Settings of a {@link GridClient}; {@link #nodes} is required. */
  public static final class Builder {
    private List<URI> nodes = List.of();
    private String token;
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration timeout = Duration.ofSeconds(30);

    private Builder() {}

    /** Base URLs of one or more nodes, like {@code http://10.0.0.1:18701}. */
    public Builder nodes(List<URI> urls) {
      List<URI> copy = List.copyOf(Objects.requireNonNull(urls, "urls"));
      copy.forEach(url -> checkUrl(url.toString()));
      this.nodes = copy;
      return this;
    }

    /** The grid's bearer token; null or blank sends none (a token-less grid on loopback). */
    public Builder token(String bearerToken) {
      this.token = bearerToken;
      return this;
    }

    /** How long a node may take to accept a connection before the next is tried (1 s). */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = positive("connect timeout", value);
      return this;
    }

    /** How long a connected node may take to answer one request (30 s). */
    public Builder requestTimeout(Duration value) {
      this.timeout = positive("request timeout", value);
      return this;
    }

    /** The client; it opens no connection until the first call. */
    public GridClient build() {
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException(
            "no grid URL given: give at least one, like " + DEFAULT_URL);
      }
      return new GridClient(this);
    }

    private static Duration positive(String what, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(what + " " + value + " is not positive: give one");
      }
      return value;
    }
  }
}
