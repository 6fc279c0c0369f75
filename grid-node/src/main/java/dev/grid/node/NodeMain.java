package dev.grid.node;

import dev.grid.api.Resources;
import dev.grid.api.internal.Durations;
import dev.grid.api.internal.Pem;
import dev.grid.scheduler.RetentionPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import sun.misc.Signal;

/**
 * {@code bin/grid-node}: runs one node in the foreground until SIGTERM or SIGINT.
 *
 * <pre>
 * bin/grid-node --name n1 --port 15701 --http-port 18701 \
 *   --members 127.0.0.1:15701,127.0.0.1:15702,127.0.0.1:15703 \
 *   --data-dir /var/lib/grid/n1 --token-file /etc/grid/token \
 *   --secret-file /etc/grid/cluster-secret --slots 4 --retain-jobs 7d --keep-runs 100
 * bin/grid-node --config /etc/grid/grid.conf --http-port 18801   # the file, one flag changed
 * bin/grid-node --name w7 --join 10.0.0.1:15701 --voters 10.0.0.1:15701,10.0.0.2:15701,... \
 *   --data-dir /var/lib/grid/w7 --token-file /etc/grid/token --secret-file ...   # a worker
 * </pre>
 *
 * <p>Every option can come from the {@link ConfigFile} named by {@code --config}; a flag given on
 * the command line wins over it.
 */
