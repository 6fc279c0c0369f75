package dev.grid.api;

import dev.grid.api.internal.Json;
import dev.grid.api.internal.LightJson;
import dev.grid.api.internal.NodeTransport;
import dev.grid.api.internal.NodeTransport.Response;
import dev.grid.api.internal.NodeTransport.Retry;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The grid's cron schedules, as a {@link GridClient} sees them: {@code grid.schedules()}.
 *
 * <pre>{@code
 * GridSchedules schedules = grid.schedules();
 * schedules.add(ScheduleSpec.of("nightly-backup", "30 2 * * *", JobSpec.command("backup.sh")));
 * schedules.pause("nightly-backup");
 * schedules.runs("nightly-backup").forEach(run -> System.out.println(run.outcome()));
 * }</pre>
 *
 * <p>Thread-safe; it shares its client's connections and failover, and lives as long as it.
 */
public final class GridSchedules {
  private final NodeTransport transport;
  private final int pageSize;

  GridSchedules(NodeTransport transport, int pageSize) {
    this.transport = transport;
    this.pageSize = pageSize;
  }

  /**
   * Adds a schedule; from its next due time on, each fire becomes a job (at most one per due time,
   * whatever node fails).
   *
   * <pre>{@code
   * ScheduleInfo added = grid.schedules().add(
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
  public ScheduleInfo add(ScheduleSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Response answer =
        transport.send("POST", "/api/schedules", Json.toBytes(spec), Retry.ON_CONNECT_FAILURE_ONLY);
    return LightJson.scheduleInfo(answer.bodyOrThrow(null));
  }

  /** Every schedule, by name, with its next and last fire times (read a page at a time). */
  public List<ScheduleInfo> list() {
    List<ScheduleInfo> all = new ArrayList<>();
    String after = null;
    do {
      Response answer =
          transport.send("GET", paged("/api/schedules", after), null, Retry.ON_ANY_FAILURE);
      all.addAll(LightJson.scheduleInfos(answer.bodyOrThrow(null)));
      after = answer.next();
    } while (after != null);
    return all;
  }

  /**
   * One schedule: {@code grid.schedules().get("nightly-backup").nextFireMillis()}.
   *
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo get(String name) {
    Response answer = transport.send("GET", path(name, ""), null, Retry.ON_ANY_FAILURE);
    return LightJson.scheduleInfo(answer.bodyOrThrow(missing(name)));
  }

  /**
   * Suspends a schedule's fires until {@link #resume}. Its jobs already running go on. Pausing a
   * paused schedule changes nothing.
   *
   * @return the schedule after the request
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo pause(String name) {
    return post(name, "/pause");
  }

  /**
   * Lets a paused schedule fire again from its next due time.
   *
   * @return the schedule after the request, with its next fire time
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public ScheduleInfo resume(String name) {
    return post(name, "/resume");
  }

  /**
   * Deletes a schedule: it fires no more; the jobs it made stay.
   *
   * @throws ScheduleNotFoundException if no schedule has the name (also when a node failed midway
   *     through an earlier attempt of this call that had already deleted it)
   */
  public void delete(String name) {
    Response answer = transport.send("DELETE", path(name, ""), null, Retry.ON_ANY_FAILURE);
    answer.bodyOrThrow(missing(name));
  }

  /**
   * What each due time of a schedule became, oldest first: a job (with its id and state now), or
   * missed or skipped and why.
   *
   * <pre>{@code
   * for (ScheduleRun run : grid.schedules().runs("nightly-backup")) {
   *   System.out.println(Instant.ofEpochMilli(run.fireTimeMillis()) + " " + run.outcome()
   *       + " " + (run.jobId() != null ? run.jobId() : run.reason()));
   * }
   * }</pre>
   *
   * @throws ScheduleNotFoundException if no schedule has the name
   */
  public List<ScheduleRun> runs(String name) {
    List<ScheduleRun> all = new ArrayList<>();
    String after = null;
    do {
      Response answer =
          transport.send("GET", paged(path(name, "/runs"), after), null, Retry.ON_ANY_FAILURE);
      all.addAll(Json.readList(answer.bodyOrThrow(missing(name)), ScheduleRun.class));
      after = answer.next();
    } while (after != null);
    return all;
  }

  /** A page of a listing's path, the one after the cursor if one is given. */
  private String paged(String path, String after) {
    return path
        + "?limit="
        + pageSize
        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
  }

  private ScheduleInfo post(String name, String action) {
    Response answer = transport.send("POST", path(name, action), null, Retry.ON_ANY_FAILURE);
    return LightJson.scheduleInfo(answer.bodyOrThrow(missing(name)));
  }

  /** The path of a schedule's route; a name no schedule can have still makes a valid path. */
  private static String path(String name, String action) {
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
}
