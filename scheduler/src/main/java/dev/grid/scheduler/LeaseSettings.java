package dev.grid.scheduler;

import dev.grid.scheduler.lease.Ballot;
import dev.grid.scheduler.lease.LeaseTiming;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a node takes part in the primary lease.
 *
 * <p>All voters must be given the same voter list and the same lease time. Every period of the
 * protocol derives from the lease time (see {@code LeaseTiming}). With the default 1.5 s the voters
 * forget a SIGKILLed primary's lease 1.1-1.5 s after the kill (its last renewal was up to 0.375 s
 * earlier), and another node holds the lease a few tens of milliseconds later (with 2 s: 1.7-2.3 s,
 * median 1.8 s, measured in one JVM). A shorter lease time fails over faster in proportion, and
 * leaves the primary less time to renew through a long pause.
 *
 * @param self this node's member address, {@code host:port}, as in {@code --members}
 * @param voters the member addresses of every voter, this node included; empty for a lone node,
 *     which votes alone
 * @param dataDir the node's data directory; the voter's promise is kept in {@code <dataDir>/lease/}
 * @param leaseTime how long a lease lasts without renewal (at least 100 ms)
 */
public record LeaseSettings(String self, List<String> voters, Path dataDir, Duration leaseTime) {
  /** The default lease time, 1.5 s. */
  public static final Duration DEFAULT_LEASE_TIME = LeaseTiming.DEFAULT_LEASE_TIME;

  /** Validates eagerly. */
  public LeaseSettings {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(voters, "voters");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(leaseTime, "leaseTime");
    voters = List.copyOf(voters);
    checkAddress(self, "this node's address");
    Set<String> distinct = new HashSet<>();
    for (String voter : voters) {
      checkAddress(voter, "voter");
      if (!distinct.add(voter)) {
        throw new IllegalArgumentException(
            "voter '" + voter + "' is listed twice in " + voters + ": list each member once");
      }
    }
    if (voters.size() > Ballot.MAX_VOTERS) {
      throw new IllegalArgumentException(
          voters.size() + " voters are too many: at most " + Ballot.MAX_VOTERS);
    }
    if (!voters.isEmpty() && voters.stream().noneMatch(voter -> sameAddress(voter, self))) {
      throw new IllegalArgumentException(
          "this node's address '"
              + self
              + "' is not among the voters "
              + voters
              + ": list it in --members, or give no members for a lone node");
    }
    if (leaseTime.compareTo(Duration.ofMillis(100)) < 0) {
      throw new IllegalArgumentException(
          "lease time " + leaseTime + " is too short: use at least 100 ms (default 2 s)");
    }
  }

  /** Settings with the default lease time. */
  public LeaseSettings(String self, List<String> voters, Path dataDir) {
    this(self, voters, dataDir, DEFAULT_LEASE_TIME);
  }

  /** The voters in the order every node numbers them (sorted), this node alone for a lone node. */
  List<String> sortedVoters() {
    List<String> sorted = new ArrayList<>(voters.isEmpty() ? List.of(self) : voters);
    sorted.sort(null);
    return sorted;
  }

  /** This node's index among {@link #sortedVoters()}. */
  int selfIndex() {
    List<String> sorted = sortedVoters();
    int exact = sorted.indexOf(self);
    if (exact >= 0) {
      return exact;
    }
    for (int i = 0; i < sorted.size(); i++) {
      if (sameAddress(sorted.get(i), self)) {
        return i;
      }
    }
    throw new IllegalStateException("self " + self + " is not among " + sorted);
  }

  /** Whether two {@code host:port} addresses name the same socket (localhost = 127.0.0.1). */
  static boolean sameAddress(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    if (port(a) != port(b)) {
      return false;
    }
    try {
      Set<InetAddress> left = Set.of(InetAddress.getAllByName(host(a)));
      for (InetAddress address : InetAddress.getAllByName(host(b))) {
        if (left.contains(address)) {
          return true;
        }
      }
      return false;
    } catch (UnknownHostException | IllegalArgumentException e) {
      return false;
    }
  }

  static String host(String address) {
    String host = address.substring(0, address.lastIndexOf(':'));
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /**
   * Checks that {@code address} is {@code host:port} with a port in 1-65535.
   *
   * @throws IllegalArgumentException naming {@code what} and the address, with an example
   */
  public static void checkAddress(String address, String what) {
    int colon = address.lastIndexOf(':');
    boolean valid = colon > 0 && colon < address.length() - 1;
    if (valid) {
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        valid = port >= 1 && port <= 65535;
      } catch (NumberFormatException e) {
        valid = false;
      }
    }
    if (!valid) {
      throw new IllegalArgumentException(
          what + " '" + address + "' is not host:port (for example 127.0.0.1:15701)");
    }
  }
}
