package dev.grid.node.http;

/**
 * What the HTTP API asks its node's fence: whether the node is part of the grid's majority now, and
 * whether it was all along while a request changed something.
 */
@FunctionalInterface
public interface Presence {
  /** Always in the grid (a node of one, tests). */
  Presence ALWAYS = () -> null;

  /** Why the node is out of the grid now (it must answer nothing from its own view), or null. */
  String outOfGrid();

  /**
   * Whether the node was out of the grid at some moment since that {@link System#nanoTime()}. A
   * change made meanwhile may have reached only the node's cut-off side: a submit's record, say,
   * written while the node could not reach the member that keeps its backup. By default: whether it
   * is out now.
   */
  default boolean leftSince(long nanos) {
    return outOfGrid() != null;
  }
}
