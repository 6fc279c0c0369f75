package dev.grid.cli;

import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.GridClient;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code bin/storage ls [PREFIX]}: the blobs under a prefix, by key, with their replicas. */
final class StorageListCommand implements Callable<Integer> {
  private final StorageCommand storage;

  private final PositionalParamSpec prefix =
      PositionalParamSpec.builder()
          .type(String.class)
          .arity("0..1")
          .defaultValue("")
          .paramLabel("PREFIX")
          .description("Only keys that start with it, like out/j0001/ (default: every blob).")
          .build();

  private final OptionSpec limit =
      OptionSpec.builder("--limit")
          .type(int.class)
          .defaultValue("" + BlobListing.DEFAULT_LIMIT)
          .paramLabel("N")
          .description(
              "Show at most N blobs, up to "
                  + BlobListing.MAX_LIMIT
                  + " (default: ${DEFAULT-VALUE}).")
          .build();

  private final OptionSpec json =
      Specs.flag(
          "--json",
          "Print JSON (prefix, limit, truncated, blobs: key, size, sha256, replicas, version).");

  StorageListCommand(StorageCommand storage) {
    this.storage = storage;
  }

  CommandSpec spec() {
    return Specs.command(
            "ls",
            this,
            "List blobs by key with their size, replicas and version.",
            "Job output is under out/JOB/ATTEMPT/ (stdout, stderr, exit).")
        .addPositional(prefix)
        .addOption(limit)
        .addOption(json);
  }

  @Override
  public Integer call() {
    try (GridClient grid = storage.cli.client()) {
      BlobListing listing = grid.storage().blobs(prefix.getValue(), limit.getValue());
      if (json.<Boolean>getValue()) {
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
