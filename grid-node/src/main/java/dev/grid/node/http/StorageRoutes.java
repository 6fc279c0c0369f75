package dev.grid.node.http;

import dev.grid.api.BlobListing;
import dev.grid.node.GridOperations;
import java.io.IOException;

/**
 * The routes under {@code /api/storage}, for operators: what the blob store holds and how healthy
 * it is.
 *
 * <pre>
 * GET  /api/storage/blobs[?prefix=P&amp;limit=N]   -> BlobListing (N: 1 to 10000, default 1000)
 * GET  /api/storage/check[?verify=true|false]   -> StorageHealth (verify=true: admin only)
 * POST /api/storage/repair                      -> StorageRepair
 * </pre>
 *
 * A bad prefix, limit or verify value is a 400 naming it.
 */
final class StorageRoutes {
  private final GridOperations ops;

  StorageRoutes(GridOperations ops) {
    this.ops = ops;
  }

  /**
   * Answers a request whose path starts {@code /api/storage}.
   *
   * @param parts the path split on {@code /}: {@code ["api", "storage", what]}
   * @return false if no route has the path
   */
  boolean handle(Exchange exchange, String path, String[] parts) throws IOException {
    if (parts.length != 3) {
      return false;
    }
    switch (parts[2]) {
      case "blobs" -> {
        ApiRoutes.requireGet(exchange, path);
        String prefix = exchange.query("prefix");
        exchange.json(200, ops.blobs(prefix == null ? "" : prefix, limit(exchange.query("limit"))));
        return true;
      }
      case "check" -> {
        ApiRoutes.requireGet(exchange, path);
        boolean verify = verify(exchange.query("verify"));
        if (verify && !exchange.caller().role().includes(Role.ADMIN)) {
          // it makes every node re-read every copy: heavy work, not a read
          AccessLog.refused(
              exchange.caller(), exchange.remote(), "GET", path + "?verify=true", Role.ADMIN);
          throw new ApiError(
              403,
              "token '"
                  + exchange.caller().name()
                  + "' has the "
                  + exchange.caller().role().word()
                  + " role; a verifying check (every node re-reads its whole disk) needs admin:"
                  + " check without verify=true, or use an admin token");
        }
        exchange.json(200, ops.checkStorage(verify));
        return true;
      }
      case "repair" -> {
        ApiRoutes.requirePost(exchange, path);
        exchange.drain();
        exchange.json(200, ops.repairStorage());
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  static int limit(String text) {
    if (text == null || text.isEmpty()) {
      return BlobListing.DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= BlobListing.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(
        "limit '"
            + text
            + "' is not valid: give a whole number"
            + " from 1 to "
            + BlobListing.MAX_LIMIT
            + " (default "
            + BlobListing.DEFAULT_LIMIT
            + "), and a longer prefix to see fewer blobs");
  }

  static boolean verify(String text) {
    if (text == null || text.isEmpty() || text.equals("false")) {
      return false;
    }
    if (text.equals("true")) {
      return true;
    }
    throw new IllegalArgumentException(
        "verify '" + text + "' is not valid: give verify=true or verify=false");
  }
}
