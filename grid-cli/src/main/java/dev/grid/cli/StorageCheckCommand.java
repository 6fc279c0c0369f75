package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.StorageHealth;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code bin/storage check [--verify]}: one summary line if every blob has its copies, else the
 * problems; the exit code says which, so a cron job or a monitor can run it.
 */
final class StorageCheckCommand implements Callable<Integer> {
  /** Exit code when the check could not be made (grid unreachable, token refused). */
  static final int FAILED = 3;

  /** Exit code when the check found problems. */
  static final int PROBLEMS = 1;

  private final StorageCommand storage;

  private final OptionSpec verify =
      Specs.flag("--verify", "Re-read every copy and recompute its checksums.");

  private final OptionSpec json =
      Specs.flag(
          "--json", "Print JSON (nodes, replication, blobs, bytes, verified, healthy, problems).");

  StorageCheckCommand(StorageCommand storage) {
    this.storage = storage;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "check",
            this,
            "Check that every blob has R good copies on the live nodes; report blobs that lack",
            "copies or are lost, and copies that are stale or unrecorded. With --verify, every"
                + " node",
            "also re-reads its copies and recomputes their checksums, reporting corrupt ones",
            "(this reads the whole store).",
            "Exit code: 0 healthy, 1 problems found, 2 wrong usage, 3 the check could not be"
                + " made.");
    return spec.exitCodeOnExecutionException(FAILED).addOption(verify).addOption(json);
  }

  @Override
  public Integer call() {
    try (GridClient grid = storage.cli.client(StorageCommand.SLOW_REQUEST)) {
      StorageHealth health = grid.storage().check(verify.getValue());
      if (json.<Boolean>getValue()) {
        storage.cli.out.println(Json.toPrettyString(health));
      } else {
        print(health);
      }
      return health.healthy() ? 0 : PROBLEMS;
    }
  }

  private void print(StorageHealth health) {
    String summary =
        StorageCommand.count(health.nodes().size(), "node", "nodes")
            + ", R="
            + health.replication()
            + ", "
            + StorageCommand.count(health.blobs(), "blob", "blobs")
            + ", "
            + StorageCommand.size(health.bytes())
            + (health.verified() ? ", checksums verified" : "");
    if (health.healthy()) {
      storage.cli.out.println(summary + ": healthy");
      printLastScrubs(health);
      return;
    }
    storage.cli.out.println(
        summary + ": " + StorageCommand.count(health.problems().size(), "problem", "problems"));
    Table table = new Table("KIND", "KEY", "NODE", "DETAIL");
    for (StorageHealth.Problem p : health.problems()) {
      table.row(p.kind(), p.key(), p.node(), p.detail());
    }
    table.print(storage.cli.out);
    printLastScrubs(health);
  }

  /** When each node last re-read its disk, once any has (nodes that have not say so). */
  private void printLastScrubs(StorageHealth health) {
    if (health.lastScrubMillis().isEmpty()) {
      return;
    }
    StringBuilder line = new StringBuilder("last scrub:");
    String sep = " ";
    for (String node : health.nodes()) {
      Long at = health.lastScrubMillis().get(node);
      line.append(sep)
          .append(node)
          .append(' ')
          .append(at == null ? "not since it started" : StatusCommand.time(at));
      sep = ", ";
    }
    storage.cli.out.println(line);
  }
}
