package dev.grid.node.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The unprivileged user a node runs its jobs as ({@code --job-user NAME}): its uid, primary gid and
 * home from its passwd entry, and the util-linux {@code setpriv} that switches to it.
 *
 * <pre>{@code
 * JobUser user = JobUser.resolve("grid-job");   // checks it all, or says what to do
 * new ProcessRunner(clock, jobEnv, orphans::track, user);
 * }</pre>
 *
 * <p>Why setpriv: it sets the uid, the gid and the supplementary groups ({@code --init-groups}) and
 * execs the job in place, without forking, as {@code setsid} does. Behind {@code setsid -w --} the
 * job's pid is therefore still its session id, and the runner, the orphan guard and the kill of a
 * whole session on timeout, cancel or node loss work as for a job run as the node's user (the node
 * is root, so its signals reach the job's processes). {@code runuser} and {@code su} fork and wait
 * instead, and would stand between the node and the job.
 *
 * @param name the user's name
 * @param uid its uid
 * @param gid its primary gid
 * @param home its home directory, from its passwd entry (it need not exist)
 * @param setpriv the setpriv program
 */
public record JobUser(String name, int uid, int gid, String home, String setpriv) {
  private static final List<String> SETPRIV_PLACES = List.of("/usr/bin/setpriv", "/bin/setpriv");

  /** Validates eagerly; a bad value is named in the message. */
  public JobUser {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(setpriv, "setpriv");
    if (uid <= 0) {
      throw new IllegalArgumentException(
          "job user " + name + " has uid " + uid + ": give an unprivileged user");
    }
  }

  /**
   * Looks the user up and checks that this node can run jobs as it: the user exists, is neither
   * root nor the node's own user, the node runs as root, and setpriv is there and switches to it.
   *
   * @throws IllegalArgumentException naming the value and what to do, if any of that fails
   */
  public static JobUser resolve(String name) {
    JobUser user = resolve(name, nodeUid(), passwdEntry(name), findSetpriv());
    user.probe();
    return user;
  }

