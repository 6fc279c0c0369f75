package dev.grid.api;

/** The root of the grid's own errors. Unchecked; the message says what was wrong and what to do. */
public class GridException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GridException(String message) {
    super(message);
  }

  public GridException(String message, Throwable cause) {
    super(message, cause);
  }
}
