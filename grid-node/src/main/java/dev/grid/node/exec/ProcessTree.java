package dev.grid.node.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Kills a job's whole process tree: SIGTERM to every member, then SIGKILL, after a grace, to
 * whatever is still alive.
 *
 * <p>Who is a member. Commons Exec's watchdog destroys only the direct child; its children keep
 * running and keep the output pipes open. Two sources together find the rest:
 *
 * <ul>
 *   <li>{@link ProcessHandle#descendants()} of the main process, taken <em>before</em> anything is
 *       signalled: once a parent dies its children are reparented to init and no longer descend
 *       from anything we know.
 *   <li>The job's session (see {@link Setsid}): the main process leads a session whose id is its
 *       own pid, and every process it forks stays in it unless it calls setsid itself. Listing the
 *       session from {@code /proc/<pid>/stat} finds orphans that were reparented, and processes
 *       forked between two snapshots. This is Slurm's proctrack/pgid; a process that leaves the
 *       session and its parent can still escape, as it can there (where the node has cgroups, the
 *       run's group catches it when the job ends: see {@link JobGroup}).
 * </ul>
 *
 * <p>Signals go through {@link ProcessHandle#destroy()}, which checks the process start time, so a
 * pid reused between snapshot and signal is never hit. Nothing is ever sent to this JVM.
 *
 * <p>Cost. A full /proc listing with a stat read per process took 0.5-0.8 ms here (70 processes).
 * The check after every job exit ({@link #killLeftovers}) is cheaper: if the last pid the kernel
 * handed out is still the job's own, the job forked nothing (~5 us to know); otherwise it reads
 * stat only for pids above the job's, as the job's children were given higher pids unless pids
 * wrapped around since (~50-150 us). It falls back to the full listing when the last pid handed out
 * is below the job's (a wrap), or when the job ran long enough for pids to wrap and climb back.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");
  private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

  private final ScheduledExecutorService timer;
  private final Duration killGrace;

  ProcessTree(ScheduledExecutorService timer, Duration killGrace) {
    this.timer = timer;
    this.killGrace = killGrace;
  }

  /**
   * SIGTERMs the root, its descendants and its session now, and schedules the SIGKILL pass; returns
   * at once.
   *
   * @param root the job's main process (it may already have exited)
   * @param sessionId the job's session id, or -1 if it was not started in its own session
   */
  void kill(ProcessHandle root, long sessionId) {
    Supplier<Set<ProcessHandle>> members =
        () -> {
          Set<ProcessHandle> found = new LinkedHashSet<>();
          found.add(root);
          root.descendants().forEach(found::add);
          found.addAll(session(sessionId, 0));
          return found;
        };
    terminate(members);
  }

  /**
   * After the main process has exited: kills what is left in its session (background processes the
   * job did not wait for). Returns how many were found; 0 without a session.
   *
   * @param recent true if the job was short enough that its pids cannot have wrapped around
   */
  int killLeftovers(long sessionId, boolean recent) {
    if (sessionId <= 1) {
      return 0;
    }
    long lastPid = recent ? lastPid() : 0;
    if (lastPid == sessionId) {
      return 0; // no pid handed out since the job's own: it forked nothing
    }
    Set<ProcessHandle> left = session(sessionId, lastPid > sessionId ? sessionId : 0);
    if (!left.isEmpty()) {
      terminate(
          () -> {
            Set<ProcessHandle> all = new LinkedHashSet<>(left);
            all.addAll(session(sessionId, 0));
            return all;
          });
    }
    return left.size();
  }

  private void terminate(Supplier<Set<ProcessHandle>> members) {
    Set<ProcessHandle> first = members.get();
    first.remove(ProcessHandle.current());
    first.forEach(ProcessHandle::destroy);
    Runnable finish =
        () -> {
          Set<ProcessHandle> left = members.get();
          left.addAll(first);
          left.remove(ProcessHandle.current());
          left.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        };
    try {
      timer.schedule(finish, killGrace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      finish.run(); // the runner is closing: no grace left to give
    }
  }

  /** Live processes in the session, looking only at pids above {@code above}. */
  private static Set<ProcessHandle> session(long sessionId, long above) {
    Set<ProcessHandle> members = new LinkedHashSet<>();
    for (long pid : sessionMembers(sessionId, above)) {
      ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(members::add);
    }
    return members;
  }

  /**
   * Pids above {@code above} whose session id is {@code sessionId}, zombies left out (they are
   * dead, only not yet reaped by init, which may take a while in a container); empty without /proc.
   */
  static Set<Long> sessionMembers(long sessionId, long above) {
    Set<Long> pids = new LinkedHashSet<>();
    if (sessionId <= 1 || !Files.isDirectory(PROC)) {
      return pids;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        long pid = pidOf(entry.getFileName().toString());
        // The session's leader is the job's main process, signalled through its handle (which
        // checks its start time). A process whose pid equals the session id found here is a
        // different one: the leader exited, its pid was reused by another job's leader, and
        // that one must never be hit.
        if (pid > above && pid != sessionId && livingInSession(entry.resolve("stat"), sessionId)) {
          pids.add(pid);
        }
      }
    } catch (IOException | RuntimeException e) {
      // /proc changed under us or is unreadable: what was found so far is all we can do.
    }
    return pids;
  }

  private static long pidOf(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return name.isEmpty() ? -1 : Long.parseLong(name);
  }

  /**
   * Reads /proc/PID/stat: field 3 is the state, field 6 the session id. The command name (field 2)
   * may hold spaces and parentheses, hence the last ')'.
   */
  static boolean livingInSession(Path stat, long sessionId) {
    try {
      String line = Files.readString(stat, StandardCharsets.ISO_8859_1);
      String[] after = line.substring(line.lastIndexOf(')') + 2).split(" ", 5);
      boolean dead = after[0].equals("Z") || after[0].equals("X");
      return !dead && Long.parseLong(after[3]) == sessionId; // state, ppid, pgrp, session
    } catch (IOException | RuntimeException e) {
      return false; // the process is gone, or this is not Linux's format
    }
  }

  /**
   * The last pid the kernel handed out, or 0 if unknown (then callers scan everything). Read in one
   * call: a sysctl file answers end-of-file to any read that does not start at offset 0, so {@code
   * Files.readString}, which reads a first byte on its own, would see one digit.
   */
  static long lastPid() {
    try (InputStream in = Files.newInputStream(LAST_PID)) {
      byte[] buffer = new byte[32];
      int n = in.read(buffer);
      String text = n <= 0 ? "0" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
      return Long.parseLong(text.trim());
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
