package dev.grid.node.http;

import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.internal.Json;
import dev.grid.node.GridOperations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The routes under {@code /api/schedules}, each a thin translation between JSON and {@link
 * GridOperations}.
 *
 * <pre>
 * POST   /api/schedules              ScheduleSpec  -> 201 ScheduleInfo (400 bad, 409 name taken)
 * GET    /api/schedules[?limit=N][&after=NAME]     -> [ScheduleInfo...], by name
 * GET    /api/schedules/{name}                     -> ScheduleInfo
 * DELETE /api/schedules/{name}                     -> 204
 * POST   /api/schedules/{name}/pause | /resume     -> ScheduleInfo
 * GET    /api/schedules/{name}/runs[?limit=N][&after=MILLIS]
 *                                                  -> [ScheduleRun...], oldest first
 * </pre>
 *
 * <p>Both listings are paged as {@code /api/jobs} is ({@link Paging}): N from 1 to 10000, 1000 by
 * default, and a {@code Link: <...&after=X>; rel="next"} header when more follow.
 *
 * <p>An unknown name is a 404 on every route that takes one.
 */
final class ScheduleRoutes {
  /** A schedule's name, as {@link ScheduleSpec} takes it: what an {@code after} cursor may be. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final GridOperations ops;

  ScheduleRoutes(GridOperations ops) {
    this.ops = ops;
  }

  /**
   * Answers a request whose path starts {@code /api/schedules}.
   *
   * @param parts the path split on {@code /}: {@code ["api", "schedules", name?, action?]}
   * @return false if no route has the path
   */
  boolean handle(Exchange exchange, String path, String[] parts) throws IOException {
    if (parts.length == 2) {
      if (ApiRoutes.isPost(exchange, path, "GET, POST")) {
        add(exchange);
      } else {
        list(exchange);
      }
      return true;
    }
    String name = parts[2];
    if (parts.length == 3) {
      switch (exchange.method()) {
        case "GET" -> exchange.json(200, found(ops.schedule(name), name));
        case "DELETE" -> {
          if (!ops.deleteSchedule(name)) {
            throw notFound(name);
          }
          exchange.noContent();
          exchange.changed("schedule " + name + " deleted");
        }
        default -> throw ApiError.methodNotAllowed(exchange.method(), path, "GET, DELETE");
      }
      return true;
    }
    if (parts.length == 4) {
      switch (parts[3]) {
        case "pause", "resume" -> {
          ApiRoutes.requirePost(exchange, path);
          exchange.json(200, found(ops.setPaused(name, parts[3].equals("pause")), name));
          exchange.changed("schedule " + name + " " + parts[3] + "d");
          return true;
        }
        case "runs" -> {
          ApiRoutes.requireGet(exchange, path);
          runs(exchange, path, name);
          return true;
        }
        default -> {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * A page of schedules by name, after the name {@code after}. Schedules are few: a page reads them
   * all and answers {@code limit}.
   */
  private void list(Exchange exchange) throws IOException {
    int limit = Paging.limit(exchange);
    String after = exchange.query("after");
    if (after != null && !NAME.matcher(after).matches()) {
      throw new IllegalArgumentException(
          "cursor '"
              + after
              + "' is not valid: give the after= value of the previous page's Link header (the"
              + " last schedule name seen) as it was");
    }
    List<ScheduleInfo> page = new ArrayList<>();
    for (ScheduleInfo info : ops.schedules()) { // by name
      if (after == null || info.spec().name().compareTo(after) > 0) {
        page.add(info);
        if (page.size() > limit) {
          break;
        }
      }
    }
    Paging.answer(exchange, "/api/schedules", page, limit, info -> info.spec().name());
  }

  /** A page of a schedule's runs, oldest first, after the fire time {@code after} (millis). */
  private void runs(Exchange exchange, String path, String name) throws IOException {
    int limit = Paging.limit(exchange);
    String after = exchange.query("after");
    long afterMillis = Long.MIN_VALUE;
    if (after != null) {
      try {
        afterMillis = Long.parseLong(after);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "cursor '"
                + after
                + "' is not valid: give the after= value of the previous page's Link header (the"
                + " last run's fireTimeMillis) as it was");
      }
    }
    List<ScheduleRun> page = found(ops.runs(name, afterMillis, limit + 1), name);
    Paging.answer(exchange, path, page, limit, run -> Long.toString(run.fireTimeMillis()));
  }

  private void add(Exchange exchange) throws IOException {
    ScheduleSpec read = Json.readScheduleSpec(exchange.body()); // a bad spec: 400 naming it
    ScheduleSpec.checkNewName(read.name());
    read.job().checkLimits();
    // Its jobs are submitted by whoever added it.
    ScheduleSpec spec = read.withJob(read.job().withSubmittedBy(exchange.caller().name()));
    ScheduleInfo added;
    try {
      added = ops.addSchedule(spec); // a bad cron or zone: IllegalArgumentException, 400
    } catch (IllegalStateException e) {
      // GridOperations refuses a taken name this way; nothing was changed
      throw new ApiError(409, e.getMessage());
    }
    exchange.header("Location", "/api/schedules/" + spec.name());
    exchange.json(201, added);
    exchange.changed(
        "schedule "
            + spec.name()
            + " ("
            + spec.cron()
            + "): "
            + ApiRoutes.abbreviated(spec.job().display()));
  }

  private static <T> T found(Optional<T> value, String name) {
    return value.orElseThrow(() -> notFound(name));
  }

  private static ApiError notFound(String name) {
    return ApiError.notFound(
        "no schedule named '" + name + "': check the name with bin/schedule list");
  }
}
