package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.NodeInfo;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code bin/nodes}: the live nodes, which one is primary, how busy each is. */
@Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the live nodes.")
final class NodesCommand implements Callable<Integer> {
  @ParentCommand GridCli cli;

  @Option(
      names = "--json",
      description = "Print a JSON list (name, primary, epoch, slots, running).")
  boolean json;

  @Override
  public Integer call() {
    try (GridClient grid = cli.client()) {
      List<NodeInfo> nodes = grid.nodes();
      if (json) {
        cli.out.println(Json.toPrettyString(nodes));
        return 0;
      }
      Table table = new Table("NAME", "PRIMARY", "EPOCH", "SLOTS", "RUNNING", "URL");
      for (NodeInfo node : nodes) {
        table.row(
            node.name(),
            node.primary() ? "yes" : "no",
            node.epoch(),
            node.slots(),
            node.running(),
            node.httpUrl());
      }
      table.print(cli.out);
      return 0;
    }
  }
}
