package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.Resources;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection, the node's group and the sweep of a crashed run's groups, against fake cgroup trees in
 * a temporary directory ({@link FakeCgroupTree}); {@link ProcessRunnerCgroupTest} does it for real.
 */
class JobCgroupsTest {
  private static final long ROOT_UID = 0;
  private static final long PID = 4242;

  /** Above any pid_max: never a live process. */
  private static final long DEAD_PID = 999_999_999;

  @TempDir Path temp;

  @Test
  void a_node_not_run_as_root_uses_none_saying_why() throws Exception {
    Path root = FakeCgroupTree.v1(temp);

    JobCgroups cgroups = JobCgroups.detect("n1", root, 1000, PID);

    assertThat(cgroups.enabled()).isFalse();
    assertThat(cgroups.describe())
        .startsWith("cgroups not used (the node runs as uid 1000, not root")
        .endsWith("jobs run without CPU and memory limits, and their usage is not measured");
    assertThat(cgroups.open("run", new Resources(1, 1L << 30))).isNull();
  }

  @Test
  void without_any_cgroup_tree_none_are_used_naming_both_versions() {
    JobCgroups cgroups = JobCgroups.detect("n1", temp, ROOT_UID, PID);

    assertThat(cgroups.enabled()).isFalse();
    assertThat(cgroups.describe())
        .contains("no cgroup v1 memory hierarchy at " + temp.resolve("memory"))
        .contains("no cgroup v2 tree at " + temp);
  }

  @Test
  void a_v1_tree_missing_cpuacct_is_not_used() throws Exception {
    Path root = FakeCgroupTree.v1(temp);
    Files.delete(root.resolve("cpuacct").resolve("cpuacct.stat"));

    JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID);

