package dev.grid.node.http;

import java.util.Locale;
import java.util.Set;

/**
 * What a token may do through the HTTP API; each role includes the ones before it.
 *
 * <ul>
 *   <li>{@link #READ}: status, job listings, output and results, nodes, schedules and storage as
 *       they are.
 *   <li>{@link #SUBMIT}: read, submit jobs (and upload their jars), cancel the jobs it submitted.
 *   <li>{@link #ADMIN}: everything: cancel any job, add, pause and delete schedules, drain nodes,
 *       repair storage.
 * </ul>
 */
enum Role {
  READ,
  SUBMIT,
  ADMIN;

  /** Whether this role may do what {@code needed} may. */
  boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** The role's name as written in a tokens file: {@code read}, {@code submit}, {@code admin}. */
  String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The role named by a tokens file's word, in any case.
   *
   * @throws IllegalArgumentException naming the word and the roles there are
   */
  static Role parse(String word) {
    for (Role role : values()) {
      if (role.word().equalsIgnoreCase(word)) {
        return role;
      }
    }
    throw new IllegalArgumentException("role '" + word + "' is not one of read, submit, admin");
  }

  /**
   * The role a request needs: reading needs {@link #READ}; submitting a job, uploading a jar, and
   * cancelling, holding, releasing or requeueing a job need {@link #SUBMIT} (the route checks that
   * the job is the caller's own unless the caller is an admin); every other change (schedules,
   * queue limits, draining a node, storage repair) needs {@link #ADMIN}.
   *
   * @param method the request's method
   * @param path the request's path, like {@code /api/jobs/j1/cancel}
   */
  static Role needed(String method, String path) {
    if (method.equals("GET") || method.equals("HEAD")) {
      return READ;
    }
    String[] parts = path.substring(1).split("/");
    boolean jobs = parts.length >= 2 && parts[0].equals("api") && parts[1].equals("jobs");
    if (method.equals("POST") && jobs && parts.length == 2) {
      return SUBMIT;
    }
    if (method.equals("POST")
        && jobs
        && parts.length == 4
        && Set.of("cancel", "hold", "release", "requeue").contains(parts[3])) {
      return SUBMIT;
    }
    if (method.equals("PUT") && parts.length == 3 && parts[1].equals("jars")) {
      return SUBMIT;
    }
    return ADMIN;
  }
}
