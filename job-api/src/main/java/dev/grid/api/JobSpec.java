package dev.grid.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: a program with its arguments ({@code argv}), or a shell line run by {@code sh -c},
 * with its environment, working directory, timeout and retry policy.
 *
 * <pre>{@code
 * JobSpec backup = JobSpec.command("tar", "czf", "/backups/home.tgz", "/home")
 *     .withTimeout(Duration.ofMinutes(30))
 *     .withMaxRetries(2);
 * JobSpec report = JobSpec.shell("du -sh /var/log | mail -s usage ops@example.com");
 * }</pre>
 *
 * <p>Given as {@code argv}, arguments reach the program exactly as written: spaces, quotes and
 * shell metacharacters are not interpreted. A job also sees {@code GRID_JOB_ID} and {@code
 * GRID_ATTEMPT} in its environment, and a task of an array {@code GRID_ARRAY_INDEX} and {@code
 * GRID_ARRAY_JOB_ID}.
 *
 * @param argv the program and its arguments; empty when {@code shell} is set
 * @param shell a line for {@code sh -c}; null when {@code argv} is set
 * @param env extra environment variables, added to the worker's own
 * @param workDir the directory to run in; null for a fresh scratch directory on the worker
 * @param timeout how long the job may run before its process tree is killed; null for no limit
 * @param maxRetries how many times the job is run again if its worker dies under it
 * @param array makes the submission an array of tasks, one per index; null for a single job
 * @param after jobs that must end (or succeed) before this one runs; null for none
 */
public record JobSpec(
    List<String> argv,
    String shell,
    Map<String, String> env,
    String workDir,
    Duration timeout,
    int maxRetries,
    ArraySpec array,
    Dependencies after) {

  /** Retries when a worker dies under a job, unless the spec says otherwise. */
  public static final int DEFAULT_MAX_RETRIES = 1;

  /** A single job without dependencies (the form before arrays and dependencies existed). */
  public JobSpec(List<String> argv, String shell, Map<String, String> env, String workDir,
      Duration timeout, int maxRetries) {
    this(argv, shell, env, workDir, timeout, maxRetries, null, null);
  }

  /** Validates eagerly; a bad value is named in the message. */
  public JobSpec {
    argv = argv == null ? List.of() : List.copyOf(argv);
    env = env == null ? Map.of() : Map.copyOf(env);
    if (argv.isEmpty() == (shell == null)) {
      throw new IllegalArgumentException(
          "a job needs either argv or a shell line, not "
              + (argv.isEmpty() ? "neither" : "both (argv " + argv + ", shell '" + shell + "')"));
    }
    if (shell != null && shell.isBlank()) {
      throw new IllegalArgumentException("shell line is blank: give a command to run");
    }
    if (!argv.isEmpty() && argv.get(0).isEmpty()) {
      throw new IllegalArgumentException("argv " + argv + " starts with an empty program name");
    }
    for (String key : env.keySet()) {
      if (key.isEmpty() || key.contains("=") || key.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "environment variable name '" + key + "' is not valid: no '=', no NUL, not empty");
      }
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException(
          "timeout " + timeout + " is not positive: give a positive duration, or none");
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException(
          "maxRetries " + maxRetries + " is negative: give 0 or more");
    }
  }

  /** A program and its arguments, passed to it unchanged. */
  public static JobSpec command(String program, String... args) {
    Objects.requireNonNull(program, "program");
    List<String> argv = new java.util.ArrayList<>();
    argv.add(program);
    argv.addAll(List.of(args));
    return of(argv);
  }

  /** A program and its arguments as one list, passed to it unchanged. */
  public static JobSpec of(List<String> argv) {
    return new JobSpec(argv, null, Map.of(), null, null, DEFAULT_MAX_RETRIES);
  }

  /** A line for {@code sh -c}; pipes, globs and redirections work as in a shell. */
  public static JobSpec shell(String line) {
    Objects.requireNonNull(line, "shell line");
    return new JobSpec(List.of(), line, Map.of(), null, null, DEFAULT_MAX_RETRIES);
  }

  /** This spec with the given extra environment. */
  public JobSpec withEnv(Map<String, String> newEnv) {
    return new JobSpec(argv, shell, newEnv, workDir, timeout, maxRetries, array, after);
  }

  /** This spec run in the given directory on the worker. */
  public JobSpec withWorkDir(String dir) {
    return new JobSpec(argv, shell, env, dir, timeout, maxRetries, array, after);
  }

  /** This spec with a timeout; null for none. */
  public JobSpec withTimeout(Duration newTimeout) {
    return new JobSpec(argv, shell, env, workDir, newTimeout, maxRetries, array, after);
  }

  /** This spec with the given number of retries after a worker dies under it. */
  public JobSpec withMaxRetries(int retries) {
    return new JobSpec(argv, shell, env, workDir, timeout, retries, array, after);
  }

  /** This spec as an array of tasks ({@code ArraySpec.parse("0-999%50")}); null for one job. */
  public JobSpec withArray(ArraySpec newArray) {
    return new JobSpec(argv, shell, env, workDir, timeout, maxRetries, newArray, after);
  }

  /** This spec run only after the given jobs; null for no dependencies. */
  public JobSpec withAfter(Dependencies newAfter) {
    return new JobSpec(argv, shell, env, workDir, timeout, maxRetries, array, newAfter);
  }

  /** The command as a person would read it, for listings. */
  public String display() {
    return shell != null ? shell : String.join(" ", argv);
  }
}