@Command(
    name = "grid-node",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs one node of the grid in the foreground; SIGTERM stops it cleanly.")
public final class NodeMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read the options from FILE, one `key = value` a line, the key an option's name without"
              + " its dashes (`http-port = 18701`); a relative path in it is taken from FILE's"
              + " folder. A flag given here wins over the file. An unknown key is refused.")
  Path config;

  @Option(names = "--name", required = true, description = "This node's name, unique in the grid.")
  String name;

  @Option(
      names = "--port",
      defaultValue = "15701",
      description = "Member port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--http-port",
      defaultValue = "18701",
      description = "HTTP API port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int httpPort;

  @Option(
      names = "--blob-port",
      defaultValue = "0",
      description =
          "Port the other nodes push copies of output and records to, on --bind's address"
              + " (default ${DEFAULT-VALUE}: one the OS picks; give one a firewall can let"
              + " through).")
  int blobPort;

  @Option(
      names = "--members",
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Every member's host:port, this one included; they vote for the primary (unless"
              + " --voters names others). None: a one-node grid on loopback.")
  List<String> members = List.of();

  @Option(
      names = "--voters",
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "The member addresses of the nodes that vote for the primary: 3 or 5, the same list on"
              + " every voter. A node not listed is a worker. Default: the --members.")
  List<String> voters = List.of();

  @Option(
      names = "--join",
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Join a running grid through any of these live members, as a worker that learns the"
              + " voters from the grid (instead of --members).")
  List<String> join = List.of();

  @Option(names = "--data-dir", required = true, description = "Where the node keeps its state.")
  Path dataDir;

  @Option(
      names = "--token-file",
      description =
          "File holding the clients' bearer token, or named tokens with roles (lines"
              + " NAME ROLE TOKEN, role read, submit or admin); read again on change or SIGHUP."
              + " Default: DATA_DIR/token, created with a random token if missing (loopback"
              + " only).")
  Path tokenFile;

  @Option(
      names = "--secret-file",
      description =
          "File holding the grid's cluster secret, the same on every node and never given to"
              + " clients: only processes that hold it can join as members. Default (a one-node"
              + " grid only): DATA_DIR/cluster-secret, created with a random secret if missing.")
  Path secretFile;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description =
          "Serve the HTTP API over HTTPS with this certificate chain (PEM, leaf first); give"
              + " --tls-key too.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      description = "The private key of --tls-cert (PEM, PKCS#8: BEGIN PRIVATE KEY).")
  Path tlsKey;

  @Option(
      names = "--job-env",
      split = ",",
      paramLabel = "NAME",
      description =
          "The node's environment variables its jobs get, besides their own --env and the"
              + " grid's GRID_* (default: PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_ALL,"
              + " LC_CTYPE, TZ, TMPDIR, TERM, JAVA_HOME). Nothing else of the node's environment"
              + " reaches a job.")
  List<String> jobEnv;

  @Option(
      names = "--job-user",
      paramLabel = "NAME",
      description =
          "Run every job as this unprivileged user (its uid, groups, HOME), in a scratch"
              + " directory of its own outside the data dir; Java jobs then run in a child JVM as"
              + " it. The node must run as root. Default: jobs run as the node's own user.")
  String jobUser;

  @Option(
      names = "--job-scratch",
      paramLabel = "DIR",
      description =
          "Where jobs without a workdir get their scratch directories (default: DATA_DIR/scratch,"
              + " or with --job-user /tmp/grid-jobs-NAME); with --job-user, outside the data dir.")
  Path jobScratch;

  @Option(
      names = "--labels",
      split = ",",
      paramLabel = "LABEL",
      description =
          "What this node has, for jobs that need it (submit --constraint): words or key=value,"
              + " comma-separated, like gpu,ssd,zone=a. Default: none.")
  List<String> labels;

  @Option(
      names = "--cpus",
      paramLabel = "N",
      description =
          "CPUs this node offers to jobs that reserve some (submit --cpus): it runs them only"
              + " while their sum fits. Default: the machine's.")
  Integer cpus;

  @Option(
      names = "--mem",
      paramLabel = "SIZE",
      description =
          "Memory this node offers to jobs that reserve some (submit --mem), like 16G. Default:"
              + " the machine's.")
  String memory;

  @Option(
      names = "--cgroups",
      paramLabel = "on|off",
      defaultValue = "on",
      description =
          "Run each job in a cgroup where the node can (as root): its --cpus and --mem enforced,"
              + " its CPU time and peak memory measured; about 1-3 ms of CPU more per job. off: jobs"
              + " are only counted, not held or measured. Default: ${DEFAULT-VALUE}.")
  String cgroups;

  @Option(
      names = "--slots",
      defaultValue = "4",
      description = "Jobs run at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Interface for the member port and HTTP (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--cluster-name",
      defaultValue = "grid",
      description =
          "Only nodes with the same cluster name and secret join (default ${DEFAULT-VALUE}).")
  String clusterName;

  @Option(
      names = "--partitions",
      defaultValue = "" + NodeConfig.DEFAULT_PARTITIONS,
      description = "Hazelcast partitions (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--lease-ms",
      defaultValue = "1500",
      description =
          "Primary lease length in ms; failover takes about this long (default ${DEFAULT-VALUE}).")
  long leaseMillis;

  @Option(
      names = "--output-cap",
      defaultValue = "" + NodeConfig.DEFAULT_OUTPUT_CAP,
      description = "Bytes kept of each job's stdout and of its stderr (default ${DEFAULT-VALUE}).")
  long outputCap;

  @Option(
      names = "--replication",
      defaultValue = "0",
      description =
          "Copies of each blob (job output, durable records) on the nodes' disks"
              + " (default 0: min(2, live nodes)).")
  int replication;

  @Option(
      names = "--scrub-every",
      defaultValue = "6h",
      converter = DurationOption.class,
      description =
          "How often the node re-reads every blob copy on its disk to find silent"
              + " corruption, like 30m or 6h; 0s turns it off (default ${DEFAULT-VALUE}).")
  Duration scrubEvery;

  @Option(
      names = "--retain-jobs",
      defaultValue = "7d",
      converter = RetainConverter.class,
      paramLabel = "DURATION",
      description =
          "Ended jobs, with their output, are deleted this long after they end:"
              + " 12h, 7d, 30d; 0 or forever keeps them (default ${DEFAULT-VALUE}).")
  Duration retainJobs;

  @Option(
      names = "--keep-runs",
      defaultValue = "" + RetentionPolicy.DEFAULT_KEEP_RUNS,
      paramLabel = "N",
      description =
          "Each schedule keeps its newest N runs (jobs, output, history);"
              + " 0 keeps all; a schedule's own --keep-runs wins (default ${DEFAULT-VALUE}).")
  int keepRuns;

  @Option(
      names = "--retention-sweep",
      defaultValue = "1m",
      converter = DurationOption.class,
      paramLabel = "DURATION",
      description =
          "How often the primary deletes what is no longer kept" + " (default ${DEFAULT-VALUE}).")
  Duration retentionSweep;

  @Option(
      names = "--join-timeout",
      defaultValue = "5s",
      converter = DurationOption.class,
      paramLabel = "DURATION",
      description =
          "How long a starting node looks for a running member of the grid before one"
              + " of the members listed forms it; every start of a whole grid waits this long."
              + " Whole seconds, 1s or more (default ${DEFAULT-VALUE}).")
  Duration joinTimeout;

  public static void main(String[] args) {
    spawnJobsWithVfork();
    CommandLine cli;
    try {
      cli = commandLine(args);
    } catch (IllegalArgumentException e) { // the config file's, before anything ran
      System.err.println("error: " + e.getMessage());
      System.exit(CommandLine.ExitCode.USAGE);
      return;
    }
    System.exit(cli.execute(args));
  }

  /**
   * The command line of {@code bin/grid-node} for {@code args}: with the defaults of the config
   * file they name, if any, read and checked now (a bad file throws {@link
   * IllegalArgumentException} naming it).
   */
  static CommandLine commandLine(String[] args) {
    CommandLine cli = new CommandLine(new NodeMain());
    Optional<ConfigFile> file =
        ConfigFile.named(args).map(named -> ConfigFile.read(named, cli.getCommandSpec()));
    Set<String> given = ConfigFile.optionsIn(args);
    file.ifPresent(
        config -> {
          cli.setDefaultValueProvider(config);
          IParameterExceptionHandler usage = cli.getParameterExceptionHandler();
          cli.setParameterExceptionHandler(
              (e, rest) -> {
                Optional<String> bad = config.badValue(e, given);
                if (bad.isEmpty()) {
                  return usage.handleParseException(e, rest);
                }
                e.getCommandLine().getErr().println("error: " + bad.get());
                return CommandLine.ExitCode.USAGE;
              });
        });
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String message = String.valueOf(e.getMessage());
          String source = file.map(config -> config.source(message, given)).orElse("");
          cmd.getErr().println("error: " + message + source);
          LOG.debug("startup failed", e);
          return 1;
        });
    return cli;
  }

  private boolean useCgroups() {
    return switch (cgroups) {
      case "on" -> true;
      case "off" -> false;
      default ->
          throw new IllegalArgumentException(
              "--cgroups '" + cgroups + "' is not valid: give on or off");
    };
  }

  /** What {@code --cpus} and {@code --mem} give, the machine's for what they leave out. */
  private Resources offer() {
    Resources machine = NodeConfig.machine();
    return new Resources(
        cpus == null ? machine.cpus() : cpus,
        memory == null ? machine.memoryBytes() : Resources.parseMemory(memory));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    String token = readToken();
    // Its lines are checked now, before the node joins the grid: a malformed file stops the start
    // with the line named, rather than after this node took part in the grid.
    dev.grid.node.http.TokenFile.read(tokenPath());
    NodeConfig config =
        new NodeConfig(
            name,
            ClusterSecret.memberClusterName(clusterName, readSecret()),
            bind,
            port,
            httpPort,
            members,
            dataDir,
            token,
            slots,
            partitions,
            Duration.ofMillis(leaseMillis),
            outputCap,
            replication,
            scrubEvery,
            retention(),
            jobEnv == null ? NodeConfig.DEFAULT_JOB_ENV : Set.copyOf(jobEnv),
            tls(),
            tokenPath(),
            blobPort,
            jobUser,
            jobScratch,
            labels == null ? Set.of() : Set.copyOf(labels),
            offer(),
            useCgroups(),
            voters,
            join);
    AtomicReference<GridNode> node = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    // Registered before the node starts: a SIGTERM during startup exits at once (its Hazelcast
    // member just vanishes, as after a crash), one after startup stops the node cleanly.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  GridNode started = node.get();
                  if (started != null) {
                    started.close();
                  }
                  stopped.countDown();
                  // A clean stop on SIGTERM exits 0 (the JVM would report 143, "killed by
                  // SIGTERM").
                  Runtime.getRuntime().halt(0);
                },
                "grid-shutdown"));
    node.set(GridNode.start(config, timings()));
    // SIGHUP: read the tokens file again now (it is also read again within seconds of a change).
    Signal.handle(new Signal("HUP"), signal -> node.get().reloadTokens());
    stopped.await();
    return 0;
  }

  /**
   * Every shell job is a process spawn. The JDK's default on Linux, posix_spawn, execs a helper
   * ({@code jspawnhelper}) that then execs the job: with setsid in front, three execs per job.
   * VFORK execs the job directly: about 1 ms less CPU per job here (the spawned processes' time
   * fell from 2.9 to 1.8 ms per {@code true} job, 3-node bench). Must be set before the first
   * process is started; JDK 17 to 21 honour it, later ones may drop it, so it is left to them. An
   * operator's own {@code -Djdk.lang.Process.launchMechanism} wins.
   */
  private static void spawnJobsWithVfork() {
    String property = "jdk.lang.Process.launchMechanism";
    if (System.getProperty(property) == null
        && Runtime.version().feature() <= 21
        && System.getProperty("os.name", "").startsWith("Linux")) {
      System.setProperty(property, "VFORK");
    }
  }

  /** The node's waits: production's, with the join timeout given. */
  NodeTimings timings() {
    if (joinTimeout.toSeconds() < 1 || joinTimeout.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "--join-timeout "
              + joinTimeout.toMillis()
              + "ms"
              + " is not a whole number of seconds of at least 1 (Hazelcast counts it in seconds):"
              + " give 1s or more");
    }
    return new NodeTimings(
        joinTimeout, NodeTimings.DEFAULTS.fenceQuiet(), NodeTimings.DEFAULTS.reclaimGrace());
  }

  /** The retention flags, checked: a bad value is named with its flag. */
  RetentionPolicy retention() {
    if (keepRuns < 0) {
      throw new IllegalArgumentException(
          "--keep-runs " + keepRuns + " is negative: give 0 (keep every run) or more");
    }
    if (retentionSweep.isZero()) {
      throw new IllegalArgumentException(
          "--retention-sweep 0 is not an interval: give one like 1m or 30s");
    }
    return new RetentionPolicy(
        retainJobs, keepRuns, retentionSweep, RetentionPolicy.DEFAULT_BATCH_SIZE);
  }

  /** A duration option: {@code 500ms}, {@code 30s}, {@code 1h30m}, {@code PT30S}. */
  static final class DurationOption implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code --retain-jobs}: a duration, or {@code 0} / {@code forever} to keep jobs forever. */
  static final class RetainConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      String value = text.strip().toLowerCase(Locale.ROOT);
      if (value.equals("0") || value.equals("forever")) {
        return Duration.ZERO;
      }
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'"
                + text
                + "' is not a retention: give a duration"
                + " like 12h, 7d or 1d12h, or 0 or forever to keep ended jobs forever");
      }
    }
  }

  /** The HTTP API's TLS files, checked: both or neither, the key its owner's alone. */
  NodeConfig.Tls tls() throws IOException {
    if (tlsCert == null && tlsKey == null) {
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException(
          "give both --tls-cert and --tls-key (the certificate and its private key), or neither");
    }
    ClusterSecret.checkOwnerOnly(tlsKey, "TLS key");
    Pem.serverContext(tlsCert, tlsKey); // a bad file is named now, before the node joins
    return new NodeConfig.Tls(tlsCert, tlsKey);
  }

  /**
   * The cluster secret: from {@code --secret-file}, or for a one-node grid made in the data dir. A
   * grid of several nodes needs the one file on every node: secrets made per node would never
   * match, and the nodes would never join.
   */
  String readSecret() throws IOException {
    if (secretFile != null) {
      return ClusterSecret.read(secretFile, "cluster secret");
    }
    if (members.stream().distinct().count() > 1 || !join.isEmpty() || voters.size() > 1) {
      List<String> given = new ArrayList<>();
      if (!members.isEmpty()) {
        given.add("--members " + String.join(",", members));
      }
      if (!voters.isEmpty()) {
        given.add("--voters " + String.join(",", voters));
      }
      if (!join.isEmpty()) {
        given.add("--join " + String.join(",", join));
      }
      throw new IllegalArgumentException(
          "a node of a grid of several ("
              + String.join(" ", given)
              + ") needs the grid's --secret-file: make it once with `bin/grid-token"
              + " cluster-secret` and copy it to each node");
    }
    return ClusterSecret.generated(dataDir);
  }

  /** The file the clients' tokens are read from: --token-file, else the one-node grid's own. */
  Path tokenPath() {
    return tokenFile != null ? tokenFile : dataDir.resolve("token");
  }

  String readToken() throws IOException {
    if (tokenFile != null) {
      if (!Files.isReadable(tokenFile)) {
        throw new IllegalArgumentException(
            "token file "
                + tokenFile
                + " cannot be read: create it with `bin/grid-token "
                + tokenFile
                + "`");
      }
      ClusterSecret.checkOwnerOnly(tokenFile, "token");
      String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException(
            "token file " + tokenFile + " is empty: put a secret in it");
      }
      return token;
    }
    if (!InetAddress.getByName(bind).isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "--bind " + bind + " is not loopback: give --token-file so clients must authenticate");
    }
    Path generated = dataDir.resolve("token");
    if (!Files.exists(generated)) {
      ClusterSecret.writeNew(generated); // random, the owner's alone from its first byte
      LOG.info("no --token-file: wrote a new token to {}", generated);
    }
    return Files.readString(generated, StandardCharsets.UTF_8).strip();
  }
}
