package dev.grid.node.exec;

import dev.grid.api.JobContext;
import dev.grid.api.JobId;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;

/** The {@link JobContext} a worker hands a Java job: its output goes to capped buffers. */
final class JavaJobContext implements JobContext {
  private final JavaRequest request;
  private final CappedBuffer stdout;
  private final CappedBuffer stderr;

  /** Made on first use: a PrintStream allocates 16 KiB of buffers, and most jobs print nothing. */
  private PrintStream out;

  private PrintStream err;
  private final BooleanSupplier cancelled;
  private List<ParentResults.Stored> parents;

  JavaJobContext(
      JavaRequest request, CappedBuffer stdout, CappedBuffer stderr, BooleanSupplier cancelled) {
    this.request = request;
    this.stdout = stdout;
    this.stderr = stderr;
    this.cancelled = cancelled;
  }

  @Override
  public JobId jobId() {
    return request.id();
  }

  @Override
  public int attempt() {
    return request.attempt();
  }

  @Override
  public List<String> args() {
    return request.task().args();
  }

  @Override
  public OptionalInt arrayIndex() {
    Integer index = request.arrayIndex();
    return index == null ? OptionalInt.empty() : OptionalInt.of(index);
  }

  @Override
  public <T> List<T> parentResults(Class<T> type, Class<?>... more) {
    return ParentResults.decode(parents(), type, more);
  }

  /** The parents' stored results, fetched on the first call only. */
  private synchronized List<ParentResults.Stored> parents() {
    if (parents == null) {
      parents = request.parents().fetch();
    }
    return parents;
  }

  @Override
  public synchronized PrintStream out() {
    if (out == null) {
      out = new PrintStream(new BufferStream(stdout), true, StandardCharsets.UTF_8);
    }
    return out;
  }

  @Override
  public synchronized PrintStream err() {
    if (err == null) {
      err = new PrintStream(new BufferStream(stderr), true, StandardCharsets.UTF_8);
    }
    return err;
  }

  @Override
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /** Flushes what the job left in its streams' buffers (a print without a newline). */
  synchronized void flush() {
    if (out != null) {
      out.flush();
    }
    if (err != null) {
      err.flush();
    }
  }

  private static final class BufferStream extends OutputStream {
    private final CappedBuffer buffer;

    BufferStream(CappedBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      buffer.write(bytes, offset, length);
    }
  }
}
