package dev.grid.cli;

import dev.grid.api.DrainState;
import dev.grid.api.GridClient;
import dev.grid.api.NodeDrain;
import dev.grid.api.internal.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code bin/drain NODE} and {@code bin/undrain NODE} (admin): take a node out of service for
 * maintenance and back, as Slurm's {@code scontrol update nodename=X state=drain|resume}. Prints
 * the node and where it is.
 */
final class DrainCommand implements Callable<Integer> {
  private final GridCli cli;
  private final boolean drain;

  private final PositionalParamSpec node =
      Specs.parameter("NODE", String.class, "The node's name, as bin/nodes lists it.");

  private final OptionSpec json = Specs.flag("--json", "Print the grid's answer: node, state.");

  /** {@code drain} if true, else {@code undrain}. */
  DrainCommand(GridCli cli, boolean drain) {
    this.cli = cli;
    this.drain = drain;
  }

  CommandSpec spec() {
    return Specs.command(
            drain ? "drain" : "undrain",
            this,
            drain
                ? "Drain a node (admin): it gets no new work; what it runs ends normally. Stop it"
                    + " once bin/nodes shows it DRAINED."
                : "Take a drained node back (admin): new work reaches it again.")
        .addPositional(node)
        .addOption(json);
  }

  @Override
  public Integer call() {
    String name = node.getValue();
    try (GridClient grid = cli.client()) {
      NodeDrain d = drain ? grid.drain(name) : grid.undrain(name);
      if (json.<Boolean>getValue()) {
        cli.out.println(Json.toPrettyString(d));
      } else {
        cli.out.println(d.node() + " " + describe(d.state()));
      }
      return 0;
    }
  }

  private static String describe(DrainState state) {
    if (state == null) {
      return "takes work";
    }
    return switch (state) {
      case DRAINING -> "DRAINING: it gets no new work; what it runs ends first (bin/nodes)";
      case DRAINED -> "DRAINED: it gets no new work and runs nothing; it can be stopped";
    };
  }
}
