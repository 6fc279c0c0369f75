package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.node.exec.Outcome;
import dev.grid.node.exec.RunResult;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobRecord;
import dev.grid.storage.BlobStore;
import dev.grid.storage.InMemoryBlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** What a job's end says of its output when storing the output fails, wholly or in part. */
class OutputWriterTest {
  private static final JobRecord JOB =
      JobRecord.queued(JobId.of("job-1"), JobSpec.shell("echo"), 0);
  private static final byte[] OUT = "out\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] ERR = "err!\n".getBytes(StandardCharsets.UTF_8);

  /** A store whose puts of keys ending so fail: before storing, or after (short of copies). */
  private static BlobStore failing(String suffix, boolean storedAnyway) {
    return new ForwardingBlobStore(new InMemoryBlobStore()) {
      @Override
      public void put(String key, InputStream content) {
        if (!key.endsWith(suffix) || storedAnyway) {
          super.put(key, content);
        }
        if (key.endsWith(suffix)) {
          throw new UncheckedIOException(new IOException("disk on fire for " + key));
        }
      }
    };
  }

  private static JobCommand.Finish end(BlobStore blobs) {
    RunResult run = new RunResult(Outcome.EXITED, 0, "exited 0", OUT, ERR, 0, 0, 1, 2);
    return new OutputWriter("n1", blobs, Clock.systemUTC()).store(JOB, run);
  }

  @Test
  void when_a_stream_could_not_be_stored_then_the_end_keeps_none_of_it_and_says_why() {
    JobCommand.Finish end = end(failing("stdout", false));

    assertThat(end.stdoutBytes()).isZero();
    assertThat(end.stderrBytes()).isEqualTo(ERR.length);
    assertThat(end.message()).contains("its output could not be stored", "disk on fire");
  }

  @Test
  void when_a_put_failed_after_storing_the_stream_then_the_end_keeps_it() {
    JobCommand.Finish end = end(failing("stdout", true));

    assertThat(end.stdoutBytes()).isEqualTo(OUT.length);
    assertThat(end.message()).contains("its output could not be stored");
  }

  @Test
  void when_everything_is_stored_then_every_byte_is_kept_and_no_failure_is_said() {
    JobCommand.Finish end = end(new InMemoryBlobStore());

    assertThat(end.stdoutBytes()).isEqualTo(OUT.length);
    assertThat(end.stderrBytes()).isEqualTo(ERR.length);
    assertThat(end.message()).doesNotContain("could not be stored");
  }
}
