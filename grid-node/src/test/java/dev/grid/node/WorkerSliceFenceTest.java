package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.BlockCommand;
import dev.grid.scheduler.BlockUpdate;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskBlock;
import dev.grid.scheduler.TaskSlice;
import dev.grid.scheduler.WorkerEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that is out of the grid (woken from a freeze, cut off) starts nothing: a job checks its
 * fence just before it starts, and so must a task of a slice that waited, started, for a slice
 * thread. Its primary may have taken the task back and run it elsewhere meanwhile.
 */
class WorkerSliceFenceTest {
  @TempDir Path dir;
  private TestGrid grid;

  @AfterEach
  void stop() {
    if (grid != null) {
      grid.close();
    }
  }

  @Test
  void when_the_node_goes_out_of_the_grid_then_the_waiting_tasks_of_a_slice_do_not_run()
      throws Exception {
    // No slots: the real primary dispatches nothing here, the test plays it (one slice thread).
    grid = new TestGrid(dir, 1, 0).start();
    GridNode node = grid.node(0);
    JobTable table = new JobTable(node.hazelcast(), Clock.systemUTC());
    Worker worker = (Worker) node.hazelcast().getUserContext().get(WorkerEndpoint.CONTEXT_KEY);
    String memberId = node.hazelcast().getCluster().getLocalMember().getUuid().toString();
    Path marks = Files.createDirectories(dir.resolve("marks"));
    JobId array =
        table.submit(
            JobSpec.shell("touch " + marks + "/$GRID_ARRAY_INDEX; sleep 1")
                .withArray(ArraySpec.parse("0-2")));
    String key = TaskBlock.key(array, 0);
    int[] slots = {0, 1, 2};
    BlockUpdate.Result d =
        table.updateBlock(
            key,
            new BlockCommand.Dispatch(
                1_000, node.name(), memberId, slots, System.currentTimeMillis()));
    assertThat(d.changed()).containsExactly(0, 1, 2);
    worker.runSlice(
        new TaskSlice(
            array,
            table.get(array).orElseThrow().spec(),
            0,
            node.name(),
            memberId,
            slots,
            new int[] {1, 1, 1},
            1_000));
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(marks.resolve("0")));

    worker.fencedBy(
        new Worker.Fence() {
          @Override
          public boolean fencedSince(long nanos) {
            return false;
          }

          @Override
          public String outOfGrid() {
            return "node woke from a freeze (test)";
          }
        });

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              JobState one = table.get(JobTable.taskId(array, 1)).orElseThrow().state();
              JobState two = table.get(JobTable.taskId(array, 2)).orElseThrow().state();
              return one != JobState.RUNNING && two != JobState.RUNNING;
            });
    assertThat(Files.exists(marks.resolve("1"))).as("task 1 ran out of the grid").isFalse();
  }
}
