package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.UpdateResult;
import dev.grid.scheduler.WorkerEndpoint;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schedule's fire handed to a worker before its due time: the worker holds it until then, and
 * hands it back at once if its node stops meanwhile. The test plays the primary (the grid's nodes
 * have no slots, so the real one dispatches nothing).
 */
class HeldFireTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  /** A fire of schedule {@code held} due that far ahead, made and dispatched to the node. */
  private static JobRecord fireDispatchedTo(GridNode node, JobTable table, long dueInMillis) {
    JobId id = JobId.of("cron.held." + (System.currentTimeMillis() + dueInMillis));
    assertThat(table.submitIfAbsent(id, JobSpec.command("true"))).isTrue();
    String memberId = node.hazelcast().getCluster().getLocalMember().getUuid().toString();
    UpdateResult u =
        table.update(
            id, new JobCommand.Dispatch(9, node.name(), memberId, System.currentTimeMillis()));
    assertThat(u.applied()).as(u.refusal()).isTrue();
    return u.record();
  }

  private static WorkerEndpoint worker(GridNode node) {
    return (WorkerEndpoint) node.hazelcast().getUserContext().get(WorkerEndpoint.CONTEXT_KEY);
  }

  @Test
  void when_a_fire_comes_before_its_due_time_then_it_starts_at_that_time() {
    grid = new TestGrid(dir, 1, 0).start();
    GridNode node = grid.node(0);
    JobTable table = new JobTable(node.hazelcast(), Clock.systemUTC());
    JobRecord fire = fireDispatchedTo(node, table, 700);

    worker(node).run(fire, 9);

    assertThat(table.get(fire.id()).orElseThrow().state()).isEqualTo(JobState.DISPATCHED);
    JobRecord ended =
        await()
            .atMost(WAIT)
            .until(() -> table.get(fire.id()).orElseThrow(), r -> r.state().isTerminal());
    assertThat(ended.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(ended.startedAtMillis()).isGreaterThanOrEqualTo(fire.notBeforeMillis());
  }

  @Test
  void when_the_node_stops_while_it_holds_a_fire_then_the_fire_is_handed_back_at_once() {
    grid = new TestGrid(dir, 2, 0).start();
    GridNode stopping = grid.node(1);
    JobTable table = new JobTable(grid.node(0).hazelcast(), Clock.systemUTC());
    JobRecord fire = fireDispatchedTo(stopping, table, 900);
    worker(stopping).run(fire, 9);

    stopping.close();

    JobRecord back = table.get(fire.id()).orElseThrow();
    assertThat(back.state()).isEqualTo(JobState.QUEUED);
    assertThat(back.startedAtMillis()).isNull();
    assertThat(back.history())
        .extracting(JobEvent::message)
        .anySatisfy(m -> assertThat(m).contains("node " + stopping.name() + " stopped"));
  }
}
