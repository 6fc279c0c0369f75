package dev.grid.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a node's job processes die with the node, and with a node that has gone quiet. A job runs
 * in its own session (setsid), so a node killed with SIGKILL would leave it running, unowned, while
 * the grid retries the job elsewhere: the same job twice at the same time. So would a node frozen
 * (SIGSTOP, a hung host) long enough for the grid to write it off: its JVM is stopped, its job
 * processes are not. This guard keeps the running jobs' session ids in a file under the data dir
 * and starts a small watcher process (in a session of its own, so it outlives the node) that kills
 * those sessions as soon as the node's JVM is gone, or once the node has not {@link #beat() beaten}
 * for the quiet time given. A node that starts finds the file of its previous life and kills what
 * is left of it.
 *
 * <p>The file is a log, appended to as jobs start and end ({@code + SID START} and {@code - SID}),
 * one write of one line each, and rewritten whole (through a temporary file) only every {@value
 * #COMPACT_AFTER} lines: rewriting it at every start and end cost two file creations and renames
 * per job, about 0.4 ms each on ext4, which replaces a renamed-over file's data at once. Whoever
 * reads it replays it: what was added and not removed is running.
 *
 * <p>Pid reuse: each session is listed with its leader's start time (from {@code /proc/PID/stat}).
 * At startup a session is killed only if no process now has its leader's pid with another start
 * time: Linux does not hand out a pid still used as a session id, so a session whose members live
 * on cannot have been replaced. The watcher acts within a second of the JVM's death, too soon for
 * reuse to matter.
 */
final class OrphanGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanGuard.class);

  /** Lines appended before the log is rewritten with only the running sessions. */
  static final int COMPACT_AFTER = 4096;

  private final Path file;
  private final Duration quiet;
  private final Map<Long, Long> sessions = new ConcurrentHashMap<>();
  private FileChannel log; // appends to file; null if it could not be opened
  private int logLines;
  private final Object beatLock = new Object();
  private Process watcher;
  private OutputStream beats;

  private OrphanGuard(Path file, Duration quiet) {
    this.file = file;
    this.quiet = quiet;
  }

  /**
   * Kills what a previous life of this node left running, then watches this one.
   *
   * @param quiet how long the node may go without a {@link #beat()} before its jobs are killed
   */
  static OrphanGuard start(Path dataDir, Duration quiet) {
    OrphanGuard guard = new OrphanGuard(dataDir.resolve("job-sessions"), quiet);
    guard.killPreviousLife();
    guard.compact();
    guard.startWatcher();
    return guard;
  }

  /** Tells the watcher the node is alive and still part of the grid. */
  void beat() {
    synchronized (beatLock) { // not the file's lock: a slow disk must not hold a beat up
      if (beats == null) {
        return;
      }
      try {
        beats.write('\n');
        beats.flush();
      } catch (IOException e) {
        LOG.warn("the job watcher is gone: a node frozen or killed now leaves its jobs running", e);
        beats = null;
      }
    }
  }

  private static void killSession(long sid) {
    try {
      new ProcessBuilder("pkill", "-KILL", "-s", Long.toString(sid))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      LOG.warn("could not kill job session {}", sid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A job's session started. */
  void track(long sessionId) {
    if (sessionId > 1) {
      long started = startTime(sessionId).orElse(-1L);
      sessions.put(sessionId, started);
      append("+ " + sessionId + " " + started);
    }
  }

  /** A job's session ended (its leftovers were killed by the runner). */
  void untrack(long sessionId) {
    if (sessions.remove(sessionId) != null) {
      append("- " + sessionId);
    }
  }

  private void killPreviousLife() {
    if (!Files.exists(file)) {
      return;
    }
    try {
      replay(Files.readAllLines(file, StandardCharsets.US_ASCII))
          .forEach(
              (sid, started) -> {
                Optional<Long> now = startTime(sid);
                if (now.isPresent() && now.get().longValue() != started.longValue()) {
                  return; // the pid is another process's now: not ours to kill
                }
                LOG.warn("killing session {} left running by this node's previous life", sid);
                killSession(sid);
              });
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not read or act on {}", file, e);
    }
  }

  /**
   * The sessions a log lists as running: {@code + SID START} adds, {@code - SID} removes; a line
   * {@code SID START} (the file as older nodes wrote it) adds; anything else (a line cut short by a
   * crash) is skipped.
   */
  static Map<Long, Long> replay(List<String> lines) {
    Map<Long, Long> live = new LinkedHashMap<>();
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      try {
        if (f.length == 3 && f[0].equals("+")) {
          live.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
        } else if (f.length == 2 && f[0].equals("-")) {
          live.remove(Long.parseLong(f[1]));
        } else if (f.length == 2) {
          live.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
        }
      } catch (NumberFormatException e) {
        // a torn line: what it would have said is lost with the crash that tore it
      }
    }
    return live;
  }

  /**
   * The watcher reads the node's beats from its stdin. A read that times out (the node is frozen)
   * kills every session in the file, once until the next beat; a read that ends (the node is gone)
   * kills them too, and the watcher exits with the node's JVM.
   */
  private void startWatcher() {
    long jvm = ProcessHandle.current().pid();
    // kill_jobs replays the log as replay() does, then kills what it lists.
    String script =
        "kill_jobs() { [ -f \"$0\" ] || return; declare -A live=(); while read -r a b c; do"
            + " case \"$a\" in +) live[$b]=1;; -) unset \"live[$b]\";;"
            + " *[!0-9]*|'') ;; *) live[$a]=1;; esac; done < \"$0\";"
            + " for s in \"${!live[@]}\"; do pkill -KILL -s \"$s\"; done; }; "
            + "killed=0; "
            + "while kill -0 "
            + jvm
            + " 2>/dev/null; do"
            + " if read -r -t "
            + seconds(quiet)
            + " _; then killed=0;"
            + " else [ $killed = 1 ] || kill_jobs; killed=1; sleep 0.3; fi; done; "
            + "kill_jobs";
    try {
      watcher =
          new ProcessBuilder("setsid", "bash", "-c", script, file.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      beats = watcher.getOutputStream();
    } catch (IOException e) {
      LOG.warn(
          "no watcher for job processes (are setsid and bash installed?): a node killed"
              + " with SIGKILL or frozen will leave its jobs running",
          e);
    }
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
  }

  /** Appends one line to the log, in one write; every {@value #COMPACT_AFTER} lines, compacts. */
  private synchronized void append(String line) {
    if (log == null || ++logLines > COMPACT_AFTER) {
      compact();
      return;
    }
    try {
      ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        log.write(bytes);
      }
    } catch (IOException e) {
      LOG.warn("cannot record job sessions in {}", file, e);
      compact();
    }
  }

  /**
   * Rewrites the log with the running sessions only (a new file renamed over it), and reopens it.
   */
  private synchronized void compact() {
    List<String> lines = new ArrayList<>();
    sessions.forEach((sid, started) -> lines.add("+ " + sid + " " + started));
    try {
      if (log != null) {
        log.close();
        log = null;
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, lines, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      logLines = lines.size();
    } catch (IOException e) {
      // Best effort: a job must not fail because its session could not be listed here; it only
      // loses the guarantee of dying with a SIGKILLed node.
      LOG.warn("cannot record job sessions in {}", file, e);
    }
  }

  /** The sessions the file lists as running now, as the watcher would read them. */
  Map<Long, Long> listed() throws IOException {
    return replay(Files.readAllLines(file, StandardCharsets.US_ASCII));
  }

  /** Field 22 of /proc/PID/stat: start time in clock ticks since boot, if the process exists. */
  static Optional<Long> startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(Long.parseLong(after[19]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A clean stop: the runner has killed the jobs; nothing is left for the watcher. */
  @Override
  public synchronized void close() {
    sessions.clear();
    compact();
    if (log != null) {
      try {
        log.close();
      } catch (IOException e) {
        LOG.debug("closing {} failed", file, e);
      }
      log = null;
    }
    synchronized (beatLock) {
      beats = null;
    }
    if (watcher != null) {
      watcher.destroy();
    }
  }
}
