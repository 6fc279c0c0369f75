package dev.grid.api;

/** No node of the grid answered. */
public class GridUnavailableException extends GridException {
  private static final long serialVersionUID = 1L;

  public GridUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
