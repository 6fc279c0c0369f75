package dev.grid.storage;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of the replicated store as an operator sees it: the live nodes, how many copies each
 * blob should have, totals, and every problem found.
 *
 * @param nodes the live nodes, by name
 * @param replication the copies each blob should have with these nodes
 * @param blobs blobs in the metadata
 * @param bytes their total size (one copy each)
 * @param verified whether every copy was re-read and its checksums recomputed
 * @param problems what is wrong, by key
 * @param lastScrubMillis when each node that answered last re-read every copy on its disk (its
 *     periodic scrub or a verifying check), by its clock; a node missing has not since it started
 */
public record StorageReport(
    List<String> nodes,
    int replication,
    long blobs,
    long bytes,
    boolean verified,
    List<Problem> problems,
    Map<String, Long> lastScrubMillis) {

  /** Copies the lists. */
  public StorageReport {
    nodes = List.copyOf(nodes);
    problems = List.copyOf(problems);
    lastScrubMillis = Map.copyOf(lastScrubMillis);
  }

  /** True if every blob has its copies, all good. */
  public boolean healthy() {
    return problems.isEmpty();
  }

  /** The problems of one kind. */
  public List<Problem> problems(Kind kind) {
    return problems.stream().filter(p -> p.kind() == kind).toList();
  }

  /** What can be wrong with a blob or one of its copies. */
  public enum Kind {
    /** Fewer good copies on live nodes than the replication asks for; repair will add them. */
    UNDER_REPLICATED,
    /** No live node holds a good copy; it comes back only with a node that does. */
    LOST,
    /** A copy whose chunks or SHA-256 do not check out; repair copies it again. */
    CORRUPT,
    /** A copy whose content differs from the metadata's (an older version); repair drops it. */
    STALE,
    /** A copy the metadata does not know of; repair records it (or drops it if deleted). */
    UNRECORDED
  }

  /**
   * One problem.
   *
   * @param key the blob
   * @param node the node whose copy it is, or null if it is about the blob as a whole
   * @param kind what is wrong
   * @param detail what was found, for an operator
   */
  public record Problem(String key, String node, Kind kind, String detail) {
    /** Checks the values. */
    public Problem {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
