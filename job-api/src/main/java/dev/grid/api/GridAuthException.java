package dev.grid.api;

/** The grid refused the token (HTTP 401). */
public class GridAuthException extends GridException {
  private static final long serialVersionUID = 1L;

  public GridAuthException(String message) {
    super(message);
  }
}
