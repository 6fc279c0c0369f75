package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's scratch tree is deleted without following the links the job left in it. */
class ScratchDeleteTest {
  @TempDir Path temp;

  @Test
  void when_a_scratch_tree_holds_links_out_then_only_the_links_go() throws Exception {
    Path elsewhere = Files.createDirectory(temp.resolve("etc"));
    Path precious = Files.writeString(elsewhere.resolve("passwd"), "root:x:0:0");
    Path scratch = Files.createDirectories(temp.resolve("scratch/deep/er"));
    Files.writeString(scratch.resolve("left"), "a file the job left");
    Files.createSymbolicLink(temp.resolve("scratch/d"), elsewhere);
    Files.createSymbolicLink(scratch.resolve("f"), precious);

    JobLauncher.deleteTree(temp.resolve("scratch"));

    assertThat(temp.resolve("scratch")).doesNotExist();
    assertThat(precious).exists().hasContent("root:x:0:0");
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void when_a_job_left_a_tree_deeper_than_any_stack_then_it_is_deleted_all_the_same()
      throws Exception {
    // Built from the leaf up, each step a rename at the top: no path grows past a few names.
    Path current = Files.createDirectory(temp.resolve("t0"));
    Files.writeString(current.resolve("file"), "left");
    for (int i = 1; i < 5_000; i++) {
      Path parent = Files.createDirectory(temp.resolve("t" + i));
      Files.move(current, parent.resolve("d"));
      current = parent;
    }
    Path scratch = Files.move(current, temp.resolve("deep"));

    JobLauncher.deleteTree(scratch);

    assertThat(scratch).doesNotExist();
  }
}
