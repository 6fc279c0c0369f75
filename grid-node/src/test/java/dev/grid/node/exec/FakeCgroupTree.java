package dev.grid.node.exec;

import java.io.IOException;
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

  private static Path hierarchy(Path dir, String controllerFile) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(CgroupFiles.PROCS), "1\n");
    Files.writeString(dir.resolve(controllerFile), "0\n");
    return dir;
  }
}
