package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A node as {@code bin/nodes --json} and {@link GridClient#nodes()} show it.
 *
 * @param name the node's name ({@code --name})
 * @param httpUrl where its HTTP API listens
 * @param primary whether it holds the primary lease now
 * @param epoch the highest primary epoch it knows (its own, if primary)
 * @param slots how many jobs it runs at once
 * @param running how many jobs it runs now
 * @param heartbeatAtMillis when it last published this about itself (about every second), by its
 *     own clock; null from a node that does not say
 * @param labels what it declared it has ({@code --labels gpu,zone=a}), sorted; jobs that need
 *     labels ({@code --constraint}) run only on nodes that have them all
 * @param offers the CPUs and memory it offers to jobs that reserve some ({@code --cpus}, {@code
 *     --mem}); null from a node that does not say
 * @param role {@code voter} (it votes for the primary: {@code --voters}), {@code worker} (it only
 *     runs jobs), or {@code refused} (a voter started with another voter list than the grid's,
 *     which takes no part in the vote until started again with the grid's); null from a node that
 *     does not say
 * @param drain whether it is drained ({@code bin/drain}): {@link DrainState#DRAINING} while it
 *     still runs work given before, {@link DrainState#DRAINED} once idle; null if it takes work
 */
public record NodeInfo(
    String name,
    String httpUrl,
    boolean primary,
    long epoch,
    int slots,
    int running,
    Long heartbeatAtMillis,
    List<String> labels,
    @JsonInclude(JsonInclude.Include.NON_NULL) Resources offers,
    @JsonInclude(JsonInclude.Include.NON_NULL) String role,
    @JsonInclude(JsonInclude.Include.NON_NULL) DrainState drain) {

  /** A voter: it votes for the primary. */
  public static final String VOTER = "voter";

  /** A worker: it runs jobs and takes no part in the vote. */
  public static final String WORKER = "worker";

  /** A voter whose voter list differs from the grid's: it takes no part in the vote. */
  public static final String REFUSED = "refused";

  /** Sorts the labels; none if null. */
  public NodeInfo {
    labels = labels == null ? List.of() : labels.stream().sorted().toList();
  }

  /** A node's view that does not say its role, not drained. */
  public NodeInfo(
      String name,
      String httpUrl,
      boolean primary,
      long epoch,
      int slots,
      int running,
      Long heartbeatAtMillis,
      List<String> labels,
      Resources offers) {
    this(
        name,
        httpUrl,
        primary,
        epoch,
        slots,
        running,
        heartbeatAtMillis,
        labels,
        offers,
        (String) null);
  }

  /** A node's view with its role, not drained. */
  public NodeInfo(
      String name,
      String httpUrl,
      boolean primary,
      long epoch,
      int slots,
      int running,
      Long heartbeatAtMillis,
      List<String> labels,
      Resources offers,
      String role) {
    this(
        name,
        httpUrl,
        primary,
        epoch,
        slots,
        running,
        heartbeatAtMillis,
        labels,
        offers,
        role,
        null);
  }

  /** This node as it is with the given drain state (null: not drained). */
  public NodeInfo withDrain(DrainState drain) {
    return new NodeInfo(
        name,
        httpUrl,
        primary,
        epoch,
        slots,
        running,
        heartbeatAtMillis,
        labels,
        offers,
        role,
        drain);
  }

  /** A node's view that does not say what it offers. */
  public NodeInfo(
      String name,
      String httpUrl,
      boolean primary,
      long epoch,
      int slots,
      int running,
      Long heartbeatAtMillis,
      List<String> labels) {
    this(name, httpUrl, primary, epoch, slots, running, heartbeatAtMillis, labels, null);
  }

  /** A node's view without labels. */
  public NodeInfo(
      String name,
      String httpUrl,
      boolean primary,
      long epoch,
      int slots,
      int running,
      Long heartbeatAtMillis) {
    this(name, httpUrl, primary, epoch, slots, running, heartbeatAtMillis, List.of());
  }

  /** A node's view without its heartbeat time. */
  public NodeInfo(
      String name, String httpUrl, boolean primary, long epoch, int slots, int running) {
    this(name, httpUrl, primary, epoch, slots, running, null);
  }
}
