package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.StorageRepair;
import dev.grid.api.internal.Json;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code bin/storage}: what the grid's blob store holds, whether every blob has its copies, and a
 * repair pass on demand. Listing and checking are subcommands of their own; repair is the method
 * below, a subcommand too.
 */
final class StorageCommand {
  /** Verifying or repairing reads the whole store: the client waits this long for the answer. */
  static final Duration SLOW_REQUEST = Duration.ofMinutes(30);

  final GridCli cli;

  StorageCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "storage",
            this,
            "List the grid's blobs and their replicas, check and verify them, repair now.");
    spec.addSubcommand("ls", new StorageListCommand(this).spec());
    spec.addSubcommand("check", new StorageCheckCommand(this).spec());
    OptionSpec json = Specs.flag("--json", "Print JSON (copies, records, drops, lost, recopied).");
    Callable<Integer> repair = () -> repair(json.getValue());
    spec.addSubcommand(
        "repair",
        Specs.command(
                "repair",
                repair,
                "Run a repair pass now: copy blobs that lack copies, record copies the grid does"
                    + " not",
                "know of, drop stale and surplus copies, replace copies found damaged (by check"
                    + " --verify,",
                "a scrub or a read) from good ones. The grid also does this on its own when nodes",
                "come or go. Prints what the pass did.")
            .addOption(json));
    return spec;
  }

  private int repair(boolean json) {
    try (GridClient grid = cli.client(SLOW_REQUEST)) {
      StorageRepair done = grid.storage().repair();
      if (json) {
        cli.out.println(Json.toPrettyString(done));
        return 0;
      }
      cli.out.println(
          "repair: "
              + count(done.copies(), "copy", "copies")
              + " made, "
              + count(done.records(), "record", "records")
              + " written, "
              + count(done.drops(), "copy", "copies")
              + " dropped, "
              + count(done.recopied(), "damaged copy", "damaged copies")
              + " replaced, "
              + done.lost()
              + " lost"
              + (done.lost() > 0 ? " (see bin/storage check)" : ""));
      return 0;
    }
  }

  /** {@code 1 blob}, {@code 3 blobs}. */
  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /** Bytes as a person reads them: {@code 512 B}, {@code 5.2 MB} (powers of 1000). */
  static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
    double value = bytes;
    int unit = -1;
    while (value >= 999.95 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
