package dev.grid.node.http;

/** A request the API answers with an error status; the message goes to the client as is. */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String allow;

  ApiError(int status, String message) {
    this(status, message, null);
  }

  private ApiError(int status, String message, String allow) {
    super(message, null, false, false);
    this.status = status;
    this.allow = allow;
  }

  static ApiError notFound(String message) {
    return new ApiError(404, message);
  }

  static ApiError methodNotAllowed(String method, String path, String allow) {
    return new ApiError(405, method + " is not allowed on " + path + ": use " + allow, allow);
  }

  int status() {
    return status;
  }

  /** The methods allowed, for a 405's Allow header; null otherwise. */
  String allow() {
    return allow;
  }
}