    assertThat(cgroups.enabled()).isFalse();
    assertThat(cgroups.describe()).contains("without cpuacct.stat");
  }

  @Test
  void v1_gets_a_node_group_in_each_hierarchy_removed_on_close() throws Exception {
    Path root = FakeCgroupTree.v1(temp);

    JobCgroups cgroups = JobCgroups.detect("node-1", root, ROOT_UID, PID);

    assertThat(cgroups.enabled()).as(cgroups.describe()).isTrue();
    GroupDirs node = cgroups.nodeGroup();
    assertThat(node.memory().getParent()).isEqualTo(root.resolve("memory").toRealPath());
    assertThat(node.cpu().getParent()).isEqualTo(root.resolve("cpu").toRealPath());
    assertThat(node.cpuacct().getParent()).isEqualTo(root.resolve("cpuacct").toRealPath());
    assertThat(node.memory().getFileName().toString()).matches("grid-node-1\\.4242\\.\\d+");
    assertThat(node.all()).hasSize(3).allMatch(Files::isDirectory);
    assertThat(cgroups.describe()).startsWith("jobs run in cgroup v1 groups under");

    cgroups.close();

    assertThat(node.all()).noneMatch(Files::exists);
  }

  @Test
  void v1_with_cpu_and_cpuacct_co_mounted_makes_each_group_once_there() throws Exception {
    Path root = FakeCgroupTree.v1CoMounted(temp);

    try (JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID)) {
      GroupDirs node = cgroups.nodeGroup();
      assertThat(node.cpu()).isEqualTo(node.cpuacct());
      assertThat(node.all()).hasSize(2);

      JobGroup run = cgroups.open("j1.a1", new Resources(2, 0));

      assertThat(run.dirs().all()).hasSize(2).allMatch(Files::isDirectory);
      assertThat(run.dirs().cpu()).isEqualTo(run.dirs().cpuacct());
      assertThat(Files.readString(run.dirs().cpu().resolve("cpu.cfs_quota_us")))
          .isEqualTo("200000");
    }
  }

  @Test
  void a_job_without_a_cpu_limit_gets_no_group_in_the_v1_cpu_hierarchy() throws Exception {
    try (JobCgroups cgroups = JobCgroups.detect("n1", FakeCgroupTree.v1(temp), ROOT_UID, PID)) {
      JobGroup run = cgroups.open("j1.a1", Resources.NONE);

      assertThat(run.dirs().cpu()).isNull();
      assertThat(run.dirs().all()).containsExactly(run.dirs().memory(), run.dirs().cpuacct());
      assertThat(run.dirs().memory().getParent()).isEqualTo(cgroups.nodeGroup().memory());
      assertThat(run.dirs().memory().resolve("memory.limit_in_bytes")).doesNotExist();
    }
  }

  @Test
  void v2_enables_memory_and_cpu_for_the_node_group_and_its_children() throws Exception {
    Path root = FakeCgroupTree.v2(temp, "cpuset cpu io memory hugetlb pids rdma misc");

    JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID);

    assertThat(cgroups.enabled()).as(cgroups.describe()).isTrue();
    GroupDirs node = cgroups.nodeGroup();
    assertThat(node.all()).containsExactly(node.memory());
    assertThat(node.memory().getParent()).isEqualTo(root);
    assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+memory +cpu");
    assertThat(Files.readString(node.memory().resolve("cgroup.subtree_control")))
        .isEqualTo("+memory +cpu");
    assertThat(cgroups.describe())
        .startsWith("jobs run in cgroup v2 groups under " + node.memory());
  }

  @Test
  void v2_leaves_the_roots_subtree_control_alone_when_it_already_has_both() throws Exception {
    Path root = FakeCgroupTree.v2(temp, "cpu io memory pids");
    Files.writeString(root.resolve("cgroup.subtree_control"), "cpu io memory pids\n");

    JobCgroups.detect("n1", root, ROOT_UID, PID);

    assertThat(Files.readString(root.resolve("cgroup.subtree_control")))
        .isEqualTo("cpu io memory pids\n");
  }

  @Test
  void v2_without_the_cpu_controller_is_not_used_naming_what_it_offers() throws Exception {
    Path root = FakeCgroupTree.v2(temp, "io memory pids");

    JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID);

    assertThat(cgroups.enabled()).isFalse();
    assertThat(cgroups.describe())
        .contains("offers 'io memory pids' but not both memory and cpu")
        .contains(root.resolve("cgroup.controllers").toString());
  }

  @Test
  void v2_whose_controllers_cannot_be_enabled_is_not_used_and_leaves_no_group() throws Exception {
    Path root = FakeCgroupTree.v2(temp, "cpu memory");
    // A file that cannot be written, as the kernel refuses one (EBUSY) in a container's root.
    Files.delete(root.resolve("cgroup.subtree_control"));
    Files.createDirectory(root.resolve("cgroup.subtree_control"));

    JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID);

    assertThat(cgroups.enabled()).isFalse();
    assertThat(cgroups.describe())
        .contains("could not make the node's group")
        .contains("could not enable the memory and cpu controllers in");
    try (var left = Files.list(root)) {
      assertThat(left).noneMatch(p -> p.getFileName().toString().startsWith("grid-"));
    }
  }

  @Test
  void groups_a_crashed_run_of_the_same_node_left_are_removed_at_start() throws Exception {
    Path root = FakeCgroupTree.v1(temp);
    Path memory = root.resolve("memory");
    Path crashed = Files.createDirectories(memory.resolve("grid-n1." + DEAD_PID + ".1/j1.a1.7"));
    Path crashedCpu = Files.createDirectories(root.resolve("cpu/grid-n1." + DEAD_PID + ".1"));
    Path alive = Files.createDirectories(memory.resolve("grid-n1.1.1/j2.a1.1"));
    Path otherNode = Files.createDirectories(memory.resolve("grid-n2." + DEAD_PID + ".1"));
    Path notOurs = Files.createDirectories(memory.resolve("system.slice"));

    try (JobCgroups cgroups = JobCgroups.detect("n1", root, ROOT_UID, PID)) {
      assertThat(cgroups.enabled()).isTrue();
      assertThat(crashed.getParent()).doesNotExist();
      assertThat(crashedCpu).doesNotExist();
      assertThat(alive).as("pid 1 is alive: not a crashed run's").exists();
      assertThat(otherNode).as("another node's").exists();
      assertThat(notOurs).exists();
    }
  }

  @Test
  void a_runs_group_is_named_for_its_job_and_attempt_in_safe_characters() {
    assertThat(JobCgroups.runName(Map.of("GRID_JOB_ID", "j-7f3a", "GRID_ATTEMPT", "2")))
        .isEqualTo("j-7f3a.a2");
    assertThat(JobCgroups.runName(Map.of("GRID_JOB_ID", "../../etc x"))).isEqualTo("______etc_x");
    assertThat(JobCgroups.runName(Map.of())).isEqualTo("run");
    assertThat(JobCgroups.nodeGroupName("node/1.example", 77, 3))
        .isEqualTo("grid-node_1_example.77.3");
    assertThat(JobCgroups.safe("x".repeat(100))).hasSize(64);
  }

  @Test
  void each_run_gets_a_group_of_its_own_removed_when_released_empty() throws Exception {
    try (JobCgroups cgroups = JobCgroups.detect("n1", FakeCgroupTree.v1(temp), ROOT_UID, PID)) {
      JobGroup first = cgroups.open("j1.a1", Resources.NONE);
      JobGroup second = cgroups.open("j1.a1", Resources.NONE);

      assertThat(first.dirs().memory()).isNotEqualTo(second.dirs().memory());
      assertThat(first.remove()).isTrue();
      assertThat(first.dirs().all()).noneMatch(Files::exists);
      assertThat(second.dirs().all()).allMatch(Files::exists);
    }
  }

  @Test
  void close_removes_the_groups_of_runs_still_there_and_no_group_opens_after() throws Exception {
    JobCgroups cgroups = JobCgroups.detect("n1", FakeCgroupTree.v1(temp), ROOT_UID, PID);
    JobGroup run = cgroups.open("j1.a1", Resources.NONE);
    List<Path> node = cgroups.nodeGroup().all();

    cgroups.close();
    cgroups.close();

    assertThat(run.dirs().all()).noneMatch(Files::exists);
    assertThat(node).noneMatch(Files::exists);
    assertThat(cgroups.open("j2.a1", Resources.NONE)).isNull();
  }
}
