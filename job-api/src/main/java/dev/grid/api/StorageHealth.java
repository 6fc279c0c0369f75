package dev.grid.api;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of the grid's blob store as {@code bin/storage check} and {@link GridStorage#check}
 * report it: the live nodes, how many copies each blob should have, totals, and every problem
 * found.
 *
 * <pre>{@code
 * StorageHealth health = grid.storage().check(true);
 * for (StorageHealth.Problem p : health.problems()) {
 *   System.out.println(p.kind() + " " + p.key() + " " + p.node() + ": " + p.detail());
 * }
 * }</pre>
 *
 * @param nodes the live nodes, by name
 * @param replication the copies each blob should have with these nodes (R)
 * @param blobs how many blobs the grid knows of
 * @param bytes their total size, one copy each
 * @param verified whether every copy was re-read and its checksums recomputed
 * @param healthy true if every blob has its copies and none was found damaged
 * @param problems what is wrong, by key
 * @param lastScrubMillis when each node last re-read every copy on its disk (its periodic scrub,
 *     {@code bin/grid-node --scrub-every}, or a verifying check), by its clock; a node not named
 *     has not since it started (or did not answer)
 */
public record StorageHealth(
    List<String> nodes,
    int replication,
    long blobs,
    long bytes,
    boolean verified,
    boolean healthy,
    List<Problem> problems,
    Map<String, Long> lastScrubMillis) {

  /** Copies the lists; a missing one is empty. */
  public StorageHealth {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    problems = problems == null ? List.of() : List.copyOf(problems);
    lastScrubMillis =
        lastScrubMillis == null
            ? Map.of()
            : Collections.unmodifiableMap(new TreeMap<>(lastScrubMillis));
  }

  /** A health without scrub times (as a node before they were reported gives it). */
  public StorageHealth(
      List<String> nodes,
      int replication,
      long blobs,
      long bytes,
      boolean verified,
      boolean healthy,
      List<Problem> problems) {
    this(nodes, replication, blobs, bytes, verified, healthy, problems, Map.of());
  }

  /**
   * One problem of a blob or of one of its copies.
   *
   * @param key the blob
   * @param node the node whose copy it is, or null if it is about the blob as a whole
   * @param kind what is wrong: {@code UNDER_REPLICATED} (fewer good copies than R; repair adds
   *     them), {@code LOST} (no live node holds a good copy), {@code CORRUPT} (a copy whose
   *     checksums do not check out), {@code STALE} (a copy of older content; repair drops it) or
   *     {@code UNRECORDED} (a copy the grid has no entry for; repair records it). A newer grid may
   *     report other kinds.
   * @param detail what was found, for an operator
   */
  public record Problem(String key, String node, String kind, String detail) {}
}
