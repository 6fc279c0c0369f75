package dev.grid.node.exec;

import dev.grid.node.exec.CgroupLayout.GroupDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fake cgroup roots in a temporary directory, with the files the kernel would show at the top of
 * each hierarchy: enough for detection. Groups made in them are plain directories, so a file the
 * kernel would offer in a group (cpu.stat, memory.events) is written by the test that needs it.
 */
final class FakeCgroupTree {
  private FakeCgroupTree() {}

  /** cgroup v1 with memory, cpu and cpuacct mounted separately (as on the dev VM). */
  static Path v1(Path root) throws IOException {
    hierarchy(root.resolve("memory"), "memory.limit_in_bytes");
    hierarchy(root.resolve("cpu"), "cpu.cfs_quota_us");
    Path cpuacct = hierarchy(root.resolve("cpuacct"), "cpuacct.stat");
    Files.writeString(cpuacct.resolve("cpuacct.usage_user"), "0\n"); // Linux 4.7+
    Files.writeString(cpuacct.resolve("cpuacct.usage_sys"), "0\n");
    return root;
  }

  /** cgroup v1 with cpu and cpuacct co-mounted, reached through links (as systemd mounts it). */
  static Path v1CoMounted(Path root) throws IOException {
    hierarchy(root.resolve("memory"), "memory.limit_in_bytes");
    Path both = hierarchy(root.resolve("cpu,cpuacct"), "cpu.cfs_quota_us");
    Files.writeString(both.resolve("cpuacct.stat"), "user 0\nsystem 0\n");
    Files.createSymbolicLink(root.resolve("cpu"), both.getFileName());
    Files.createSymbolicLink(root.resolve("cpuacct"), both.getFileName());
    return root;
  }

  /** cgroup v2 offering {@code controllers} at its root, none enabled for children yet. */
  static Path v2(Path root, String controllers) throws IOException {
    Files.createDirectories(root);
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    Files.writeString(root.resolve("cgroup.subtree_control"), "\n");
    Files.writeString(root.resolve(CgroupFiles.PROCS), "1\n");
    return root;
  }

  /**
   * Writes the files the kernel shows in a job group that has run nothing, where a test has not
   * written them yet: empty {@code cgroup.procs}, zero counters, no limits. {@code dirs} as a run
   * enters them ({@link JobGroup#dirs}); v1 unless {@code v2}.
   */
  static void kernelFiles(GroupDirs dirs, boolean v2) throws IOException {
    for (Path dir : dirs.all()) {
      absent(dir.resolve(CgroupFiles.PROCS), "");
    }
    Path memory = dirs.memory();
    if (v2) {
      absent(memory.resolve("memory.current"), "0\n");
      absent(memory.resolve("memory.peak"), "0\n");
      absent(memory.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
      absent(memory.resolve("memory.max"), "max\n");
      absent(memory.resolve("memory.swap.max"), "max\n");
      absent(memory.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
      absent(memory.resolve("cpu.max"), "max 100000\n");
      return;
    }
    String noLimit = "9223372036854771712\n";
    absent(memory.resolve("memory.usage_in_bytes"), "0\n");
    absent(memory.resolve("memory.max_usage_in_bytes"), "0\n");
    absent(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    absent(memory.resolve("memory.limit_in_bytes"), noLimit);
    absent(memory.resolve("memory.memsw.limit_in_bytes"), noLimit);
    absent(dirs.cpuacct().resolve("cpuacct.usage_user"), "0\n");
    absent(dirs.cpuacct().resolve("cpuacct.usage_sys"), "0\n");
    if (dirs.cpu() != null) {
      absent(dirs.cpu().resolve("cpu.cfs_quota_us"), "-1\n");
      absent(dirs.cpu().resolve("cpu.cfs_period_us"), "100000\n");
    }
  }

  /**
   * Deletes the files of the job groups under {@code node}, so that they can be removed as the
   * kernel removes a group, its files with it.
   */
  static void forgetKernelFiles(GroupDirs node) throws IOException {
    for (Path dir : node.all()) {
      for (Path group : CgroupFiles.children(dir)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(group, Files::isRegularFile)) {
          for (Path file : files) {
            Files.delete(file);
          }
        }
      }
    }
  }

  private static void absent(Path file, String content) throws IOException {
    if (!Files.exists(file)) {
      Files.writeString(file, content);
    }
  }

  private static Path hierarchy(Path dir, String controllerFile) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(CgroupFiles.PROCS), "1\n");
    Files.writeString(dir.resolve(controllerFile), "0\n");
    return dir;
  }
}
