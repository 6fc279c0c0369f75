package dev.grid.api;

/**
 * The grid refused the token (HTTP 401), or what was asked is more than the token's role allows
 * (HTTP 403: the message names the role needed).
 */
public class GridAuthException extends GridException {
  private static final long serialVersionUID = 1L;

  public GridAuthException(String message) {
    super(message);
  }
}
