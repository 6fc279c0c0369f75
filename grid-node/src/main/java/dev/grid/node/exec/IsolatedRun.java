package dev.grid.node.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  static RunResult interpret(RunResult r, Path dir) {
    if (r.outcome() != Outcome.EXITED || r.exitCode() == null) {
      return r;
    }
    try {
      Path failure = dir.resolve(IsolatedJob.FAILURE);
      if (r.exitCode() != 0 && Files.isRegularFile(failure)) {
        return with(r, Outcome.THREW, Files.readString(failure, StandardCharsets.UTF_8), null);
      }
      if (r.exitCode() != 0) {
        return r;
      }
      Path value = dir.resolve(IsolatedJob.RESULT);
      if (!Files.isRegularFile(value)) {
        return with(r, Outcome.RETURNED, "returned null (in its own JVM)", null);
      }
      String text = Files.readString(dir.resolve(IsolatedJob.RESULT_TEXT), StandardCharsets.UTF_8);
      return with(
          r,
          Outcome.RETURNED,
          "returned a value (in its own JVM)",
          new JobValue(Files.readAllBytes(value), text));
    } catch (IOException | UncheckedIOException e) {
      return with(
          r,
          Outcome.THREW,
          "the job's JVM exited " + r.exitCode() + " but what it left could not be read: " + e,
          null);
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
