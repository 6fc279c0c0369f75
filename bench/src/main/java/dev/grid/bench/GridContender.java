package dev.grid.bench;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.bench.peers.PeerCluster;
import dev.grid.bench.peers.Workload;
import dev.grid.launch.GridHome;
import dev.grid.launch.LocalGrid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The grid side of {@code bin/bench peers}: a {@link LocalGrid} of node processes and one {@link
 * GridClient}. A no-op job is the bench's {@link dev.grid.bench.job.NoOpJob} as a Java job from its
 * uploaded jar ({@link NoOpJar}), a shell job the command {@code true}.
 *
 * <p>The end of a run is seen by listing the jobs not yet ended (queued, waiting, dispatched,
 * running), every {@value #POLL_MILLIS} ms once the last submit returned, until none is left; then
 * one listing of all jobs gives each job's end time as the grid recorded it. Nothing polls while
 * jobs are being submitted.
 */
final class GridContender implements Contender {
  static final long POLL_MILLIS = 250;
  private static final List<JobState> NOT_ENDED = JobState.unfinished();

  private final LocalGrid grid;
  private final GridClient client;
  private final Map<Workload, JobSpec> specs = new EnumMap<>(Workload.class);
  private final List<JobId> submitted = new ArrayList<>();

  private GridContender(LocalGrid grid, GridClient client, String noOpJar) {
    this.grid = grid;
    this.client = client;
    specs.put(Workload.NO_OP, JobSpec.java(noOpJar, NoOpJar.CLASS_NAME));
    specs.put(Workload.SHELL, JobSpec.command("true"));
  }

  /** Starts the grid's nodes in {@code dir} and uploads the no-op job's jar. */
  static GridContender start(Path dir, int nodes, int slots) {
    LocalGrid grid = new LocalGrid(GridHome.find(), dir, nodes, slots, List.of());
    try {
      grid.start();
      GridClient client = GridClient.connect(grid.urls(), grid.token());
      String jar = client.uploadJar(NoOpJar.write(dir.resolve("jars")));
      return new GridContender(grid, client, jar);
    } catch (RuntimeException e) {
      grid.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return PeerFigures.GRID;
  }

  @Override
  public void submit(Workload workload, long sequence) {
    submitted.add(client.submit(specs.get(workload)));
  }

  @Override
  public long awaitRan(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (NOT_ENDED.stream().anyMatch(state -> !client.jobs(state).isEmpty())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the grid's jobs did not all end within " + timeout);
      }
      PeerCluster.sleep(POLL_MILLIS);
    }
    Set<JobId> ours = new HashSet<>(submitted);
    long last = 0;
    int seen = 0;
    Map<JobState, Integer> states = new EnumMap<>(JobState.class);
    for (JobInfo info : client.jobs()) {
      if (ours.contains(info.id())) {
        seen++;
        states.merge(info.state(), 1, Integer::sum);
        if (info.endedAtMillis() != null) {
          last = Math.max(last, info.endedAtMillis());
        }
      }
    }
    if (seen != count || states.getOrDefault(JobState.SUCCEEDED, 0) != count) {
      throw new IllegalStateException(
          "of the grid's " + count + " jobs, " + seen + " were listed, in states " + states);
    }
    submitted.clear();
    return last;
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      grid.close();
    }
  }
}
