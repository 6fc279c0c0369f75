package dev.grid.node.exec;

import dev.grid.api.Usage;
import java.util.Objects;

/**
 * How one run of a job ended, with the output that was kept.
 *
 * @param outcome how it ended
 * @param exitCode the main process's exit code (128 + signal when killed by one); null when nothing
 *     started
 * @param message one line for people: what happened, naming the timeout or the missing command
 * @param stdout the first {@code outputCapBytes} bytes the job wrote to stdout
 * @param stderr the first {@code outputCapBytes} bytes the job wrote to stderr
 * @param stdoutDropped how many stdout bytes were read past the cap and dropped
 * @param stderrDropped how many stderr bytes were read past the cap and dropped
 * @param startedAtMillis when the process started (or failed to), by the runner's clock
 * @param endedAtMillis when the run ended, by the runner's clock
 * @param value what a Java job returned, serialized; null for shell jobs and null returns
 * @param usage what the run cost (CPU time, peak memory) as its cgroup counted it; null where the
 *     node does not use cgroups, or for a Java job run in the node's JVM
 */
public record RunResult(
    Outcome outcome,
    Integer exitCode,
    String message,
    byte[] stdout,
    byte[] stderr,
    long stdoutDropped,
    long stderrDropped,
    long startedAtMillis,
    long endedAtMillis,
    JobValue value,
    Usage usage) {

  private static final byte[] NONE = new byte[0];

  /** A run without a value: every shell job's. */
  public RunResult(
      Outcome outcome,
      Integer exitCode,
      String message,
      byte[] stdout,
      byte[] stderr,
      long stdoutDropped,
      long stderrDropped,
      long startedAtMillis,
      long endedAtMillis) {
    this(
        outcome,
        exitCode,
        message,
        stdout,
        stderr,
        stdoutDropped,
        stderrDropped,
        startedAtMillis,
        endedAtMillis,
        null);
  }

  /** A run whose cost was not measured. */
  public RunResult(
      Outcome outcome,
      Integer exitCode,
      String message,
      byte[] stdout,
      byte[] stderr,
      long stdoutDropped,
      long stderrDropped,
      long startedAtMillis,
      long endedAtMillis,
      JobValue value) {
    this(
        outcome,
        exitCode,
        message,
        stdout,
        stderr,
        stdoutDropped,
        stderrDropped,
        startedAtMillis,
        endedAtMillis,
        value,
        null);
  }

  /** Validates eagerly; a bad value is named in the message. */
  public RunResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(message, "message");
    stdout = stdout == null ? NONE : stdout;
    stderr = stderr == null ? NONE : stderr;
    if (stdoutDropped < 0 || stderrDropped < 0) {
      throw new IllegalArgumentException(
          "dropped byte counts must not be negative, got " + stdoutDropped + "/" + stderrDropped);
    }
    if (value != null && outcome != Outcome.RETURNED) {
      throw new IllegalArgumentException("only a returned Java job has a value, not " + outcome);
    }
    if (outcome == Outcome.START_FAILED && exitCode != null) {
      throw new IllegalArgumentException(
          "a run that did not start has no exit code, got " + exitCode);
    }
  }

  /** A run that never started: no process, no output, no exit code. */
  static RunResult startFailed(String message, long atMillis) {
    return new RunResult(Outcome.START_FAILED, null, message, NONE, NONE, 0, 0, atMillis, atMillis);
  }

  /** True when some output went past the cap and was dropped. */
  public boolean truncated() {
    return stdoutDropped > 0 || stderrDropped > 0;
  }

  @Override
  public String toString() {
    return "RunResult["
        + outcome
        + ", exitCode="
        + exitCode
        + ", '"
        + message
        + "', stdout "
        + stdout.length
        + " B (+"
        + stdoutDropped
        + " dropped), stderr "
        + stderr.length
        + " B (+"
        + stderrDropped
        + " dropped), "
        + (endedAtMillis - startedAtMillis)
        + " ms]";
  }
}
