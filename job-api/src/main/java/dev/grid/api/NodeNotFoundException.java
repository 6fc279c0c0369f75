package dev.grid.api;

/** No node of that name has been in the grid since it started, nor is one drained. */
public class NodeNotFoundException extends GridException {
  private static final long serialVersionUID = 1L;
  private final String node;

  public NodeNotFoundException(String node) {
    super("no node named '" + node + "' has been in the grid: check the name with bin/nodes");
    this.node = node;
  }

  /** The name that was asked for. */
  public String node() {
    return node;
  }
}
