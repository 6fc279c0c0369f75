package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.NodeInfo;
import dev.grid.api.Resources;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code bin/nodes}: the live nodes, which one is primary, how busy each is, and which are drained
 * ({@code DRAINING} while they still run work, {@code DRAINED} once idle: safe to stop).
 */
final class NodesCommand implements Callable<Integer> {
  private final GridCli cli;

  private final OptionSpec json =
      Specs.flag(
          "--json",
          "Print a JSON list (name, primary, role, epoch, slots, running, drain if drained).");

  NodesCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    return Specs.command("nodes", this, "List the live nodes.").addOption(json);
  }

  @Override
  public Integer call() {
    return run(cli, json.getValue());
  }

  /** The command's work, also done without the model by {@link QuickLine}. */
  static int run(GridCli cli, boolean json) {
    try (GridClient grid = cli.client()) {
      List<NodeInfo> nodes = grid.nodes();
      if (json) {
        cli.out.println(Json.toPrettyString(nodes));
        return 0;
      }
      Table table =
          new Table(
              "NAME", "PRIMARY", "ROLE", "EPOCH", "SLOTS", "RUNNING", "DRAIN", "CPUS", "MEM", "URL",
              "LABELS");
      for (NodeInfo node : nodes) {
        table.row(
            node.name(),
            node.primary() ? "yes" : "no",
            node.role(),
            node.epoch(),
            node.slots(),
            node.running(),
            node.drain(),
            node.offers() == null ? null : node.offers().cpus(),
            node.offers() == null ? null : Resources.roughMemory(node.offers().memoryBytes()),
            node.httpUrl(),
            node.labels().isEmpty() ? null : String.join(",", node.labels()));
      }
      table.print(cli.out);
      return 0;
    }
  }
}
