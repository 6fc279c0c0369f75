package dev.grid.node.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An isolated Java job's child JVM, seen as a Java job: when it exits, what {@link IsolatedJob}
 * left in its directory (the value, or the one-line failure) becomes the run's outcome. A kill, a
 * timeout or an exit of its own (a {@code System.exit(3)}) stays what the process runner says.
 */
final class IsolatedRun implements RunningJob {
  private final RunningJob process;
  private final CompletableFuture<RunResult> result;

  IsolatedRun(RunningJob process, Path dir) {
    this.process = process;
    this.result = process.result().thenApply(r -> interpret(r, dir));
  }

  @Override
  public void cancel() {
    process.cancel();
  }

  @Override
  public CompletableFuture<RunResult> result() {
    return result;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public long keptSoFar(boolean stderr) {
    return process.keptSoFar(stderr);
  }

  @Override
  public byte[] outputSoFar(boolean stderr) {
    return process.outputSoFar(stderr);
  }

  /**
   * The most of a result (or a failure's text) read back from an isolated job's directory; more
   * ends the job failed. The node runs as root with a job user, and the directory is the job's: it
   * is read without following links, and only regular files, so a job cannot make the node read
   * (and hand out as its result) a file the job itself could not.
   */
  static final long MAX_LEFT_BYTES = 64L << 20;

  static RunResult interpret(RunResult r, Path dir) {
    if (r.outcome() != Outcome.EXITED || r.exitCode() == null) {
      return r;
    }
    try {
      Optional<byte[]> failure = readLeft(dir.resolve(IsolatedJob.FAILURE));
      if (r.exitCode() != 0 && failure.isPresent()) {
        return with(r, Outcome.THREW, new String(failure.get(), StandardCharsets.UTF_8), null);
      }
      if (r.exitCode() != 0) {
        return r;
      }
      Optional<byte[]> value = readLeft(dir.resolve(IsolatedJob.RESULT));
      if (value.isEmpty()) {
        return with(r, Outcome.RETURNED, "returned null (in its own JVM)", null);
      }
      byte[] text =
          readLeft(dir.resolve(IsolatedJob.RESULT_TEXT))
              .orElseThrow(() -> new IOException(IsolatedJob.RESULT_TEXT + " is missing"));
      return with(
          r,
          Outcome.RETURNED,
          "returned a value (in its own JVM)",
          new JobValue(value.get(), new String(text, StandardCharsets.UTF_8)));
    } catch (IOException | UncheckedIOException e) {
      return with(
          r,
          Outcome.THREW,
          "the job's JVM exited " + r.exitCode() + " but what it left could not be read: " + e,
          null);
    }
  }

  /**
   * A file the job's JVM left, if there is one: a regular file, not a link (the link itself is
   * refused, never followed), of at most {@link #MAX_LEFT_BYTES}.
   */
  static Optional<byte[]> readLeft(Path file) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (!attributes.isRegularFile()) {
      throw new IOException(file.getFileName() + " is not a regular file (a link?)");
    }
    try (SeekableByteChannel channel =
        Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      long size = channel.size();
      if (size > MAX_LEFT_BYTES) {
        throw new IOException(
            file.getFileName()
                + " is "
                + size
                + " bytes, over the "
                + MAX_LEFT_BYTES
                + " read back");
      }
      ByteBuffer bytes = ByteBuffer.allocate((int) size);
      while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
        // reads until full or the end
      }
      return Optional.of(Arrays.copyOf(bytes.array(), bytes.position()));
    }
  }

  private static RunResult with(RunResult r, Outcome outcome, String message, JobValue value) {
    return new RunResult(
        outcome,
        r.exitCode(),
        message,
        r.stdout(),
        r.stderr(),
        r.stdoutDropped(),
        r.stderrDropped(),
        r.startedAtMillis(),
        r.endedAtMillis(),
        value);
  }
}
