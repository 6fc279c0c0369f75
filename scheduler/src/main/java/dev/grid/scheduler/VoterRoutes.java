package dev.grid.scheduler;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Which Hazelcast member is which voter: same port, and the voter's host resolves to the member's
 * address (so {@code localhost} and {@code 127.0.0.1} match). Recomputed when membership changes. A
 * voter that is not a member right now has no route: its messages are lost, as on a network. Used
 * on the lease thread only.
 */
final class VoterRoutes {
  private final Cluster cluster;
  private final List<String> voters;
  private final InetAddress[][] resolved;
  private Set<Member> members = Set.of();
  private Member[] routes;
  private boolean unresolved;

  VoterRoutes(Cluster cluster, List<String> voters) {
    this.cluster = cluster;
    this.voters = List.copyOf(voters);
    this.resolved = new InetAddress[voters.size()][];
    this.routes = new Member[voters.size()];
  }

  /** The member that is voter {@code voter} now, or null. */
  Member member(int voter) {
    Set<Member> now = cluster.getMembers();
    if (unresolved || !now.equals(members)) {
      members = now;
      unresolved = false;
      Member[] fresh = new Member[voters.size()];
      for (int i = 0; i < fresh.length; i++) {
        for (Member member : now) {
          if (matches(i, member.getAddress())) {
            fresh[i] = member;
          }
        }
      }
      routes = fresh;
    }
    return routes[voter];
  }

  private boolean matches(int voter, Address address) {
    String id = voters.get(voter);
    if (address.getPort() != LeaseSettings.port(id)) {
      return false;
    }
    String host = LeaseSettings.host(id);
    if (host.equals(address.getHost())) {
      return true;
    }
    try {
      if (resolved[voter] == null) {
        resolved[voter] = InetAddress.getAllByName(host);
      }
      return Arrays.asList(resolved[voter]).contains(address.getInetAddress());
    } catch (UnknownHostException e) {
      unresolved = true; // try again on the next message
      return false;
    }
  }
}
