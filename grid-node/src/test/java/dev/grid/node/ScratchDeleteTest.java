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
}
