package dev.grid.node;

import dev.grid.api.JobSpec;
import dev.grid.node.exec.JavaJobRunner;
import dev.grid.node.exec.JavaRequest;
import dev.grid.node.exec.ProcessRunner;
import dev.grid.node.exec.RunRequest;
import dev.grid.node.exec.RunningJob;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.storage.BlobStore;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a job (or a task) to the process runner, or a Java job to the Java runner, with the grid's
 * environment and a scratch directory of its own; removes the scratch directory after it.
 */
final class JobLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class); // logs as the worker

  private final String node;
  private final JobTable table;
  private final BlobStore blobs;
  private final ProcessRunner runner;
  private final JavaJobRunner javaRunner;
  private final Path scratchRoot;
  private final long outputCap;

  JobLauncher(
      String node,
      JobTable table,
      BlobStore blobs,
      ProcessRunner runner,
      JavaJobRunner javaRunner,
      Path scratchRoot,
      long outputCap) {
    this.node = node;
    this.table = table;
    this.blobs = blobs;
    this.runner = runner;
    this.javaRunner = javaRunner;
    this.scratchRoot = scratchRoot;
    this.outputCap = outputCap;
  }

  /** The scratch directory of the job's attempt. */
  Path scratchOf(JobRecord job) {
    return scratchRoot.resolve(job.id().value() + "-" + job.attempt());
  }

  /** Hands the job to the process runner, or to the Java runner; throws if it cannot. */
  RunningJob launch(JobRecord dispatched, Path scratch) {
    JobSpec spec = dispatched.spec();
    if (spec.java() == null) {
      return runner.start(new RunRequest(spec, gridEnv(dispatched), scratch, outputCap));
    }
    JavaRequest request =
        new JavaRequest(
            dispatched.id(),
            dispatched.attempt(),
            spec.java(),
            spec.timeout(),
            outputCap,
            dispatched.arrayIndex(),
            StoredParents.of(table, blobs, dispatched));
    return inChildJvm(spec)
        ? javaRunner.startIsolated(request, runner, scratch, gridEnv(dispatched))
        : javaRunner.start(request);
  }

  /**
   * Whether a Java job runs in a child JVM: if it asks to, and always with a job user, as in this
   * JVM it would run as the node's user, which is what the job user is there to prevent.
   */
  private boolean inChildJvm(JobSpec spec) {
    return spec.java().isolated() || runner.jobUser().isPresent();
  }

  /** What the grid adds to a job's environment; a task of an array also sees its index. */
  private Map<String, String> gridEnv(JobRecord job) {
    Map<String, String> env = new HashMap<>();
    env.put("GRID_JOB_ID", job.id().value());
    env.put("GRID_ATTEMPT", Integer.toString(job.attempt()));
    env.put("GRID_NODE", node);
    if (job.arrayIndex() != null) {
      env.put("GRID_ARRAY_INDEX", Integer.toString(job.arrayIndex()));
      env.put("GRID_ARRAY_JOB_ID", job.arrayId().value());
    }
    return env;
  }

  /**
   * Removes the job's scratch directory. Most jobs leave it empty, and one rmdir removes it; only a
   * job that left files behind costs a walk of the tree.
   */
  void deleteScratch(JobRecord job, Path scratch) {
    JobSpec spec = job.spec();
    if (spec.workDir() != null || (spec.java() != null && !inChildJvm(spec))) {
      return; // a Java job in this JVM has no scratch directory
    }
    try {
      Files.deleteIfExists(scratch);
      return;
    } catch (DirectoryNotEmptyException e) {
      // the job left files: walk the tree below
    } catch (IOException e) {
      LOG.debug("could not delete scratch dir {}", scratch, e);
      return;
    }
    try {
      if (runner.jobUser().isPresent()) {
        // As the job's user: its tree is its own, and rm walks it without following links or
        // blocking on what the job may have swapped in; root removes nothing but the empty top.
        runner.jobUser().get().deleteAsUser(scratch);
      } else {
        deleteTree(scratch);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "could not delete the scratch dir {} of job {}: {}", scratch, job.id(), e.toString());
    }
  }

  /** How many passes {@link #deleteTree} makes at most: a tree still growing is left to be. */
  private static final int MAX_PASSES = 10_000;

  /**
   * Deletes a directory and everything in it, working from open directories and never following a
   * link: a link swapped in is deleted, never what it points to. Iterative, with at most two
   * directories open: each pass empties the top's subdirectories one level down, moving their own
   * subdirectories up into the top, so a tree of any depth costs no stack. Where the file system
   * offers no {@link SecureDirectoryStream}, walks the tree by path, links not followed.
   */
  static void deleteTree(Path dir) throws IOException {
    try (DirectoryStream<Path> opened = Files.newDirectoryStream(dir)) {
      if (opened instanceof SecureDirectoryStream<Path> top) {
        emptyFlat(top);
      } else {
        try (Stream<Path> files = Files.walk(dir)) { // walk does not follow links
          files
              .sorted(Comparator.reverseOrder())
              .filter(p -> !p.equals(dir))
              .forEach(p -> p.toFile().delete());
        }
      }
    }
    Files.deleteIfExists(dir);
  }

  private static void emptyFlat(SecureDirectoryStream<Path> top) throws IOException {
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      List<Path> names;
      try (SecureDirectoryStream<Path> again =
          top.newDirectoryStream(Path.of("."), LinkOption.NOFOLLOW_LINKS)) {
        names = names(again); // a directory stream is read once: each pass opens it anew
      }
      if (names.isEmpty()) {
        return;
      }
      for (Path name : names) {
        if (!isDirectory(top, name)) {
          top.deleteFile(name); // a file or a link: the link goes, never what it points to
          continue;
        }
        try (SecureDirectoryStream<Path> sub =
            top.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          for (Path inner : names(sub)) {
            if (isDirectory(sub, inner)) {
              sub.move(inner, top, Path.of(".gone-" + UUID.randomUUID())); // up: the next pass
            } else {
              sub.deleteFile(inner);
            }
          }
        }
        try {
          top.deleteDirectory(name);
        } catch (DirectoryNotEmptyException stillWritten) {
          // something wrote into it meanwhile: the next pass takes it again
        }
      }
    }
    throw new IOException(
        "still not empty after " + MAX_PASSES + " passes: something keeps writing");
  }

  private static List<Path> names(SecureDirectoryStream<Path> dir) {
    List<Path> names = new ArrayList<>();
    for (Path entry : dir) {
      names.add(entry.getFileName());
    }
    return names;
  }

  private static boolean isDirectory(SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .readAttributes()
        .isDirectory();
  }
}
