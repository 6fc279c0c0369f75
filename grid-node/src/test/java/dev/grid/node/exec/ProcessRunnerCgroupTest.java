package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grid.api.JobSpec;
import dev.grid.api.Resources;
import dev.grid.api.Usage;
import dev.grid.node.Skip;
import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real jobs in real cgroups (v1 on the dev VM and CI, v2 where the machine has it): limits held,
 * usage measured, OOM kills told, no group left. Skipped where the node could not use cgroups (not
 * root, no writable tree), saying why. Every group made here is removed, even when a test fails.
 */
class ProcessRunnerCgroupTest {
  /** How long anything here may take; a group with a leftover is removed after the ~2 s grace. */
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static final long CAP = 1 << 20;
  private static final Map<String, String> GRID_ENV =
      Map.of("GRID_JOB_ID", "j-cg-1", "GRID_ATTEMPT", "1");

  /** Makes tail hold one 200 MB line: far over a 32M limit. */
  private static final String ALLOCATE_200M = "head -c 200000000 /dev/zero | tail > /dev/null";

  @TempDir Path temp;
  private Path scratch;
  private final List<JobCgroups> opened = new ArrayList<>();
  private final List<ProcessRunner> runners = new ArrayList<>();
  private JobCgroups cgroups;
  private ProcessRunner runner;

  @BeforeEach
  void openRunner() {
    scratch = temp.resolve("scratch");
    cgroups = detect("test-cgroups");
    runner = runner(cgroups, null);
  }

  private JobCgroups detect(String name) {
    JobCgroups found = JobCgroups.detect(name);
    opened.add(found);
    Skip.unless(
        found.enabled(),
        "ProcessRunnerCgroupTest",
        "cgroups are not usable here: " + found.describe());
    return found;
  }

  private ProcessRunner runner(JobCgroups with, JobUser user) {
    ProcessRunner r =
        new ProcessRunner(
            Clock.systemUTC(), Map.of("PATH", "/usr/bin:/bin"), Setsid.find(), user, with);
    runners.add(r);
    return r;
  }

  /** Closes the runners (which remove their groups); removes any group still there regardless. */
  @AfterEach
  void closeRunnersAndRemoveGroups() {
    runners.forEach(ProcessRunner::close);
    for (JobCgroups c : opened) {
      c.close();
      if (c.enabled()) {
        c.nodeGroup().all().forEach(CgroupFiles::killAndRemove);
      }
    }
  }

  private RunningJob start(ProcessRunner on, JobSpec spec, Path dir) {
    return on.start(new RunRequest(spec, GRID_ENV, dir, CAP));
  }

  private RunResult run(JobSpec spec) throws Exception {
    return resultOf(start(runner, spec, scratch));
  }

