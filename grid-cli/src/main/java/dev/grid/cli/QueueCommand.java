package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.QueueInfo;
import dev.grid.api.internal.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code bin/queue}: named queues ({@code submit --queue NAME}) and their limits: {@code list},
 * {@code set NAME --max-slots N} and {@code delete NAME} (the last two with an admin token).
 */
final class QueueCommand {
  private final GridCli cli;

  QueueCommand(GridCli cli) {
    this.cli = cli;
  }

  CommandSpec spec() {
    CommandSpec spec =
        Specs.command(
            "queue",
            this,
            "List named queues; cap the slots a queue's jobs may hold at once (admin).");
    spec.addSubcommand("list", list());
    spec.addSubcommand("set", set());
    spec.addSubcommand("delete", delete());
    return spec;
  }

  private CommandSpec list() {
    OptionSpec json = Specs.flag("--json", "Print a JSON list: name, maxSlots, held.");
    Callable<Integer> run =
        () -> {
          try (GridClient grid = cli.client()) {
            List<QueueInfo> queues = grid.queues();
            if (json.<Boolean>getValue()) {
              cli.out.println(Json.toPrettyString(queues));
            } else {
              Table table = new Table("QUEUE", "MAX SLOTS", "HELD");
              for (QueueInfo q : queues) {
                table.row(q.name(), q.maxSlots() == null ? "no limit" : q.maxSlots(), q.held());
              }
              table.print(cli.out);
            }
            return 0;
          }
        };
    return Specs.command(
            "list",
            run,
            "The queues with a limit or with work holding slots now, and how many each holds.")
        .addOption(json);
  }

  private CommandSpec set() {
    PositionalParamSpec name = Specs.parameter("NAME", String.class, "The queue's name.");
    OptionSpec max =
        OptionSpec.builder("--max-slots")
            .type(Integer.class)
            .required(true)
            .paramLabel("N")
            .description(
                "The most slots the queue's jobs and tasks may hold at once; 0 holds them all.")
            .build();
    Callable<Integer> run =
        () -> {
          try (GridClient grid = cli.client()) {
            QueueInfo q = grid.setQueueLimit(name.getValue(), max.getValue());
            cli.out.println(
                q.name() + ": at most " + q.maxSlots() + " slots (holds " + q.held() + ")");
            return 0;
          }
        };
    return Specs.command("set", run, "Cap the slots a queue's work may hold at once (admin).")
        .addPositional(name)
        .addOption(max);
  }

  private CommandSpec delete() {
    PositionalParamSpec name = Specs.parameter("NAME", String.class, "The queue's name.");
    Callable<Integer> run =
        () -> {
          try (GridClient grid = cli.client()) {
            QueueInfo q = grid.removeQueueLimit(name.getValue());
            cli.out.println(q.name() + ": no limit");
            return 0;
          }
        };
    return Specs.command("delete", run, "Lift a queue's limit (admin); its jobs stay.")
        .addPositional(name);
  }
}
