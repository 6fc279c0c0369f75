package dev.grid.node;

import dev.grid.api.Resources;
import dev.grid.api.Scheduling;
import dev.grid.scheduler.LeaseSettings;
import dev.grid.scheduler.RetentionPolicy;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a node needs to start; {@code bin/grid-node}'s flags map onto it one to one.
 *
 * @param name the node's name, unique in the grid
 * @param clusterName nodes only join a grid of the same cluster name
 * @param bindHost the interface for the member port and the HTTP API (loopback by default)
 * @param port the Hazelcast member port
 * @param httpPort the HTTP API port (0 picks a free one)
 * @param members {@code host:port} of every member, this one included ({@code --members}); they are
 *     also the lease voters unless {@code voters} names others. Empty: see {@code voters} and
 *     {@code join}; all three empty, a one-node grid that votes alone
 * @param dataDir where the node keeps its lease state and job scratch directories
 * @param token the bearer token clients must present
 * @param slots how many jobs this node runs at once (0: it runs none)
 * @param partitions Hazelcast partitions (a small grid wants few)
 * @param leaseTime how long a primary lease lasts; failover takes about this long
 * @param outputCapBytes how much of each of a job's stdout and stderr is kept
 * @param replication copies of each blob (output, results, durable records) on the nodes' disks; 0
 *     means min(2, live nodes)
 * @param scrubEvery how often the node re-reads every blob copy on its disk to find silent
 *     corruption; zero turns scrubbing off
 * @param retention how long ended jobs, their output and schedules' runs are kept
 * @param jobEnv the names of the node's environment variables its jobs get (each job gets these,
 *     its own {@code --env} and the grid's {@code GRID_*} variables, nothing else of the node's)
 * @param tls the certificate and key the HTTP API serves HTTPS with, or null for plain HTTP
 * @param tokenFile the tokens file {@code token} was read from, which the node reads again when it
 *     changes (named tokens with roles: see the README's "Security"); null: {@code token} is the
 *     only token, for good
 * @param jobUser the user every job runs as ({@code --job-user}), or null: as the node's own user
 * @param jobScratch where jobs without a workDir get their scratch directories ({@code
 *     --job-scratch}), or null for the default: {@code DATA_DIR/scratch}, or with a job user {@code
 *     /tmp/grid-jobs-NAME} (the JVM's {@code java.io.tmpdir}), which the job user can reach
 * @param labels what this node declares it has ({@code --labels gpu,ssd,zone=a}): jobs that need
 *     labels ({@code --constraint}) run only on nodes that have them all
 * @param offer the CPUs and memory this node offers to jobs that reserve some ({@code --cpus 8
 *     --mem 16G}); null for the machine's ({@link #machine()})
 * @param cgroups whether jobs run in cgroups where the node can use them (as root): their CPUs and
 *     memory enforced, their cost measured ({@code --cgroups off} turns it off)
 * @param voters {@code host:port} of the nodes that vote for the primary ({@code --voters}, 1 to
 *     {@value #MOST_VOTERS}; 3 or 5 in a grid that should survive a loss); a node not among them is
 *     a worker. Empty: the members are the voters
 * @param join {@code host:port} of live members to join the grid through ({@code --join}), for a
 *     worker added to a running grid; it learns the voters from them. Empty: join through the
 *     members and voters
 */
public record NodeConfig(
    String name,
    String clusterName,
    String bindHost,
    int port,
    int httpPort,
    List<String> members,
    Path dataDir,
    String token,
    int slots,
    int partitions,
    Duration leaseTime,
    long outputCapBytes,
    int replication,
    Duration scrubEvery,
    RetentionPolicy retention,
    Set<String> jobEnv,
    Tls tls,
    Path tokenFile,
    int blobPort,
    String jobUser,
    Path jobScratch,
    Set<String> labels,
    Resources offer,
    boolean cgroups,
    List<String> voters,
    List<String> join) {

  public static final int DEFAULT_PARTITIONS = 31;

  /**
   * The most voters {@code --voters} may name. Every voter takes part in every lease round, and a
   * majority of them must answer each one: more voters make each round slower and no safer than 5.
   */
  public static final int MOST_VOTERS = 9;

  public static final Duration DEFAULT_LEASE_TIME = LeaseSettings.DEFAULT_LEASE_TIME;
  public static final long DEFAULT_OUTPUT_CAP = 4L << 20;
  public static final Duration DEFAULT_SCRUB_EVERY = Duration.ofHours(6);

  /**
   * The node's environment variables a job gets unless {@code --job-env} says otherwise: what
   * programs need to run and to find things, nothing that could be a secret.
   */
  public static final Set<String> DEFAULT_JOB_ENV =
      Set.of(
          "PATH",
          "HOME",
          "USER",
          "LOGNAME",
          "SHELL",
          "LANG",
          "LANGUAGE",
          "LC_ALL",
          "LC_CTYPE",
          "TZ",
          "TMPDIR",
          "TERM",
          "JAVA_HOME");

  /**
   * The HTTP API's TLS: a PEM certificate chain (leaf first) and its PKCS#8 private key.
   *
   * @param cert the certificate file
   * @param key the private key file
   */
  public record Tls(Path cert, Path key) {
    public Tls {
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
    }
  }

  /** Validates eagerly, naming the bad value. */
  public NodeConfig {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "node name '" + name + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    members = List.copyOf(members);
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(retention, "retention");
    jobEnv = Set.copyOf(jobEnv);
    labels = labels == null ? Set.of() : Set.copyOf(new TreeSet<>(labels));
    labels.forEach(Scheduling::checkLabel);
    offer = offer == null ? machine() : offer;
    if (offer.cpus() == 0 || offer.memoryBytes() == 0) {
      throw new IllegalArgumentException(
          "--cpus and --mem must be more than 0 (got "
              + offer
              + "): give what this node offers to jobs, or leave them out for the machine's");
    }
    for (String v : jobEnv) {
      if (!v.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
        throw new IllegalArgumentException(
            "--job-env name '" + v + "' is not an environment variable name: use A-Z a-z 0-9 _");
      }
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("no token: give --token-file with a secret in it");
    }
    if (slots < 0) {
      throw new IllegalArgumentException("slots " + slots + " is negative: give 0 or more");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http port " + httpPort + " is out of range 0-65535");
    }
    if (blobPort < 0 || blobPort > 65535) {
      throw new IllegalArgumentException(
          "--blob-port " + blobPort + " is out of range: give 1-65535, or 0 for one the OS picks");
    }
    if (replication < 0) {
      throw new IllegalArgumentException(
          "replication "
              + replication
              + " is not valid: give the copies each blob should have (1 or more), or 0 for"
              + " min(2, live nodes)");
    }
    Objects.requireNonNull(scrubEvery, "scrubEvery");
    if (scrubEvery.isNegative()) {
      throw new IllegalArgumentException(
          "scrub interval " + scrubEvery + " is negative: give 0 to turn scrubbing off");
    }
    if (jobUser != null && jobScratch != null && inside(jobScratch, dataDir)) {
      throw new IllegalArgumentException(
          "--job-scratch "
              + jobScratch
              + " is inside the data dir "
              + dataDir
              + ", which is the node's alone (0700): --job-user "
              + jobUser
              + " could not reach it; give a directory outside it, or leave --job-scratch out");
    }
    if (jobUser != null && jobScratch != null && inside(dataDir, jobScratch)) {
      throw new IllegalArgumentException(
          "--job-scratch "
              + jobScratch
              + " holds the data dir "
              + dataDir
              + ": give a directory of its own, outside the data dir");
    }
    voters = voters == null ? List.of() : List.copyOf(voters);
    join = join == null ? List.of() : List.copyOf(join);
    checkVoters(voters);
    join.forEach(a -> LeaseSettings.checkAddress(a, "--join"));
    if (!members.isEmpty() && !join.isEmpty()) {
      throw new IllegalArgumentException(
          "--members "
              + members
              + " and --join "
              + join
              + " both name members to join through: give --voters and --join (a worker),"
              + " or --members alone (every member a voter)");
    }
    if (!members.isEmpty() && !members.contains(self(bindHost, port, members))) {
      throw new IllegalArgumentException(
          "--members "
              + members
              + " does not list this node ("
              + bindHost
              + ":"
              + port
              + "): list every member, this one included");
    }
  }

  /** A node with the default blob replication, scrub and retention. */
  public NodeConfig(
      String name,
      String clusterName,
      String bindHost,
      int port,
      int httpPort,
      List<String> members,
      Path dataDir,
      String token,
      int slots,
      int partitions,
      Duration leaseTime,
      long outputCapBytes) {
    this(
        name,
        clusterName,
        bindHost,
        port,
        httpPort,
        members,
        dataDir,
        token,
        slots,
        partitions,
        leaseTime,
        outputCapBytes,
        0,
        DEFAULT_SCRUB_EVERY,
        RetentionPolicy.defaults(),
        DEFAULT_JOB_ENV,
        null,
        null,
        0,
        null,
        null,
        Set.of(),
        null,
        true,
        List.of(),
        List.of());
  }

  /** A one-node grid on loopback with defaults, for tests and embedding. */
  public static NodeConfig local(String name, int port, Path dataDir, String token, int slots) {
    return new NodeConfig(
        name,
        "grid",
        "127.0.0.1",
        port,
        0,
        List.of(),
        dataDir,
        token,
        slots,
        DEFAULT_PARTITIONS,
        DEFAULT_LEASE_TIME,
        DEFAULT_OUTPUT_CAP);
  }

  /** Where jobs without a workDir get their scratch directories (see {@code jobScratch}). */
  public Path scratchRoot() {
    if (jobScratch != null) {
      return jobScratch.toAbsolutePath();
    }
    if (jobUser != null) {
      return Path.of(System.getProperty("java.io.tmpdir"), "grid-jobs-" + name).toAbsolutePath();
    }
    return dataDir.resolve("scratch");
  }

  private static boolean inside(Path dir, Path parent) {
    return dir.toAbsolutePath().normalize().startsWith(parent.toAbsolutePath().normalize());
  }

  /** This config declaring the given labels. */
  public NodeConfig withLabels(Set<String> newLabels) {
    return toBuilder().labels(newLabels).build();
  }

  /** This config with jobs run as {@code user} (null: as the node's user), scratch under a dir. */
  public NodeConfig withJobUser(String user, Path scratch) {
    return toBuilder().jobUser(user).jobScratch(scratch).build();
  }

  /**
   * This node's entry in {@code members} or {@code voters}, matched by resolved address and port;
   * {@code bindHost:port} if neither lists it.
   */
  String self() {
    List<String> listed = new ArrayList<>(voterSet());
    listed.addAll(members);
    return listed.isEmpty() ? bindHost + ":" + port : self(bindHost, port, listed);
  }

  /**
   * The voters this node was given: {@code voters}, or else the members. Empty for a lone node, and
   * for a worker that learns the voters from the grid it joins.
   */
  List<String> voterSet() {
    return voters.isEmpty() ? members : voters;
  }

  /** Whether this node votes for the primary: it is among the voters, or is a lone node. */
  boolean isVoter() {
    List<String> set = voterSet();
    return set.isEmpty() ? join.isEmpty() : set.contains(self());
  }

  /** Whom to ask when joining: the members, the voters and the {@code --join} addresses. */
  List<String> joinList() {
    Set<String> all = new LinkedHashSet<>(members);
    all.addAll(voters);
    all.addAll(join);
    return List.copyOf(all);
  }

  private static void checkVoters(List<String> voters) {
    voters.forEach(v -> LeaseSettings.checkAddress(v, "--voters"));
    if (new HashSet<>(voters).size() != voters.size()) {
      throw new IllegalArgumentException(
          "--voters " + voters + " names a voter twice: list each voter once");
    }
    if (voters.size() > MOST_VOTERS) {
      throw new IllegalArgumentException(
          "--voters names "
              + voters.size()
              + " voters, more than the "
              + MOST_VOTERS
              + " allowed: 3 or 5 are usual; every other node joins as a worker");
    }
  }

  private static String self(String host, int port, List<String> members) {
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "member '" + m + "' has no port: write it as host:port, e.g. 127.0.0.1:15701");
      }
      try {
        if (Integer.parseInt(m.substring(colon + 1)) == port
            && InetAddress.getByName(m.substring(0, colon)).equals(InetAddress.getByName(host))) {
          return m;
        }
      } catch (NumberFormatException | UnknownHostException e) {
        throw new IllegalArgumentException(
            "member '" + m + "' is not host:port (" + e.getMessage() + ")");
      }
    }
    return host + ":" + port;
  }

  /** This config with another HTTP port. */
  public NodeConfig withHttpPort(int newHttpPort) {
    return toBuilder().httpPort(newHttpPort).build();
  }

  /** This config joined to the given members. */
  public NodeConfig withMembers(List<String> newMembers) {
    return toBuilder().members(newMembers).build();
  }

  /** This config with another blob replication and scrub interval. */
  public NodeConfig withStorage(int newReplication, Duration newScrubEvery) {
    return toBuilder().replication(newReplication).scrubEvery(newScrubEvery).build();
  }

  /** This config with another retention policy. */
  public NodeConfig withRetention(RetentionPolicy newRetention) {
    return toBuilder().retention(newRetention).build();
  }

  /** This config with a cluster name (tests isolate grids by it). */
  public NodeConfig withClusterName(String newClusterName) {
    return toBuilder().clusterName(newClusterName).build();
  }

  /** This config with jobs run in cgroups where possible, or never. */
  public NodeConfig withCgroups(boolean useCgroups) {
    return toBuilder().cgroups(useCgroups).build();
  }

  /** This config offering the given CPUs and memory to jobs (null: the machine's). */
  public NodeConfig withOffer(Resources newOffer) {
    return toBuilder().offer(newOffer).build();
  }

  /**
   * What this machine offers when {@code --cpus} and {@code --mem} are not given: the CPUs this JVM
   * may use and the machine's (or container's) memory.
   */
  public static Resources machine() {
    long memory = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    int cpus = Math.min(Resources.MAX_CPUS, Runtime.getRuntime().availableProcessors());
    return new Resources(
        cpus, Math.min(Resources.MAX_MEMORY_BYTES, Math.max(Resources.MIN_MEMORY_BYTES, memory)));
  }

  /** A copy of this config to change a few fields of: {@code toBuilder().slots(8).build()}. */
  Builder toBuilder() {
    return new Builder(this);
  }

  /** The fields of a config, to change some and build a new one (validated then). */
  static final class Builder {
    private String name;
    private String clusterName;
    private String bindHost;
    private int port;
    private int httpPort;
    private List<String> members;
    private Path dataDir;
    private String token;
    private int slots;
    private int partitions;
    private Duration leaseTime;
    private long outputCapBytes;
    private int replication;
    private Duration scrubEvery;
    private RetentionPolicy retention;
    private Set<String> jobEnv;
    private Tls tls;
    private Path tokenFile;
    private int blobPort;
    private String jobUser;
    private Path jobScratch;
    private Set<String> labels;
    private Resources offer;
    private boolean cgroups;
    private List<String> voters;
    private List<String> join;

    private Builder(NodeConfig c) {
      name = c.name;
      clusterName = c.clusterName;
      bindHost = c.bindHost;
      port = c.port;
      httpPort = c.httpPort;
      members = c.members;
      dataDir = c.dataDir;
      token = c.token;
      slots = c.slots;
      partitions = c.partitions;
      leaseTime = c.leaseTime;
      outputCapBytes = c.outputCapBytes;
      replication = c.replication;
      scrubEvery = c.scrubEvery;
      retention = c.retention;
      jobEnv = c.jobEnv;
      tls = c.tls;
      tokenFile = c.tokenFile;
      blobPort = c.blobPort;
      jobUser = c.jobUser;
      jobScratch = c.jobScratch;
      labels = c.labels;
      offer = c.offer;
      cgroups = c.cgroups;
      voters = c.voters;
      join = c.join;
    }

    Builder name(String value) {
      name = value;
      return this;
    }

    Builder clusterName(String value) {
      clusterName = value;
      return this;
    }

    Builder bindHost(String value) {
      bindHost = value;
      return this;
    }

    Builder port(int value) {
      port = value;
      return this;
    }

    Builder httpPort(int value) {
      httpPort = value;
      return this;
    }

    Builder members(List<String> value) {
      members = value;
      return this;
    }

    Builder dataDir(Path value) {
      dataDir = value;
      return this;
    }

    Builder token(String value) {
      token = value;
      return this;
    }

    Builder slots(int value) {
      slots = value;
      return this;
    }

    Builder partitions(int value) {
      partitions = value;
      return this;
    }

    Builder leaseTime(Duration value) {
      leaseTime = value;
      return this;
    }

    Builder outputCapBytes(long value) {
      outputCapBytes = value;
      return this;
    }

    Builder replication(int value) {
      replication = value;
      return this;
    }

    Builder scrubEvery(Duration value) {
      scrubEvery = value;
      return this;
    }

    Builder retention(RetentionPolicy value) {
      retention = value;
      return this;
    }

    Builder jobEnv(Set<String> value) {
      jobEnv = value;
      return this;
    }

    Builder tls(Tls value) {
      tls = value;
      return this;
    }

    Builder tokenFile(Path value) {
      tokenFile = value;
      return this;
    }

    Builder blobPort(int value) {
      blobPort = value;
      return this;
    }

    Builder jobUser(String value) {
      jobUser = value;
      return this;
    }

    Builder jobScratch(Path value) {
      jobScratch = value;
      return this;
    }

    Builder labels(Set<String> value) {
      labels = value;
      return this;
    }

    Builder offer(Resources value) {
      offer = value;
      return this;
    }

    Builder cgroups(boolean value) {
      cgroups = value;
      return this;
    }

    Builder voters(List<String> value) {
      voters = value;
      return this;
    }

    Builder join(List<String> value) {
      join = value;
      return this;
    }

    NodeConfig build() {
      return new NodeConfig(
          name,
          clusterName,
          bindHost,
          port,
          httpPort,
          members,
          dataDir,
          token,
          slots,
          partitions,
          leaseTime,
          outputCapBytes,
          replication,
          scrubEvery,
          retention,
          jobEnv,
          tls,
          tokenFile,
          blobPort,
          jobUser,
          jobScratch,
          labels,
          offer,
          cgroups,
          voters,
          join);
    }
  }
}
