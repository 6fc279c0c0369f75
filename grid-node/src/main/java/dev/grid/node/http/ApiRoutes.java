package dev.grid.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeDrain;
import dev.grid.api.QueueInfo;
import dev.grid.api.internal.Durations;
import dev.grid.api.internal.Json;
import dev.grid.node.GridOperations;
import dev.grid.scheduler.JobPosition;
import dev.grid.scheduler.QueueTable;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The routes under {@code /api/}, each a thin translation between JSON and {@link GridOperations}.
 * Authentication has been checked before a request gets here.
 *
 * <pre>
 * POST /api/jobs                 JobSpec      -> 201 {"id": "..."} (an array: one call)
 * GET  /api/jobs[?state=S][&name=NAME][&tasks=true][&limit=N][&after=CURSOR]
 *                                             -> [JobInfo...] (arrays' tasks only with tasks),
 *                                                oldest first, a page of N (1 to 10000, default
 *                                                1000) after the cursor; a Link header with
 *                                                rel="next" when more follow (see {@link Paging};
 *                                                a page's cost: JobPages)
 * GET  /api/jobs/{id}                         -> JobInfo
 * POST /api/jobs/{id}/cancel                  -> JobInfo
 * POST /api/jobs/{id}/hold | /release         -> JobInfo (409 naming why if it runs or ended)
 * POST /api/jobs/{id}/requeue                 -> 201 JobInfo of a new job: the ended job again
 *                                                (an array: its tasks that did not succeed)
 * GET  /api/jobs/{id}/stdout | /stderr[?offset=N][&attempt=A]
 *                                             -> raw bytes (from byte N; of attempt A, 1 for
 *                                                 the first, by default the latest; while the
 *                                                 job runs, what it wrote so far)
 * GET  /api/jobs/{id}/result[?as=text]         -> a Java job's result: Kryo bytes, or its text
 *                                                 (409 naming why if it has none)
 * HEAD /api/jars/{sha256}                      -> 200 if the grid holds the jar, else 404
 * PUT  /api/jars/{sha256}        jar bytes     -> 201 {"sha256", "stored"} (stored false: it
 *                                                 was there already; 400 if the bytes' hash
 *                                                 differs, naming both)
 * GET  /api/nodes                             -> [NodeInfo...] (with "drain": DRAINING or DRAINED
 *                                                for a drained node)
 * PUT  /api/nodes/{name}/drain                 -> NodeDrain (admin): the node gets no new work;
 *                                                DELETE takes it back; 404 for a name no node has
 *                                                had
 * GET  /api/queues                            -> [QueueInfo...] (limits, slots held now)
 * GET  /api/report?since=1d                   -> JobReport: what the jobs that ended since cost,
 *                                                per queue, name and submitter (default 1d)
 * PUT  /api/queues/{name}  {"maxSlots": N}    -> QueueInfo (admin); DELETE lifts the limit
 * GET  /api/health                            -> {"status": "ok", "node": "..."}
 * ...  /api/schedules...                      -> see {@link ScheduleRoutes}
 * ...  /api/storage/...                        -> see {@link StorageRoutes}
 * </pre>
 */
final class ApiRoutes {
  private final GridOperations ops;
  private final ScheduleRoutes schedules;
  private final StorageRoutes storage;

  ApiRoutes(GridOperations ops) {
    this.ops = ops;
    this.schedules = new ScheduleRoutes(ops);
    this.storage = new StorageRoutes(ops);
  }

  /** The longest window a report may cover: what retention keeps at most, about a year. */
  static final Duration MAX_REPORT_WINDOW = Duration.ofDays(400);

  /** The {@code since} of a report: a duration like {@code 1d} or {@code 12h}; 1 day if absent. */
  private static Duration reportWindow(String since) {
    if (since == null) {
      return Duration.ofDays(1);
    }
    Duration d;
    try {
      d = Durations.parse(since);
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "since: " + e.getMessage());
    }
    if (d.isZero() || d.compareTo(MAX_REPORT_WINDOW) > 0) {
      throw new ApiError(
          400,
          "since '" + since + "' is out of range: give 1s to " + MAX_REPORT_WINDOW.toDays() + "d");
    }
    return d;
  }

  /** Answers the request, or throws an {@link ApiError} or an exception the caller maps. */
  void handle(Exchange exchange) throws IOException {
    String path = exchange.path();
    String[] parts = path.substring(1).split("/");
    // parts[0] is "api"
    if (parts.length >= 2
        && parts[1].equals("schedules")
        && schedules.handle(exchange, path, parts)) {
      return;
    }
    if (parts.length >= 2 && parts[1].equals("storage") && storage.handle(exchange, path, parts)) {
      return;
    }
    if (parts.length == 3 && parts[1].equals("jars")) {
      jar(exchange, path, parts[2]);
      return;
    }
    if (parts.length == 3 && parts[1].equals("queues")) {
      queue(exchange, path, parts[2]);
      return;
    }
    if (parts.length == 4 && parts[1].equals("nodes") && parts[3].equals("drain")) {
      drain(exchange, path, parts[2]);
      return;
    }
    if (parts.length == 2) {
      switch (parts[1]) {
        case "jobs" -> {
          if (isPost(exchange, path, "GET, POST")) {
            submit(exchange);
          } else {
            list(exchange);
          }
          return;
        }
        case "nodes" -> {
          requireGet(exchange, path);
          exchange.json(200, ops.nodes());
          return;
        }
        case "queues" -> {
          requireGet(exchange, path);
          exchange.json(200, ops.queues());
          return;
        }
        case "report" -> {
          requireGet(exchange, path);
          exchange.json(200, ops.report(reportWindow(exchange.query("since"))));
          return;
        }
        case "health" -> {
          requireGet(exchange, path);
          exchange.json(200, Map.of("status", "ok", "node", ops.nodeName()));
          return;
        }
        default -> {
          // fall through to 404
        }
      }
    }
    if (parts.length >= 3 && parts[1].equals("jobs")) {
      JobId id = jobId(parts[2]);
      if (parts.length == 3) {
        requireGet(exchange, path);
        exchange.json(200, found(ops.job(id), id));
        return;
      }
      if (parts.length == 4) {
        switch (parts[3]) {
          case "cancel" -> {
            requirePost(exchange, path);
            exchange.drain();
            checkMayCancel(exchange.caller(), found(ops.job(id), id));
            exchange.json(200, found(ops.cancel(id), id));
            exchange.changed("job " + id);
            return;
          }
          case "hold", "release" -> {
            requirePost(exchange, path);
            exchange.drain();
            checkMayCancel(exchange.caller(), found(ops.job(id), id));
            try {
              exchange.json(
                  200, found(parts[3].equals("hold") ? ops.hold(id) : ops.release(id), id));
            } catch (IllegalStateException notNow) {
              throw new ApiError(409, notNow.getMessage());
            }
            exchange.changed("job " + id);
            return;
          }
          case "requeue" -> {
            requirePost(exchange, path);
            exchange.drain();
            checkMayCancel(exchange.caller(), found(ops.job(id), id));
            JobInfo again;
            try {
              again = found(ops.requeue(id, exchange.caller().name()), id);
            } catch (IllegalStateException notNow) {
              throw new ApiError(409, notNow.getMessage());
            }
            exchange.header("Location", "/api/jobs/" + again.id());
            exchange.json(201, again);
            exchange.changed("job " + again.id() + ": requeue of " + id);
            return;
          }
          case "stdout", "stderr" -> {
            requireGet(exchange, path);
            long offset = offset(exchange.query("offset"));
            GridOperations.Stream stream =
                parts[3].equals("stdout")
                    ? GridOperations.Stream.STDOUT
                    : GridOperations.Stream.STDERR;
            String attempt = exchange.query("attempt");
            exchange.stream(
                found(
                        attempt == null
                            ? ops.output(id, stream)
                            : ops.output(id, stream, attempt(attempt)),
                        id)
                    .from(offset));
            return;
          }
          case "result" -> {
            requireGet(exchange, path);
            result(exchange, id);
            return;
          }
          default -> {
            // fall through to 404
          }
        }
      }
    }
    throw ApiError.notFound(
        "no such endpoint: "
            + exchange.method()
            + " "
            + path
            + " (see /api/jobs, /api/jars, /api/schedules, /api/nodes, /api/storage/blobs)");
  }

  /**
   * {@code PUT /api/queues/NAME {"maxSlots": N}} caps a queue (admin); {@code DELETE} lifts the
   * cap.
   */
  private void queue(Exchange exchange, String path, String name) throws IOException {
    switch (exchange.method()) {
      case "PUT" -> {
        JsonNode body = Json.readTree(exchange.body());
        JsonNode max = body.get("maxSlots");
        if (max == null || !max.canConvertToInt() || !max.isIntegralNumber()) {
          throw new IllegalArgumentException(
              "give the queue's limit as {\"maxSlots\": N}, N from 0 to " + QueueTable.MAX_SLOTS);
        }
        QueueInfo q = ops.setQueueLimit(name, max.intValue());
        exchange.json(200, q);
        exchange.changed("queue " + name + ": at most " + max.intValue() + " slots");
      }
      case "DELETE" -> {
        exchange.drain();
        exchange.json(200, ops.setQueueLimit(name, null));
        exchange.changed("queue " + name + ": no limit");
      }
      default -> throw ApiError.methodNotAllowed(exchange.method(), path, "PUT, DELETE");
    }
  }

  /**
   * {@code PUT /api/nodes/NAME/drain} drains a node (admin); {@code DELETE} takes it back. Both
   * answer the node's {@link NodeDrain}; a name no node has had is a 404, since a mark for a typo
   * would drain nothing now and some new node later.
   */
  private void drain(Exchange exchange, String path, String node) throws IOException {
    boolean put = exchange.method().equals("PUT");
    if (!put && !exchange.method().equals("DELETE")) {
      throw ApiError.methodNotAllowed(exchange.method(), path, "PUT, DELETE");
    }
    exchange.drain();
    Optional<NodeDrain> done = put ? ops.drain(node) : ops.undrain(node);
    NodeDrain d =
        done.orElseThrow(
            () ->
                ApiError.notFound(
                    "no node named '"
                        + node
                        + "' has been in the grid since it started: check the name with"
                        + " bin/nodes"));
    exchange.json(200, d);
    exchange.changed("node " + node + (put ? ": drained, " + d.state() : ": undrained"));
  }

  private void submit(Exchange exchange) throws IOException {
    JobSpec spec = Json.readJobSpec(exchange.body());
    spec.checkLimits();
    JobId id = ops.submit(spec.withSubmittedBy(exchange.caller().name()));
    exchange.header("Location", "/api/jobs/" + id);
    exchange.json(201, Map.of("id", id.value()));
    exchange.changed("job " + id + ": " + abbreviated(spec.display()));
  }

  /**
   * A submit token cancels only the jobs it submitted (an array's tasks are the array's); an admin
   * token cancels any.
   *
   * @throws ApiError 403 naming who submitted the job
   */
  static void checkMayCancel(Caller caller, JobInfo job) {
    if (caller.role().includes(Role.ADMIN)) {
      return;
    }
    String owner = job.spec() == null ? null : job.spec().submittedBy();
    if (!caller.name().equals(owner)) {
      throw new ApiError(
          403,
          "job "
              + job.id()
              + " was submitted by "
              + (owner == null ? "no named token" : "'" + owner + "'")
              + ": token '"
              + caller.name()
              + "' may cancel only its own jobs; an admin token cancels any");
    }
  }

  /** A command as the audit log shows it: at most 200 characters (made printable there). */
  static String abbreviated(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private void jar(Exchange exchange, String path, String sha) throws IOException {
    switch (exchange.method()) {
      case "HEAD" -> {
        exchange.drain();
        exchange.status(ops.hasJar(sha) ? 200 : 404);
      }
      case "PUT" -> {
        boolean stored;
        try (var body = exchange.boundedBody(ops.maxJarBytes(), "a jar")) {
          stored = ops.putJar(sha, body);
        }
        exchange.json(201, Map.of("sha256", sha, "stored", stored));
      }
      default -> throw ApiError.methodNotAllowed(exchange.method(), path, "HEAD, PUT");
    }
  }

  private void result(Exchange exchange, JobId id) throws IOException {
    String as = exchange.query("as");
    if (as != null && !as.equals("text") && !as.equals("kryo")) {
      throw new IllegalArgumentException(
          "as '" + as + "' is not valid: give as=text, or" + " nothing for the stored (Kryo) form");
    }
    boolean text = "text".equals(as);
    byte[] value;
    try {
      value = found(ops.result(id, text), id);
    } catch (IllegalStateException noResult) {
      throw new ApiError(409, noResult.getMessage());
    }
    exchange.bytes(value, text ? "text/plain; charset=utf-8" : "application/octet-stream");
  }

  private void list(Exchange exchange) throws IOException {
    String state = exchange.query("state");
    String name = exchange.query("name");
    JobFilter filter =
        new JobFilter(
            state == null || state.isEmpty() ? null : JobState.parse(state),
            name == null || name.isEmpty() ? null : name); // a bad name: 400 naming it
    boolean tasks = "true".equals(exchange.query("tasks"));
    int limit = Paging.limit(exchange);
    String after = exchange.query("after");
    JobPosition from = after == null || after.isEmpty() ? null : JobPosition.parse(after);
    Paging.answer(
        exchange,
        "/api/jobs",
        ops.jobs(filter, tasks, from, limit + 1),
        limit,
        job -> JobPosition.of(job).text(),
        "state",
        filter.stateIfAny().map(JobState::name).orElse(null),
        "name",
        filter.name(),
        "tasks",
        tasks ? "true" : null);
  }

  /** The {@code offset} of an output read: how many of its first bytes the reader has. */
  static long offset(String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    try {
      long offset = Long.parseLong(text);
      if (offset >= 0) {
        return offset;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(
        "offset '"
            + text
            + "' is not valid: give how many bytes of the output you have already, 0 or more");
  }

  /** The {@code attempt} of an output read: 1 for the first. */
  static int attempt(String text) {
    try {
      int attempt = Integer.parseInt(text);
      if (attempt >= 1) {
        return attempt;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(
        "attempt '" + text + "' is not valid: give an attempt's number, 1 for the first");
  }

  private static JobId jobId(String text) {
    return JobId.of(text); // an invalid id is an IllegalArgumentException naming it: 400
  }

  private static <T> T found(Optional<T> value, JobId id) {
    return value.orElseThrow(
        () -> ApiError.notFound("no job with id '" + id + "': check the id with bin/jobs"));
  }

  static boolean isPost(Exchange exchange, String path, String allow) {
    String method = exchange.method();
    if (method.equals("POST")) {
      return true;
    }
    if (method.equals("GET")) {
      return false;
    }
    throw ApiError.methodNotAllowed(method, path, allow);
  }

  static void requireGet(Exchange exchange, String path) {
    if (!exchange.method().equals("GET")) {
      throw ApiError.methodNotAllowed(exchange.method(), path, "GET");
    }
  }

  static void requirePost(Exchange exchange, String path) {
    if (!exchange.method().equals("POST")) {
      throw ApiError.methodNotAllowed(exchange.method(), path, "POST");
    }
  }
}
