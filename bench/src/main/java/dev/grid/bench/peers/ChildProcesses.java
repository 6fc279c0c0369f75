package dev.grid.bench.peers;

import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process {@code bin/bench peers} starts (PostgreSQL's and the peers' nodes), so that they
 * all stop at the end, pass or fail: each owner stops its own in a {@code finally}, and a shutdown
 * hook stops whatever is left (Ctrl-C, an error on the way out).
 *
 * <p>A child stops when its standard input closes (it then shuts its peer or server down cleanly);
 * one still running {@value #GRACE_SECONDS} s later is killed.
 */
public final class ChildProcesses {
  static final long GRACE_SECONDS = 20;

  private static final List<Process> LIVE = new ArrayList<>();
  private static final List<Process> EVER = new ArrayList<>();
  private static boolean hooked;

  private ChildProcesses() {}

  /**
   * A {@code java} command line of this JVM's Java: the options, the class path, the main class and
   * its arguments.
   */
  public static List<String> javaCommand(
      List<String> jvmOptions, String classPath, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classPath, main.getName()));
    command.addAll(args);
    return command;
  }

  /** The JVM options a grid node gets, which the bench's other member processes get too. */
  public static List<String> nodeJvmOptions() {
    List<String> options = new ArrayList<>(NodeProcess.BASE_JVM_OPTIONS);
    options.addAll(LocalGrid.NODE_JVM_OPTIONS);
    return options;
  }

  /** Starts the command with its output and errors appended to {@code log}. */
  public static Process startLogged(List<String> command, Path log) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /** Registers a started child. */
  static synchronized void add(Process process) {
    if (!hooked) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ChildProcesses::stopAll, "bench-peers-cleanup"));
      hooked = true;
    }
    LIVE.add(process);
    EVER.add(process);
  }

  /** Stops the children given, together: closes their input, waits, kills what is left. */
  static void stop(List<Process> processes) {
    for (Process p : processes) {
      try {
        p.getOutputStream().close();
      } catch (IOException e) {
        // killed below if it does not stop
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
    for (Process p : processes) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    synchronized (ChildProcesses.class) {
      LIVE.removeAll(processes);
    }
  }

  /** Stops every child still running. */
  public static void stopAll() {
    List<Process> left;
    synchronized (ChildProcesses.class) {
      left = new ArrayList<>(LIVE);
    }
    stop(left);
  }

  /** How many children were started and are still alive (0 once all stopped). */
  public static synchronized long alive() {
    return EVER.stream().filter(Process::isAlive).count();
  }

  /** How many children were started in all. */
  public static synchronized int started() {
    return EVER.size();
  }
}
