package dev.grid.node.http;

import java.util.Set;

/**
 * The route a request's path falls under, as metrics tag it: ids and names replaced by their place
 * ({@code /api/jobs/{id}/stdout}), so that the number of routes stays the number of endpoints
 * however many jobs there are. A path no route serves is {@code other}.
 */
final class RouteTemplate {
  static final String OTHER = "other";

  private static final Set<String> JOB_ACTIONS = Set.of("cancel", "stdout", "stderr", "result");
  private static final Set<String> SCHEDULE_ACTIONS = Set.of("pause", "resume", "runs");
  private static final Set<String> STORAGE = Set.of("blobs", "check", "repair");

  private RouteTemplate() {}

  /**
   * The template of a decoded path without a trailing slash, like {@code /api/jobs/j1}.
   *
   * <pre>{@code
   * RouteTemplate.of("/api/jobs/01JF9/cancel")   // "/api/jobs/{id}/cancel"
   * RouteTemplate.of("/api/no/such/thing")       // "other"
   * }</pre>
   */
  static String of(String path) {
    if (path.equals("/metrics")) {
      return path;
    }
    if (!path.startsWith("/api/")) {
      return OTHER;
    }
    String[] p = path.substring(1).split("/", -1);
    if (p.length < 2 || p.length > 4) {
      return OTHER;
    }
    return switch (p[1]) {
      case "jobs" ->
          p.length == 2
              ? "/api/jobs"
              : p.length == 3
                  ? "/api/jobs/{id}"
                  : JOB_ACTIONS.contains(p[3]) ? "/api/jobs/{id}/" + p[3] : OTHER;
      case "schedules" ->
          p.length == 2
              ? "/api/schedules"
              : p.length == 3
                  ? "/api/schedules/{name}"
                  : SCHEDULE_ACTIONS.contains(p[3]) ? "/api/schedules/{name}/" + p[3] : OTHER;
      case "jars" -> p.length == 3 ? "/api/jars/{sha256}" : OTHER;
      case "storage" -> p.length == 3 && STORAGE.contains(p[2]) ? "/api/storage/" + p[2] : OTHER;
      case "nodes", "health" -> p.length == 2 ? "/api/" + p[1] : OTHER;
      default -> OTHER;
    };
  }

  /** The method as metrics tag it: one of the few the API serves, else {@code other}. */
  static String method(String method) {
    return switch (method) {
      case "GET", "HEAD", "POST", "PUT", "DELETE" -> method;
      default -> OTHER;
    };
  }
}
