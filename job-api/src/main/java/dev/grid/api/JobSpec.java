package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: a program with its arguments ({@code argv}), a shell line run by {@code sh -c}, or a
 * {@link GridJob} class from a jar ({@code java}), with its environment, working directory, timeout
 * and retry policy.
 *
 * <pre>{@code
 * JobSpec backup = JobSpec.command("tar", "czf", "/backups/home.tgz", "/home")
 *     .withTimeout(Duration.ofMinutes(30))
 *     .withMaxRetries(2);
 * JobSpec report = JobSpec.shell("du -sh /var/log | mail -s usage ops@example.com");
 * JobSpec pi = JobSpec.java(grid.uploadJar(Path.of("app.jar")), "com.example.Pi", "1000000");
 * }</pre>
 *
 * <p>Given as {@code argv}, arguments reach the program exactly as written: spaces, quotes and
 * shell metacharacters are not interpreted. A job also sees {@code GRID_JOB_ID} and {@code
 * GRID_ATTEMPT} in its environment, and a task of an array {@code GRID_ARRAY_INDEX} and {@code
 * GRID_ARRAY_JOB_ID}.
 *
 * @param argv the program and its arguments; empty when {@code shell} or {@code java} is set
 * @param shell a line for {@code sh -c}; null when {@code argv} or {@code java} is set
 * @param env extra environment variables, added to the worker's own
 * @param workDir the directory to run in; null for a fresh scratch directory on the worker
 * @param timeout how long the job may run before its process tree is killed; null for no limit
 * @param maxRetries how many times the job may be run again: after its worker dies under it, and
 *     for the causes {@code retryOn} adds
 * @param java a Java job: a class from a jar (see {@link JavaTask}); null when {@code argv} or
 *     {@code shell} is set ({@code env} and {@code workDir} do not apply to it)
 * @param array makes the submission an array of tasks, one per index; null for a single job
 * @param after jobs that must end (or succeed) before this one runs; null for none
 * @param submittedBy who submitted the job: the name of the token the grid accepted (for a
 *     schedule's job, of the token that added the schedule). Set by the grid, whatever a client
 *     sends; null in a spec not yet submitted, and for jobs stored before names were kept
 * @param retryOn why the job is run again ({@link RetryOn}); null or empty for only when its worker
 *     dies under it ({@code lost}), which is always included
 * @param backoff how long a job that failed or timed out waits before its next attempt; null for
 *     {@link Backoff#DEFAULT}
 * @param scheduling its name and priority; null for {@link Scheduling#DEFAULT}
 */
public record JobSpec(
    List<String> argv,
    String shell,
    Map<String, String> env,
    String workDir,
    Duration timeout,
    int maxRetries,
    JavaTask java,
    ArraySpec array,
    Dependencies after,
    @JsonInclude(JsonInclude.Include.NON_NULL) String submittedBy,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<RetryOn> retryOn,
    @JsonInclude(JsonInclude.Include.NON_NULL) Backoff backoff,
    @JsonInclude(JsonInclude.Include.NON_NULL) Scheduling scheduling) {

  /** The longest timeout a job may be given; none means no limit. */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(365);

  /** The most retries a job may be given. */
  public static final int MAX_RETRIES = 100;

  /**
   * Refuses a spec past the limits a new job may have: a timeout over {@link #MAX_TIMEOUT}, retries
   * over {@link #MAX_RETRIES}, more than {@link Dependencies#MAX_JOBS} jobs to wait for. Checked
   * where jobs are submitted, not in the constructor, so that a job stored before a limit was set
   * still loads.
   *
   * @throws IllegalArgumentException naming the value and the limit
   */
  public void checkLimits() {
    if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "timeout "
              + timeout
              + " is over the "
              + MAX_TIMEOUT.toDays()
              + " days a job may be given: give less, or none for no limit");
    }
    if (maxRetries > MAX_RETRIES) {
      throw new IllegalArgumentException(
          "maxRetries " + maxRetries + " is out of range: give 0 to " + MAX_RETRIES);
    }
    if (after != null && after.ok().size() + after.any().size() > Dependencies.MAX_JOBS) {
      throw new IllegalArgumentException(
          "dependencies name "
              + (after.ok().size() + after.any().size())
              + " jobs, over the "
              + Dependencies.MAX_JOBS
              + " a job may wait for: make the jobs an array and wait for its id, which stands"
              + " for all its tasks");
    }
  }

  /** Retries when a worker dies under a job, unless the spec says otherwise. */
  public static final int DEFAULT_MAX_RETRIES = 1;

  /** A single job without dependencies (the form before arrays and dependencies existed). */
  public JobSpec(
      List<String> argv,
      String shell,
      Map<String, String> env,
      String workDir,
      Duration timeout,
      int maxRetries) {
    this(argv, shell, env, workDir, timeout, maxRetries, null, null, null, null);
  }

  /** A spec as it was before names and priorities. */
  public JobSpec(
      List<String> argv,
      String shell,
      Map<String, String> env,
      String workDir,
      Duration timeout,
      int maxRetries,
      JavaTask java,
      ArraySpec array,
      Dependencies after,
      String submittedBy,
      List<RetryOn> retryOn,
      Backoff backoff) {
    this(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        null);
  }

  /** A spec as it was before retries on failure: run again only when its worker dies. */
  public JobSpec(
      List<String> argv,
      String shell,
      Map<String, String> env,
      String workDir,
      Duration timeout,
      int maxRetries,
      JavaTask java,
      ArraySpec array,
      Dependencies after,
      String submittedBy) {
    this(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        null,
        null);
  }

  /** A spec as it was before the grid kept who submitted a job. */
  public JobSpec(
      List<String> argv,
      String shell,
      Map<String, String> env,
      String workDir,
      Duration timeout,
      int maxRetries,
      JavaTask java,
      ArraySpec array,
      Dependencies after) {
    this(argv, shell, env, workDir, timeout, maxRetries, java, array, after, null);
  }

  /** Validates eagerly; a bad value is named in the message. */
  public JobSpec {
    argv = argv == null ? List.of() : List.copyOf(argv);
    env = env == null ? Map.of() : Map.copyOf(env);
    int kinds = (argv.isEmpty() ? 0 : 1) + (shell == null ? 0 : 1) + (java == null ? 0 : 1);
    if (kinds != 1) {
      throw new IllegalArgumentException(
          "a job needs either argv or a shell line, or a Java class: exactly one, not "
              + (kinds == 0
                  ? "none"
                  : "several (argv "
                      + argv
                      + ", shell "
                      + quoted(shell)
                      + ", java "
                      + (java == null ? "none" : java.display())
                      + ")"));
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
    if (retryOn != null) {
      EnumSet<RetryOn> causes = EnumSet.of(RetryOn.LOST);
      causes.addAll(retryOn);
      retryOn = retryOn.isEmpty() ? null : new ArrayList<>(causes);
    }
  }

  /** A program and its arguments, passed to it unchanged. */
  public static JobSpec command(String program, String... args) {
    Objects.requireNonNull(program, "program");
    List<String> argv = new ArrayList<>();
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

  /**
   * A {@link GridJob} class from a jar the grid holds, with its arguments.
   *
   * <pre>{@code
   * JobSpec pi = JobSpec.java(grid.uploadJar(Path.of("app.jar")), "com.example.Pi", "1000000");
   * }</pre>
   *
   * @param jarSha256 the jar's SHA-256, as {@link GridClient#uploadJar} returns it
   * @param className the job's class, like {@code com.example.Pi}
   */
  public static JobSpec java(String jarSha256, String className, String... args) {
    return new JobSpec(
        List.of(),
        null,
        Map.of(),
        null,
        null,
        DEFAULT_MAX_RETRIES,
        new JavaTask(jarSha256, className, List.of(args)),
        null,
        null,
        null);
  }

  /** This spec with the given extra environment. */
  public JobSpec withEnv(Map<String, String> newEnv) {
    return new JobSpec(
        argv,
        shell,
        newEnv,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec run in the given directory on the worker. */
  public JobSpec withWorkDir(String dir) {
    return new JobSpec(
        argv,
        shell,
        env,
        dir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec with a timeout; null for none. */
  public JobSpec withTimeout(Duration newTimeout) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        newTimeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec with the given number of retries after a worker dies under it. */
  public JobSpec withMaxRetries(int retries) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        retries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec running the given Java job instead of a command; null for none. */
  public JobSpec withJava(JavaTask task) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        task,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec as an array of tasks ({@code ArraySpec.parse("0-999%50")}); null for one job. */
  public JobSpec withArray(ArraySpec newArray) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        newArray,
        after,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /** This spec run only after the given jobs; null for no dependencies. */
  public JobSpec withAfter(Dependencies newAfter) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        newAfter,
        submittedBy,
        retryOn,
        backoff,
        scheduling);
  }

  /**
   * This spec run again for these causes too, within its retries: {@code
   * withRetryOn(List.of(RetryOn.FAILED))}; {@link RetryOn#LOST} is always included.
   */
  public JobSpec withRetryOn(List<RetryOn> causes) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        causes,
        backoff,
        scheduling);
  }

  /** This spec with the given wait before a retry after a failure; null for the default. */
  public JobSpec withBackoff(Backoff newBackoff) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        newBackoff,
        scheduling);
  }

  /** This spec with the given name and priority; null for the default (no name, priority 0). */
  public JobSpec withScheduling(Scheduling newScheduling) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        submittedBy,
        retryOn,
        backoff,
        newScheduling);
  }

  /** This spec reserving the given CPUs and memory on its node (null for none). */
  public JobSpec withResources(Resources resources) {
    return withScheduling(schedulingOrDefault().withResources(resources));
  }

  /** What it reserves on its node; {@link Resources#NONE} if nothing. */
  public Resources resourcesOrNone() {
    return schedulingOrDefault().resourcesOrNone();
  }

  /** Its name and priority, or the default. */
  public Scheduling schedulingOrDefault() {
    return scheduling == null ? Scheduling.DEFAULT : scheduling;
  }

  /** Whether a run that ended for this cause may be run again (retries allowing). */
  public boolean retriesOn(RetryOn cause) {
    return cause == RetryOn.LOST || (retryOn != null && retryOn.contains(cause));
  }

  /** The backoff this spec gives, or the default. */
  public Backoff backoffOrDefault() {
    return backoff == null ? Backoff.DEFAULT : backoff;
  }

  /** This spec as submitted by the named caller; the grid sets it when it accepts a job. */
  public JobSpec withSubmittedBy(String name) {
    return new JobSpec(
        argv,
        shell,
        env,
        workDir,
        timeout,
        maxRetries,
        java,
        array,
        after,
        name,
        retryOn,
        backoff,
        scheduling);
  }

  /** The command as a person would read it, for listings. */
  public String display() {
    if (java != null) {
      return java.display();
    }
    return shell != null ? shell : String.join(" ", argv);
  }

  private static String quoted(String text) {
    return text == null ? "none" : "'" + text + "'";
  }
}
