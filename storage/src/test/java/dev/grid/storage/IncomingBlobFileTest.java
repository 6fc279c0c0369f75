package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob file written piece by piece, as a put that pushes and a receiver of a push write it. */
class IncomingBlobFileTest {
  @TempDir Path dataDir;
  private LocalDiskStore disk;

  @BeforeEach
  void open() {
    disk = new LocalDiskStore(dataDir, 1000);
  }

  @AfterEach
  void close() {
    disk.close();
  }

  @Test
  void when_pieces_do_not_line_up_with_chunks_then_the_file_is_the_same_as_a_streamed_put()
      throws IOException {
    byte[] content = random(4321);
    try (DiskBlobWriter.Incoming file = disk.begin("a/b")) {
      int at = 0;
      for (int piece : new int[] {7, 1500, 993, 1000, 1, 820}) {
        file.append(content, at, piece);
        at += piece;
      }
      assertThat(at).isEqualTo(content.length);
      StoredBlob stored = file.commit(null);
      assertThat(stored.sha256()).isEqualTo(ReplicatedBlobStore.sha256(content));
    }

    assertThat(disk.verify("a/b")).isEmpty();
    assertThat(disk.get("a/b")).hasValue(content);
    assertThat(temps()).isZero();
  }

  @Test
  void when_a_checked_copy_is_committed_then_the_senders_sha256_is_its_own() {
    byte[] content = random(2500);
    String sha = ReplicatedBlobStore.sha256(content);
    try (DiskBlobWriter.Incoming file = disk.beginChecked("c")) {
      file.append(content, 0, content.length);
      assertThat(file.commit(sha).sha256()).isEqualTo(sha);
    }

    assertThat(disk.describe("c")).hasValueSatisfying(b -> assertThat(b.sha256()).isEqualTo(sha));
    assertThat(disk.verify("c")).isEmpty();
  }

  @Test
  void when_a_file_is_closed_uncommitted_or_has_another_sha256_then_nothing_is_left()
      throws IOException {
    byte[] content = random(1200);
    try (DiskBlobWriter.Incoming file = disk.begin("d")) {
      file.append(content, 0, content.length);
      assertThat(temps()).isEqualTo(1);
    }
    try (DiskBlobWriter.Incoming file = disk.begin("d")) {
      file.append(content, 0, content.length);
      assertThatThrownBy(() -> file.commit("0".repeat(64)))
          .isInstanceOf(BlobCorruptedException.class)
          .hasMessageContaining("expected 000");
    }

    assertThat(temps()).isZero();
    assertThat(disk.describe("d")).isEmpty();
  }

  private long temps() throws IOException {
    try (Stream<Path> files = Files.walk(disk.root())) {
      return files.filter(DiskPaths::isTemp).count();
    }
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }
}
