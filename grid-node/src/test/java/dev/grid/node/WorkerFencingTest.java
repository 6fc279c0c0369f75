package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * A worker takes dispatches only from the newest primary it has seen: a stale primary (one that was
 * paused while another took over) cannot make it run anything.
 */
class WorkerFencingTest {
  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  @Test
  void when_a_dispatch_comes_from_an_older_epoch_than_the_worker_has_seen_then_it_is_refused() {
    // No slots: the real primary dispatches nothing here, the test plays the primaries.
    grid = new TestGrid(dir, 1, 0).start();
    GridNode node = grid.node(0);
    JobTable table = new JobTable(node.hazelcast(), Clock.systemUTC());
    WorkerEndpoint worker =
        (WorkerEndpoint) node.hazelcast().getUserContext().get(WorkerEndpoint.CONTEXT_KEY);
    String memberId = node.hazelcast().getCluster().getLocalMember().getUuid().toString();
    JobId newer = table.submit(JobSpec.command("true"));
    JobId stale = table.submit(JobSpec.command("true"));

    worker.run(dispatch(table, newer, 9, memberId), 9);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> table.get(newer).orElseThrow().state() == JobState.SUCCEEDED);
    worker.run(dispatch(table, stale, 5, memberId), 5);

    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> table.get(stale).orElseThrow().state() == JobState.DISPATCHED);
    worker.run(table.get(stale).orElseThrow(), 9);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> table.get(stale).orElseThrow().state() == JobState.SUCCEEDED);
  }

  private static JobRecord dispatch(JobTable table, JobId id, long epoch, String memberId) {
    UpdateResult u =
        table.update(
            id, new JobCommand.Dispatch(epoch, "n1", memberId, System.currentTimeMillis()));
    assertThat(u.applied()).as(u.refusal()).isTrue();
    return u.record();
  }
}