  private static RunResult resultOf(RunningJob job) throws Exception {
    return job.result().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String out(RunResult r) {
    return new String(r.stdout(), StandardCharsets.UTF_8);
  }

  /** The job groups under the node's group, in every hierarchy. */
  private static List<Path> jobGroups(JobCgroups of) throws IOException {
    List<Path> groups = new ArrayList<>();
    for (Path dir : of.nodeGroup().all()) {
      groups.addAll(CgroupFiles.children(dir));
    }
    return groups;
  }

  private static JobSpec memory(JobSpec spec, String size) {
    return spec.withResources(new Resources(0, Resources.parseMemory(size)));
  }

  @Test
  void a_job_over_its_memory_limit_ends_out_of_memory_and_the_next_job_still_runs()
      throws Exception {
    RunResult unlimited = run(JobSpec.shell(ALLOCATE_200M));
    assertThat(unlimited.exitCode()).as(unlimited.message()).isZero();
    assertThat(unlimited.usage().peakMemoryBytes())
        .as("the job really takes more than 32M")
        .isGreaterThan(100L << 20);

    RunResult limited = run(memory(JobSpec.shell(ALLOCATE_200M), "32M"));

    assertThat(limited.outcome()).isEqualTo(Outcome.EXITED);
    assertThat(limited.exitCode()).isEqualTo(137);
    assertThat(limited.message())
        .startsWith("out of memory:")
        .contains("at its 32M limit (--mem)")
        .endsWith("exit code 137");
    assertThat(limited.usage().peakMemoryBytes()).isLessThanOrEqualTo(32L << 20);

    RunResult next = run(JobSpec.shell("echo still here"));
    assertThat(next.exitCode()).isZero();
    assertThat(out(next)).isEqualTo("still here\n");
    assertThat(next.message()).doesNotContain("out of memory");
  }

  @Test
  void a_cpu_burning_job_reports_its_cpu_time_and_peak_memory() throws Exception {
    RunResult r = run(JobSpec.shell("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo $i"));

    assertThat(out(r)).isEqualTo("300000\n");
    Usage usage = r.usage();
    assertThat(usage).as("usage of " + r).isNotNull();
    assertThat(usage.cpuUserMillis()).isGreaterThan(50);
    assertThat(usage.peakMemoryBytes()).isGreaterThan(0);
  }

  @Test
  void a_job_with_limits_is_in_its_group_before_it_runs_any_code_of_its_own() throws Exception {
    // cat reads its own cgroup first thing: moved in from Java after the start, it would be early
    RunResult r = run(memory(JobSpec.of(List.of("cat", "/proc/self/cgroup")), "64M"));

    assertThat(r.exitCode()).as(r.message()).isZero();
    String expected = "/" + cgroups.nodeGroup().memory().getFileName() + "/run-";
    List<String> lines = out(r).lines().toList();
    if (cgroups.layout() instanceof CgroupV1) {
      assertThat(lines)
          .filteredOn(l -> l.matches("\\d+:memory:.*"))
          .allMatch(l -> l.contains(expected))
          .hasSize(1);
      assertThat(lines)
          .filteredOn(l -> l.matches("\\d+:[^:]*cpuacct[^:]*:.*"))
          .allMatch(l -> l.contains(expected))
          .hasSize(1);
    } else {
      assertThat(lines)
          .filteredOn(l -> l.startsWith("0::"))
          .singleElement()
          .asString()
          .contains(expected);
    }
    assertThat(r.usage()).isNotNull();
  }

  @Test
  void a_shell_job_enters_its_group_itself_and_keeps_its_own_line_numbers() throws Exception {
    // the job's own sh enters its group (no extra sh), and the shell still counts the job's lines
    RunResult r =
        run(memory(JobSpec.shell("cat /proc/$$/cgroup\ntrue\nno-such-command-here"), "64M"));

    assertThat(r.exitCode()).as(r.message()).isEqualTo(127);
    String expected = "/" + cgroups.nodeGroup().memory().getFileName() + "/run-";
    String line = cgroups.layout() instanceof CgroupV1 ? "\\d+:memory:.*" : "0::.*";
    assertThat(out(r).lines())
        .filteredOn(l -> l.matches(line))
        .singleElement()
        .asString()
        .contains(expected);
    assertThat(new String(r.stderr(), StandardCharsets.UTF_8))
        .matches("(?s).*\\b3\\b.*no-such-command-here.*")
        .doesNotContain("could not enter");
  }

  @Test
  void a_job_reserving_one_cpu_runs_under_a_quota_of_one_cpu() throws Exception {
    RunningJob job =
        start(
            runner, JobSpec.of(List.of("sleep", "30")).withResources(new Resources(1, 0)), scratch);
    GroupDirs node = cgroups.nodeGroup();

    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(CgroupFiles.children(node.cpu())).hasSize(1));
    Path group = CgroupFiles.children(node.cpu()).get(0);
    assertThat(CgroupFiles.pids(group)).contains(job.pid());
    if (cgroups.layout() instanceof CgroupV1) {
      assertThat(CgroupFiles.read(group.resolve("cpu.cfs_quota_us"))).isEqualTo("100000");
      assertThat(CgroupFiles.read(group.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
    } else {
      assertThat(CgroupFiles.read(group.resolve("cpu.max"))).isEqualTo("100000 100000");
    }

    job.cancel();
    assertThat(resultOf(job).outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  void no_process_is_left_after_runs_even_one_that_left_the_jobs_session_nor_a_group_after_close()
      throws Exception {
    for (Resources reserved : List.of(Resources.NONE, new Resources(1, 64L << 20))) {
      assertThat(run(JobSpec.of(List.of("true")).withResources(reserved)).exitCode()).isZero();
    }
    // Out of the job's session, the runner's process tree cannot find it; its cgroup can.
    RunResult r =
        run(memory(JobSpec.shell("setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $!"), "64M"));
    long escaped = Long.parseLong(out(r).trim());

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(ProcessHandle.of(escaped).filter(ProcessHandle::isAlive)).isEmpty();
              assertThat(cgroups.pool().idle()).hasSameSizeAs(cgroups.pool().groups());
            });
    for (Path group : jobGroups(cgroups)) {
      assertThat(CgroupFiles.pids(group)).as("processes in " + group).isEmpty();
    }
    assertThat(jobGroups(cgroups)).isNotEmpty();

    runner.close();

    assertThat(jobGroups(cgroups)).isEmpty();
    assertThat(cgroups.nodeGroup().all()).noneMatch(Files::exists);
  }

  /**
   * Waits until every run group of the node has been given back (a killed run's may take a grace).
   */
  private void awaitAllIdle() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(cgroups.pool().idle()).hasSameSizeAs(cgroups.pool().groups()));
  }

