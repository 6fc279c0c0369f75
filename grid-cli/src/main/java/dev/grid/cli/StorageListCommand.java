package dev.grid.cli;

import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.GridClient;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code bin/storage ls [PREFIX]}: the blobs under a prefix, by key, with their replicas. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "List blobs by key with their size, replicas and version.",
      "Job output is under out/JOB/ATTEMPT/ (stdout, stderr, exit)."
    })
final class StorageListCommand implements Callable<Integer> {
  @ParentCommand StorageCommand storage;

  @Parameters(
      paramLabel = "PREFIX",
      arity = "0..1",
      defaultValue = "",
      description = "Only keys that start with it, like out/j0001/ (default: every blob).")
  String prefix;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "" + BlobListing.DEFAULT_LIMIT,
      description =
          "Show at most N blobs, up to " + BlobListing.MAX_LIMIT + " (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(
      names = "--json",
      description =
          "Print JSON (prefix, limit, truncated, blobs: key, size, sha256, replicas,"
              + " version).")
  boolean json;

  @Override
  public Integer call() {
    try (GridClient grid = storage.cli.client()) {
      BlobListing listing = grid.storage().blobs(prefix, limit);
      if (json) {
        storage.cli.out.println(Json.toPrettyString(listing));
        return 0;
      }
      Table table = new Table("KEY", "SIZE", "REPLICAS", "VERSION");
      for (BlobInfo blob : listing.blobs()) {
        table.row(
            blob.key(),
            StorageCommand.size(blob.size()),
            String.join(",", blob.replicas()),
            blob.version());
      }
      table.print(storage.cli.out);
      if (listing.truncated()) {
        storage.cli.err.println(
            "only the first "
                + listing.limit()
                + " blobs are shown: give a"
                + " longer prefix, or --limit up to "
                + BlobListing.MAX_LIMIT);
      }
      return 0;
    }
  }
}