  /** The checks of {@link #resolve(String)} that need no process: for tests. */
  static JobUser resolve(
      String name, long nodeUid, Optional<String> passwdEntry, Optional<String> setpriv) {
    if (name == null || !name.matches("[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}")) {
      throw new IllegalArgumentException(
          "--job-user '"
              + name
              + "' is not a user name: give the name of an unprivileged user, e.g. grid-job");
    }
    if (passwdEntry.isEmpty()) {
      throw new IllegalArgumentException(
          "--job-user "
              + name
              + ": no such user on this machine: create it: useradd --system --no-create-home"
              + " --shell /usr/sbin/nologin "
              + name);
    }
    String[] f = passwdEntry.get().split(":", -1);
    if (f.length < 7) {
      throw new IllegalArgumentException(
          "--job-user " + name + ": its passwd entry '" + passwdEntry.get() + "' is malformed");
    }
    int uid;
    int gid;
    try {
      uid = Integer.parseInt(f[2]);
      gid = Integer.parseInt(f[3]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--job-user " + name + ": its passwd entry '" + passwdEntry.get() + "' is malformed");
    }
    if (uid == 0) {
      throw new IllegalArgumentException(
          "--job-user "
              + name
              + " is root (uid 0): its jobs could do anything; give an unprivileged user"
              + " (useradd --system --no-create-home --shell /usr/sbin/nologin grid-job)");
    }
    if (uid == nodeUid) {
      throw new IllegalArgumentException(
          "--job-user "
              + name
              + " is the node's own user (uid "
              + uid
              + "): jobs would reach all the node's files, as without --job-user; give another,"
              + " unprivileged user, or leave --job-user out");
    }
    if (nodeUid != 0) {
      throw new IllegalArgumentException(
          "--job-user "
              + name
              + ": this node runs as uid "
              + nodeUid
              + ", which cannot switch users: start the node as root (it runs each job as "
              + name
              + "), or leave --job-user out");
    }
    if (setpriv.isEmpty()) {
      throw new IllegalArgumentException(
          "--job-user "
              + name
              + ": setpriv (util-linux) switches to it and was not found on PATH, in /usr/bin or"
              + " /bin: install util-linux");
    }
    return new JobUser(name, uid, gid, f[5], setpriv.get());
  }

  /** What is exec'd before the job's argv: setpriv, switching to this user, then the job. */
  List<String> launchPrefix() {
    return List.of(setpriv, "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--");
  }

  /** Where coreutils' env is: after the switch it enters the job's directory and sets variables. */
  static final String ENV = "/usr/bin/env";

  /**
   * Variables that change how a program run as root loads or what files it reads: the ones glibc
   * itself drops for setuid programs (its {@code UNSECURE_ENVVARS}), every {@code LD_} and {@code
   * MALLOC_} one, and {@code GLIBC_TUNABLES}, {@code TZ}; and those a shell reads at start ({@code
   * BASH_FUNC_*} functions, {@code SHELLOPTS}, {@code ENV}...), for the {@code /bin/sh} that moves
   * a job into its cgroup ({@link JobGroup}). {@code setsid}, {@code setpriv} and that shell run as
   * root before the switch, so a job's own variables of these kinds reach only the job, set after
   * the switch (see {@link #launch}).
   */
  private static final Set<String> ROOT_UNSAFE =
      Set.of(
          "GCONV_PATH",
          "GETCONF_DIR",
          "GLIBC_TUNABLES",
          "HOSTALIASES",
          "LOCALDOMAIN",
          "LOCPATH",
          "NIS_PATH",
          "NLSPATH",
          "RESOLV_HOST_CONF",
          "RES_OPTIONS",
          "TMPDIR",
          "TZ",
          "TZDIR",
          // read by a shell at start: /bin/sh may be bash, which imports functions too
          "BASH_ENV",
          "BASHOPTS",
          "CDPATH",
          "ENV",
          "IFS",
          "PS4",
          "SHELLOPTS");

  static boolean unsafeForRoot(String name) {
    // the locale ones too: LANGUAGE can name a message catalogue anywhere, read as root
    return name.startsWith("LD_")
        || name.startsWith("MALLOC_")
        || name.startsWith("BASH_FUNC_")
        || name.startsWith("LC_")
        || name.equals("LANG")
        || name.equals("LANGUAGE")
        || ROOT_UNSAFE.contains(name);
  }

  /** The job's environment without what is unsafe for the root processes before the switch. */
  static Map<String, String> rootStage(Map<String, String> env) {
    Map<String, String> safe = new HashMap<>();
    env.forEach(
        (k, v) -> {
          if (!unsafeForRoot(k)) {
            safe.put(k, v);
          }
        });
    return safe;
  }

  /**
   * The argv that runs the job as this user: setpriv switches, then env (as this user) enters the
   * job's directory (a directory the user cannot enter stops the job there, not as root) and sets
   * the variables kept from the root stage ({@link #rootStage}), then the job's own argv.
   *
   * @throws IllegalArgumentException if the program's name holds '=' (env would take it for a
   *     variable)
   */
  List<String> launch(Path dir, Map<String, String> env, List<String> argv) {
    if (argv.get(0).contains("=") || argv.get(0).equals("-")) {
      throw new IllegalArgumentException(
          "program '"
              + argv.get(0)
              + "' has '=' in its name (or is '-'), which a job run as --job-user "
              + name
              + " cannot start: rename it, or run it through --shell");
    }
    List<String> launch = new ArrayList<>(launchPrefix());
    // "--" ends env's options: a program named like an option ("-i") is the program.
    launch.addAll(List.of(ENV, "--chdir=" + dir, "--"));
    new TreeMap<>(env)
        .forEach(
            (k, v) -> {
              if (unsafeForRoot(k)) {
                launch.add(k + "=" + v);
              }
            });
    launch.addAll(argv);
    return launch;
  }

  /** The variables that say who the job is: HOME, USER and LOGNAME of this user. */
  Map<String, String> identity() {
    return Map.of("HOME", home, "USER", name, "LOGNAME", name);
  }

  /** Makes {@code dir} this user's alone: owned by it and its group, mode 0700. */
  void own(Path dir) throws IOException {
    Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  /** How long the deletion of a job's scratch tree may take before it is given up. */
  static final Duration DELETE_WAIT = Duration.ofSeconds(60);

  /**
   * Deletes what a job left in its scratch directory, as this user ({@code find DIR -mindepth 1
   * -delete}: it follows no link, opens only directories, and walks a tree of any depth without
   * recursion), then the emptied directory itself as the node (its parent is the node's, so the
   * user cannot swap it). Nothing is done as root inside a tree the job owns.
   *
   * @throws IOException if find fails or takes longer than {@link #DELETE_WAIT}, or the directory
   *     is not empty after it (something of the user's still writes there)
   */
  public void deleteAsUser(Path dir) throws IOException {
    List<String> argv = new ArrayList<>(launchPrefix());
    String find = Files.isExecutable(Path.of("/usr/bin/find")) ? "/usr/bin/find" : "find";
    argv.addAll(List.of(find, dir.toAbsolutePath().toString(), "-mindepth", "1", "-delete"));
    Process p =
        new ProcessBuilder(argv)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      if (!p.waitFor(DELETE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("find did not delete " + dir + " within " + DELETE_WAIT);
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "find could not delete all of " + dir + " (exit " + p.exitValue() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while deleting " + dir, e);
    } finally {
      p.destroyForcibly();
    }
    Files.deleteIfExists(dir);
  }

  /** Gives a file the node wrote for the job (its jar, its parents' results) to this user. */
  void give(Path file) throws IOException {
    Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Prepares the directory the jobs' scratch directories go in: created if missing, owned by the
   * node's user, not a link, mode 0711 (this user enters its own directories by name, and lists
   * none), and reachable by this user.
   *
   * @throws IllegalArgumentException if it is a link, someone else's, or out of this user's reach,
   *     naming it and what to do
   */
  public void prepareScratchRoot(Path root) {
    try {
      Files.createDirectories(root);
      if (Files.isSymbolicLink(root) || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException(
            "--job-scratch "
                + root
                + " is a link or not a directory: remove it, or give another --job-scratch");
      }
      int mode = (Integer) Files.getAttribute(root, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & 01022) != 0) { // sticky, or writable by group or others: a shared directory
        throw new IllegalArgumentException(
            "--job-scratch "
                + root
                + " is shared (mode "
                + Integer.toOctalString(mode & 07777)
                + ": sticky or writable by others, like /tmp itself): give a directory of the"
                + " grid's own, such as /tmp/grid-jobs (the node makes it)");
      }
      int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != nodeUid()) {
        throw new IllegalArgumentException(
            "--job-scratch "
                + root
                + " belongs to uid "
                + owner
                + ", not to the node's user: remove it (the node makes it), or give another"
                + " --job-scratch");
      }
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the jobs' scratch directory " + root, e);
    }
    String problem = cannotReach(root, false);
    if (problem != null) {
      throw new IllegalArgumentException(
          "--job-scratch " + root + ": " + problem + ", or give a --job-scratch under /tmp");
    }
  }

  /**
   * Why this user cannot reach {@code path} (enter every directory on the way; read a file, enter a
   * directory and, if {@code list}, list it), or null if it can. Goes by the mode bits, owner and
   * primary group only: a supplementary group that would let it in is not seen.
   */
  public String cannotReach(Path path, boolean list) {
    Path absolute = path.toAbsolutePath().normalize();
    try {
      Path at = absolute.getRoot();
      for (Path part : absolute) {
        at = at.resolve(part);
        boolean last = at.equals(absolute);
        boolean dir = Files.isDirectory(at);
        if ((!last || dir) && !allows(at, 1)) {
          return name + " cannot enter " + at + ": chmod o+x " + at;
        }
        if (last && (!dir || list) && !allows(at, 4)) {
          return name + " cannot read " + at + ": chmod o+r " + at;
        }
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return name + " may not reach " + absolute + " (" + e.getMessage() + ")";
    }
  }

  /** Whether the mode bit {@code bit} (4 read, 1 enter) of owner, group or others lets it in. */
  private boolean allows(Path p, int bit) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode");
    if ((Integer) Files.getAttribute(p, "unix:uid") == uid) {
      return (mode & (bit << 6)) != 0;
    }
    if ((Integer) Files.getAttribute(p, "unix:gid") == gid) {
      return (mode & (bit << 3)) != 0;
    }
    return (mode & bit) != 0;
  }

  /** This process's effective uid, from /proc/self/status; -1 if unknown. */
  public static long nodeUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]); // real, effective, ...
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: unknown
    }
    return -1;
  }

  /** The user's passwd line: from getent (which asks NSS too), else from /etc/passwd. */
  static Optional<String> passwdEntry(String name) {
    if (name == null || name.startsWith("-")) {
      return Optional.empty();
    }
    try {
      Process getent =
          new ProcessBuilder("getent", "passwd", name)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (getent.waitFor(5, TimeUnit.SECONDS) && getent.exitValue() == 0) {
        return out.lines().findFirst();
      }
      if (getent.isAlive()) {
        getent.destroyForcibly();
      }
      return Optional.empty();
    } catch (IOException e) {
      // no getent: read the file
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    try {
      return Files.readAllLines(Path.of("/etc/passwd")).stream()
          .filter(l -> l.startsWith(name + ":"))
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> findSetpriv() {
    List<String> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        if (!dir.isEmpty()) {
          candidates.add(dir + "/setpriv");
        }
      }
    }
    candidates.addAll(SETPRIV_PLACES);
    return candidates.stream()
        .filter(c -> Files.isRegularFile(Path.of(c)) && Files.isExecutable(Path.of(c)))
        .findFirst();
  }

  /** Switches to the user once, running {@code id -u}: a node that cannot is refused at start. */
  private void probe() {
    // the whole way a job is started: setpriv, then env entering a directory
    List<String> argv = launch(Path.of("/"), Map.of(), List.of("id", "-u"));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalArgumentException(
            "--job-user " + name + ": " + setpriv + " did not switch to it within 10 s");
      }
      if (p.exitValue() != 0 || !out.equals(Integer.toString(uid))) {
        throw new IllegalArgumentException(
            "--job-user "
                + name
                + ": "
                + setpriv
                + " could not switch to it (exit "
                + p.exitValue()
                + "): "
                + out
                + ": does the node have the capability to change users (CAP_SETUID, CAP_SETGID)?");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--job-user " + name + ": could not run " + setpriv + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking --job-user " + name);
    }
  }
}