  /** Asserts that the node has one run group, and that it served the last {@code runs} runs. */
  private void assertOneGroupServed(int runs) {
    assertThat(cgroups.pool().groups())
        .singleElement()
        .satisfies(g -> assertThat(g.runs()).as("runs in " + g.path()).isEqualTo(runs));
  }

  /** The run group a job printed with {@code cat /proc/self/cgroup}: its memory line's path. */
  private static String memoryGroupOf(RunResult r) {
    return out(r)
        .lines()
        .filter(l -> l.matches("\\d+:memory:.*") || l.startsWith("0::"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no memory cgroup in " + out(r)));
  }

  @Test
  void a_run_after_one_the_oom_killer_struck_in_its_group_is_not_out_of_memory_with_its_own_peak()
      throws Exception {
    RunResult big = run(JobSpec.shell(ALLOCATE_200M));
    assertThat(big.usage().peakMemoryBytes()).isGreaterThan(100L << 20);
    RunResult killed = run(memory(JobSpec.shell(ALLOCATE_200M), "32M"));
    assertThat(killed.message()).startsWith("out of memory:");
    awaitAllIdle();

    RunResult next = run(JobSpec.of(List.of("true")));

    assertThat(next.exitCode()).as(next.message()).isZero();
    assertThat(next.message()).doesNotContain("out of memory");
    assertThat(next.usage().peakMemoryBytes())
        .as("the peak of true, not of the 200M job before it in the same group")
        .isLessThan(8L << 20);
    assertOneGroupServed(3);
  }

  @Test
  void a_run_reserving_nothing_after_one_held_to_32m_in_its_group_is_not_limited()
      throws Exception {
    assertThat(run(memory(JobSpec.of(List.of("true")), "32M")).exitCode()).isZero();

    RunResult free = run(JobSpec.shell(ALLOCATE_200M));

    assertThat(free.exitCode()).as(free.message()).isZero();
    assertThat(free.usage().peakMemoryBytes()).isGreaterThan(100L << 20);
    assertOneGroupServed(2);
  }

  @Test
  void each_run_in_a_reused_group_is_held_to_its_own_limit_raised_or_lowered() throws Exception {
    String allocate100m = "head -c 100000000 /dev/zero | tail > /dev/null";
    assertThat(run(memory(JobSpec.of(List.of("true")), "32M")).exitCode()).isZero();

    RunResult raised = run(memory(JobSpec.shell(allocate100m), "256M"));
    assertThat(raised.exitCode()).as(raised.message()).isZero();
    RunResult lowered = run(memory(JobSpec.shell(allocate100m), "32M"));
    assertThat(lowered.message()).startsWith("out of memory:").contains("at its 32M limit");

    assertOneGroupServed(3);
  }

  @Test
  void a_runs_cpu_time_leaves_out_that_of_the_run_before_it_in_its_group() throws Exception {
    RunResult burn =
        run(JobSpec.shell("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo $i"));
    assertThat(burn.usage().cpuMillis()).isGreaterThan(50);

    RunResult next = run(JobSpec.of(List.of("true")));

    assertThat(next.usage().cpuMillis()).isLessThan(burn.usage().cpuMillis() / 4);
    assertOneGroupServed(2);
  }

  @Test
  void there_are_never_more_groups_than_runs_were_at_once() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(run(JobSpec.of(List.of("true"))).exitCode()).isZero();
    }
    assertOneGroupServed(10);

    for (int round = 0; round < 2; round++) {
      List<RunningJob> atOnce = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        atOnce.add(start(runner, JobSpec.of(List.of("sleep", "0.3")), scratch));
      }
      for (RunningJob job : atOnce) {
        assertThat(resultOf(job).exitCode()).isZero();
      }
      awaitAllIdle();
    }
    for (int i = 0; i < 5; i++) {
      assertThat(run(JobSpec.of(List.of("true"))).exitCode()).isZero();
    }

