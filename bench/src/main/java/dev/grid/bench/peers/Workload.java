package dev.grid.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The two jobs of {@code bin/bench peers}: one that does nothing, and the shell command true. */
public enum Workload {
  /** A job whose body does nothing: what the scheduler itself costs per job. */
  NO_OP("no-op jobs"),
  /** A job that runs {@code true} as a process and waits for it. */
  SHELL("`true` shell jobs");

  private final String label;

  Workload(String label) {
    this.label = label;
  }

  /** How the table names the workload, e.g. "no-op jobs". */
  public String label() {
    return label;
  }

  /** The job's body, as a peer's job runs it: nothing, or {@code true} spawned and awaited. */
  public void run() {
    if (this == NO_OP) {
      return;
    }
    try {
      Process process =
          new ProcessBuilder("true")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      int exit = process.waitFor();
      if (exit != 0) {
        throw new IllegalStateException("`true` exited with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not spawn `true`", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while `true` ran", e);
    }
  }
}
