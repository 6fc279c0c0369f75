package dev.grid.node.exec;

import dev.grid.api.JobSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One run of a shell job on this worker.
 *
 * @param spec what to run
 * @param gridEnv variables the grid adds to the job's environment ({@code GRID_JOB_ID}, {@code
 *     GRID_ATTEMPT}, ...); they win over the worker's and the spec's
 * @param scratchDir where the job runs when {@code spec.workDir()} is null; created if missing
 * @param outputCapBytes how many bytes of stdout, and separately of stderr, are kept; the rest is
 *     read, counted and dropped
 */
public record RunRequest(
    JobSpec spec, Map<String, String> gridEnv, Path scratchDir, long outputCapBytes) {

  /** The largest cap a byte array can hold. */
  public static final long MAX_OUTPUT_CAP = Integer.MAX_VALUE - 8;

  /** Validates eagerly; a bad value is named in the message. */
  public RunRequest {
    Objects.requireNonNull(spec, "spec");
    gridEnv = gridEnv == null ? Map.of() : Map.copyOf(gridEnv);
    for (String key : gridEnv.keySet()) {
      if (key.isEmpty() || key.contains("=") || key.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "grid environment variable name '" + key + "' is not valid: no '=', no NUL, not empty");
      }
    }
    if (spec.workDir() == null && scratchDir == null) {
      throw new IllegalArgumentException(
          "the spec has no workDir, so a scratchDir is needed: give the directory to run in");
    }
    if (outputCapBytes < 0 || outputCapBytes > MAX_OUTPUT_CAP) {
      throw new IllegalArgumentException(
          "outputCapBytes " + outputCapBytes + " is out of range: give 0 to " + MAX_OUTPUT_CAP);
    }
  }
}
