package dev.grid.api;

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
 */
public record NodeInfo(
    String name,
    String httpUrl,
    boolean primary,
    long epoch,
    int slots,
    int running,
    Long heartbeatAtMillis) {

  /** A node's view without its heartbeat time. */
  public NodeInfo(
      String name, String httpUrl, boolean primary, long epoch, int slots, int running) {
    this(name, httpUrl, primary, epoch, slots, running, null);
  }
}
