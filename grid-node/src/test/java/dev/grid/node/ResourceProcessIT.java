package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.NodeInfo;
import dev.grid.api.Resources;
import dev.grid.launch.LocalGrid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CPUs and memory with real node processes: a node runs jobs that reserve some only while their sum
 * fits in what it offers; a job no live node could hold is refused at submit; where the nodes use
 * cgroups (root), a job over its memory ends FAILED "out of memory" and each job's CPU time and
 * peak memory are recorded and summed by the report.
 */
@Tag("slow")
class ResourceProcessIT {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final long JOBS_SECONDS = 90;
  private static final long GIB = 1L << 30;

  @TempDir Path dir;

  /** Whether the nodes here can use cgroups: as root, with a memory controller to write to. */
  private static boolean cgroupsUsable() {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path v1 = Path.of("/sys/fs/cgroup/memory/cgroup.procs");
    Path v2 = Path.of("/sys/fs/cgroup/cgroup.controllers");
    try {
      return root
          && (Files.isWritable(v1)
              || (Files.exists(v2) && Files.readString(v2).contains("memory")));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void jobs_run_only_where_their_cpus_and_memory_fit_and_what_they_cost_is_recorded()
      throws Exception {
    try (LocalGrid grid =
            new LocalGrid(dir, 2, 4)
                .withNodeOptions(0, List.of("--cpus", "2", "--mem", "1G"))
                .withNodeOptions(1, List.of("--cpus", "4", "--mem", "2G"))
                .start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      String small = grid.node(0).name();
      String big = grid.node(1).name();
      assertThat(client.nodes())
          .filteredOn(n -> n.name().equals(small))
          .extracting(NodeInfo::offers)
          .containsExactly(new Resources(2, GIB));

      assertThatThrownBy(
              () -> client.submit(JobSpec.command("true").withResources(new Resources(8, 0))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no live node offers 8 CPUs")
          .hasMessageContaining("the most any offers is 4 CPUs");

      // Six jobs of 2 CPUs: the small node holds one at a time, the big one two.
      List<JobId> pairs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        pairs.add(client.submit(JobSpec.command("sleep", "1").withResources(new Resources(2, 0))));
      }
      JobId roomy =
          client.submit(JobSpec.command("true").withResources(new Resources(0, 1536L << 20)));
      List<JobInfo> ended = new ArrayList<>();
      for (JobId id : pairs) {
        JobInfo done = client.completion(id).get(JOBS_SECONDS, TimeUnit.SECONDS);
        assertThat(done.state()).as(done.message()).isEqualTo(JobState.SUCCEEDED);
        ended.add(done);
      }
      Map<String, List<JobInfo>> byNode =
          ended.stream().collect(Collectors.groupingBy(JobInfo::node));
      assertThat(mostAtOnce(byNode.getOrDefault(small, List.of())))
          .as("2 CPUs hold one job of 2")
          .isLessThanOrEqualTo(1);
      assertThat(mostAtOnce(byNode.getOrDefault(big, List.of())))
          .as("4 CPUs hold two jobs of 2")
          .isLessThanOrEqualTo(2);
      assertThat(client.completion(roomy).get(JOBS_SECONDS, TimeUnit.SECONDS).node())
          .as("1.5G fits only on the node that offers 2G")
          .isEqualTo(big);
    }
  }

  @Test
  void where_nodes_use_cgroups_a_job_over_its_memory_fails_and_each_jobs_cost_is_recorded()
      throws Exception {
    Skip.unless(
        cgroupsUsable(),
        "ResourceProcessIT's cgroup test",
        "cgroups not usable here (not root, or no memory controller)");
    try (LocalGrid grid = new LocalGrid(dir, 1, 4).start(READY);
        GridClient client = GridClient.connect(grid.urls(), grid.token())) {
      JobId hungry =
          client.submit(
              JobSpec.shell("head -c 200000000 /dev/zero | tail > /dev/null")
                  .withResources(new Resources(0, 32L << 20)));
      JobId busy =
          client.submit(
              JobSpec.shell("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
                  .withResources(new Resources(1, 0)));
      JobId plain = client.submit(JobSpec.command("true"));
      JobId tasks =
          client.submit(
              JobSpec.shell("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")
                  .withArray(dev.grid.api.ArraySpec.parse("0-2")));
      JobInfo oom = client.completion(hungry).get(JOBS_SECONDS, TimeUnit.SECONDS);
      assertThat(oom.state()).isEqualTo(JobState.FAILED);
      assertThat(oom.message()).startsWith("out of memory");
      JobInfo burned = client.completion(busy).get(JOBS_SECONDS, TimeUnit.SECONDS);
      assertThat(burned.state()).as(burned.message()).isEqualTo(JobState.SUCCEEDED);
      assertThat(burned.usage()).as("measured through its cgroup").isNotNull();
      assertThat(burned.usage().cpuUserMillis()).isGreaterThan(50);
      assertThat(burned.usage().peakMemoryBytes()).isGreaterThan(0);
      assertThat(client.completion(plain).get(JOBS_SECONDS, TimeUnit.SECONDS).state())
          .as("the node is unharmed")
          .isEqualTo(JobState.SUCCEEDED);

      assertThat(client.completion(tasks).get(JOBS_SECONDS, TimeUnit.SECONDS).state())
          .isEqualTo(JobState.SUCCEEDED);
      assertThat(
              client.jobs(java.util.Optional.empty(), true).stream()
                  .filter(j -> tasks.equals(j.arrayId())))
          .as("each task's cost is kept")
          .hasSize(3)
          .allSatisfy(t -> assertThat(t.usage()).isNotNull());

      JobReport report = client.report(Duration.ofDays(1));
      JobReport.Row queue = report.byQueue().get(0);
      assertThat(queue.key()).isEqualTo("default");
      assertThat(queue.jobs()).as("three jobs and three tasks").isEqualTo(6);
      assertThat(queue.failed()).isEqualTo(1);
      assertThat(queue.measured()).isEqualTo(6);
      assertThat(queue.cpuUserMillis()).isGreaterThanOrEqualTo(burned.usage().cpuUserMillis());
    }
  }

  /** The most of these jobs that ran at the same moment. */
  private static int mostAtOnce(List<JobInfo> jobs) {
    int most = 0;
    for (JobInfo a : jobs) {
      int at = 0;
      for (JobInfo b : jobs) {
        if (b.startedAtMillis() <= a.startedAtMillis() && a.startedAtMillis() < b.endedAtMillis()) {
          at++;
        }
      }
      most = Math.max(most, at);
    }
    return most;
  }
}
