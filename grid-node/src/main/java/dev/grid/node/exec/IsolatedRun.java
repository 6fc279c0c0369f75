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
import java.nio.file.StandardCopyOption;
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
   * The most of a result read back from an isolated job's directory; more ends the job failed. The
   * node runs as root with a job user, and the directory is the job's: what it left is first moved
   * out of the job's reach (a rename opens nothing), then read only if it is a regular file with
   * one link, so a job cannot make the node read (and hand out as its result) a file the job could
   * not, nor make it wait on a pipe.
   */
  static final long MAX_LEFT_BYTES = 64L << 20;

  /** The most of a failure's text kept: it becomes the job's message, in its record. */
  static final int MAX_FAILURE_CHARS = 16 * 1024;

  static RunResult interpret(RunResult r, Path dir) {
    if (r.outcome() != Outcome.EXITED || r.exitCode() == null) {
      return r;
    }
    try {
      if (r.exitCode() != 0) {
        Optional<byte[]> failure = readLeft(dir.resolve(IsolatedJob.FAILURE));
        if (failure.isEmpty()) {
          return r;
        }
        String text = new String(failure.get(), StandardCharsets.UTF_8);
        return with(
            r,
            Outcome.THREW,
            text.length() <= MAX_FAILURE_CHARS
                ? text
                : text.substring(0, MAX_FAILURE_CHARS) + "... (cut)",
            null);
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
   * A file the job's JVM left, if there is one: moved into a directory of the node's own beside the
   * job's (the same file system), then read if it is a regular file with one link and at most
   * {@link #MAX_LEFT_BYTES}; a link, a pipe or a hard link to another file is refused, never read.
   */
  static Optional<byte[]> readLeft(Path file) throws IOException {
    Path hold = Files.createTempDirectory(file.getParent().getParent(), ".grid-left-"); // 0700
    Path held = hold.resolve("left");
    try {
      try {
        Files.move(file, held, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      BasicFileAttributes attributes =
          Files.readAttributes(held, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      int links = (Integer) Files.getAttribute(held, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isRegularFile() || links != 1) {
        throw new IOException(
            file.getFileName() + " is not a regular file of its own (a link, a pipe?)");
      }
      if (attributes.size() > MAX_LEFT_BYTES) {
        throw new IOException(
            file.getFileName()
                + " is "
                + attributes.size()
                + " bytes, over the "
                + MAX_LEFT_BYTES
                + " read back");
      }
      try (SeekableByteChannel channel =
          Files.newByteChannel(held, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
        ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(channel.size(), MAX_LEFT_BYTES));
        while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
          // reads until full or the end
        }
        return Optional.of(Arrays.copyOf(bytes.array(), bytes.position()));
      }
    } finally {
      Files.deleteIfExists(held);
      Files.deleteIfExists(hold);
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
        value,
        r.usage());
  }
}
