package dev.grid.node.exec;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.exec.ExecuteStreamHandler;

/**
 * The job's stdin, stdout and stderr, for Commons Exec: stdin is closed at once (a batch job reads
 * end-of-file), stdout and stderr are each read on a pooled pump thread into a {@link
 * CappedBuffer}. Java has only blocking pipe reads, so two pump threads per running job is the
 * floor; pooling them saves the two thread starts Commons Exec's own PumpStreamHandler pays per
 * job.
 *
 * <p>Commons Exec calls {@link #stop()} on its waiting thread right after the main process has
 * exited; that is where the job decides how long to wait for the pipes (see {@code JobProcess}).
 */
final class StreamPumps implements ExecuteStreamHandler {
  private static final int CHUNK = 32 * 1024;

  private final Executor pool;
  private final CappedBuffer stdout;
  private final CappedBuffer stderr;
  private final Runnable afterMainExit;
  private InputStream stdoutPipe;
  private InputStream stderrPipe;
  private volatile CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);

  StreamPumps(Executor pool, CappedBuffer stdout, CappedBuffer stderr, Runnable afterMainExit) {
    this.pool = pool;
    this.stdout = stdout;
    this.stderr = stderr;
    this.afterMainExit = afterMainExit;
  }

  @Override
  public void setProcessInputStream(OutputStream stdin) {
    closeQuietly(stdin);
  }

  @Override
  public void setProcessOutputStream(InputStream pipe) {
    stdoutPipe = pipe;
  }

  @Override
  public void setProcessErrorStream(InputStream pipe) {
    stderrPipe = pipe;
  }

  /**
   * Starts both pumps. Never throws: Commons Exec would leave the process running and unknown to
   * us. If the pool refuses (the runner is closing), the pipes are closed instead, and the job is
   * killed by the close that caused the refusal.
   */
  @Override
  public void start() {
    try {
      drained =
          CompletableFuture.allOf(
              CompletableFuture.runAsync(() -> pump(stdoutPipe, stdout), pool),
              CompletableFuture.runAsync(() -> pump(stderrPipe, stderr), pool));
    } catch (RejectedExecutionException e) {
      closeQuietly(stdoutPipe);
      closeQuietly(stderrPipe);
    }
  }

  @Override
  public void stop() {
    afterMainExit.run();
  }

  /** Waits up to {@code limit} for both pipes to reach end-of-file; true if they did. */
  boolean awaitDrained(Duration limit) {
    try {
      drained.get(limit.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true; // a pump failed: nothing more will come from it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return drained.isDone();
    }
  }

  private static void pump(InputStream pipe, CappedBuffer sink) {
    byte[] chunk = new byte[CHUNK];
    try (pipe) {
      for (int n; (n = pipe.read(chunk)) != -1; ) {
        sink.write(chunk, 0, n);
      }
    } catch (IOException e) {
      // The stream was closed under us (the job was abandoned or the runner closed): done.
    }
  }

  private static void closeQuietly(Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException e) {
      // Nothing to do: the job gets end-of-file or a broken pipe either way.
    }
  }
}