    List<PooledGroup> groups = cgroups.pool().groups();
    assertThat(groups).as("three at most at once").hasSize(3);
    assertThat(groups.stream().mapToInt(PooledGroup::runs).sum()).isEqualTo(10 + 6 + 5);
    assertThat(CgroupFiles.children(cgroups.nodeGroup().memory())).hasSize(3);
  }

  @Test
  void a_group_seen_empty_a_moment_ago_is_not_given_back_with_a_process_in_it() throws Exception {
    JobGroup first = cgroups.open("j1.a1", Resources.NONE);
    first.end();
    first.release(null, Runnable::run, Duration.ZERO); // looks at cgroup.procs: empty
    JobGroup second = cgroups.open("j1.a2", Resources.NONE);
    assertThat(second.group()).isSameAs(first.group());
    Process sleep = new ProcessBuilder("sleep", "30").start();
    try {
      CgroupFiles.write(second.dirs().memory().resolve(CgroupFiles.PROCS), "" + sleep.pid());

      // Within the second in which v1 keeps the pid list an open cgroup.procs showed last.
      assertThat(cgroups.pool().giveBack(second.group())).isFalse();
    } finally {
      sleep.destroyForcibly().waitFor();
    }
    assertThat(cgroups.pool().giveBack(second.group())).isTrue();
  }

  @Test
  void a_group_left_holding_the_page_cache_of_a_file_its_run_wrote_is_not_reused()
      throws Exception {
    RunResult writer =
        run(
            JobSpec.shell(
                "dd if=/dev/zero of=big bs=1M count=32 status=none && cat /proc/self/cgroup"));
    assertThat(writer.exitCode()).as(writer.message()).isZero();

    RunResult next = run(JobSpec.of(List.of("cat", "/proc/self/cgroup")));

    assertThat(memoryGroupOf(next)).isNotEqualTo(memoryGroupOf(writer));
    assertThat(cgroups.pool().groups()).hasSize(1);
    assertThat(CgroupFiles.children(cgroups.nodeGroup().memory())).hasSize(1);
  }

  @Test
  void a_job_run_as_the_job_user_enters_its_group_as_root_before_the_switch() throws Exception {
    JobUser user = TestJobUser.ensure();
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
    Path root = temp.resolve("jobs");
    user.prepareScratchRoot(root);
    JobCgroups userGroups = detect("test-cgroups-user");
    ProcessRunner asUser = runner(userGroups, user);

    RunResult r =
        resultOf(
            start(
                asUser,
                memory(JobSpec.shell("id -u; cat /proc/self/cgroup"), "64M"),
                root.resolve("j-cg-1-1")));

    assertThat(r.exitCode()).as(r.message() + new String(r.stderr())).isZero();
    assertThat(out(r)).startsWith(user.uid() + "\n");
    assertThat(out(r)).contains("/" + userGroups.nodeGroup().memory().getFileName() + "/run-");
    assertThat(r.usage()).isNotNull();
  }
}
